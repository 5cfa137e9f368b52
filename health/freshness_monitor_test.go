package health

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// A zone that stops being fresh drains every prefix (GRACEFUL_SHUTDOWN, then
// withdraw, by the caller) with the reason in /readyz; fresh again, each prefix
// comes back after Rise passing rounds.
func TestMonitorFreshnessDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var stale error
		fresh := func(time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			return stale
		}
		h := startMonitorWith(t, Config{}, true, MonitorOptions{Freshness: fresh}, v4, v6)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		h.rec.take()

		mu.Lock()
		stale = errors.New("zone example.org.: expired (no refresh within the SOA expire)")
		mu.Unlock()
		h.after(time.Second) // asked once per interval
		h.wantState(v4, Draining)
		h.wantState(v6, Draining)
		if ready, why := h.mon.Ready(); ready || !strings.Contains(strings.Join(why, "\n"), "freshness: zone example.org.: expired") {
			t.Errorf("Ready: got %v %q, want false naming the expired zone", ready, why)
		}
		if st := h.mon.Status()[0]; st.Reason != ReasonStale {
			t.Errorf("status: reason %q, want stale", st.Reason)
		}
		h.after(5 * time.Second) // passing probes do not end it
		h.wantState(v4, Draining)

		// The operator's switch on and off meanwhile does not end it either.
		h.mon.SetMaintenance(true)
		h.mon.SetMaintenance(false)
		synctest.Wait()
		h.wantState(v4, Draining)

		mu.Lock()
		stale = nil
		mu.Unlock()
		h.after(time.Second)
		h.wantState(v4, Unhealthy)
		h.after(2 * time.Second)
		h.wantState(v4, Healthy)
		var v4events []string
		for _, e := range h.rec.take() {
			if s, ok := strings.CutPrefix(e, "192.0.2.53/32 "); ok {
				v4events = append(v4events, s)
			}
		}
		want := "stale>draining fresh>unhealthy rise>healthy"
		if got := strings.Join(v4events, " "); got != want {
			t.Errorf("events %q, want %q", got, want)
		}
	})
}

// A node whose zones are not fresh at start never announces.
func TestMonitorFreshnessAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fresh := func(time.Time) error { return errors.New("zone example.org.: not transferred yet") }
		h := startMonitorWith(t, Config{}, true, MonitorOptions{Freshness: fresh}, v4)
		h.after(5 * time.Second)
		h.wantState(v4, Draining)
		for _, e := range h.rec.take() {
			if strings.Contains(e, "healthy") && !strings.Contains(e, "unhealthy") {
				t.Errorf("announced while not fresh: %q", e)
			}
		}
	})
}

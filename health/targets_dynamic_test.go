package health

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// A prefix added while the monitor runs starts Starting and becomes Healthy after
// rise passing rounds, like the others at start-up; a prefix removed is reported
// Stopped (so that the policy withdraws it) and forgotten; the last one stays.
func TestMonitorAddRemoveTarget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		h.rec.take()

		if err := h.mon.AddTarget(v6); err != nil {
			t.Fatal(err)
		}
		if err := h.mon.AddTarget(v6); err == nil {
			t.Error("a prefix added twice: no error")
		}
		h.wantState(v6, Starting)
		h.after(1500 * time.Millisecond) // rounds at once and 1s later: rise 2
		h.wantState(v6, Healthy)
		h.wantEvents("2001:db8::53/128 rise>healthy")
		if st := h.mon.Status(); len(st) != 2 || st[1].Prefix != v6.Prefix {
			t.Errorf("Status: got %+v, want both prefixes, the new one last", st)
		}

		if err := h.mon.RemoveTarget(v4.Prefix); err != nil {
			t.Fatal(err)
		}
		if got := h.rec.take(); !slices.Equal(got, []string{"192.0.2.53/32 stop>stopped"}) {
			t.Errorf("events of the removal: got %q, want the prefix stopped", got)
		}
		if _, ok := h.mon.State(v4.Prefix); ok {
			t.Error("the removed prefix is still watched")
		}
		if err := h.mon.RemoveTarget(v6.Prefix); err == nil {
			t.Error("the last prefix removed: no error")
		}
		if err := h.mon.RemoveTarget(v4.Prefix); err == nil {
			t.Error("a prefix not watched removed: no error")
		}
		h.after(3 * time.Second)
		h.wantState(v6, Healthy)
		if ok, why := h.mon.Ready(); !ok {
			t.Errorf("Ready: %v", why)
		}
	})
}

package transfer

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestTimersClamp(t *testing.T) {
	tm := Timers{RefreshMin: time.Minute, RefreshMax: time.Hour, RetryMax: 10 * time.Second}
	soa := &dns.SOA{Refresh: 30, Retry: 600, Expire: 0}
	if got := tm.refresh(soa); got != time.Minute {
		t.Errorf("refresh = %v, want the minimum 1m", got)
	}
	soa.Refresh = 86400
	if got := tm.refresh(soa); got != time.Hour {
		t.Errorf("refresh = %v, want the maximum 1h", got)
	}
	if got := tm.retry(soa); got != 10*time.Second {
		t.Errorf("retry = %v, want the maximum 10s", got)
	}
	if got := tm.expire(soa); got != time.Second {
		t.Errorf("expire of 0 with no minimum = %v, want the 1s floor", got)
	}
	if got := tm.refresh(nil); got != time.Minute {
		t.Errorf("refresh without an SOA = %v, want the minimum", got)
	}
}

// Jitter takes off at most Jitter of the interval, never adds.
func TestTimersJitter(t *testing.T) {
	tm := Timers{Jitter: 0.25}
	for _, r := range []float64{0, 0.1, 0.5, 0.999} {
		got := tm.jittered(100*time.Second, r)
		if got > 100*time.Second || got < 75*time.Second {
			t.Errorf("jittered(100s, %v) = %v, want within [75s, 100s]", r, got)
		}
	}
	if got := (Timers{Jitter: 7}).jittered(100*time.Second, 0.999); got < time.Second {
		t.Errorf("a jitter above 1 gives %v", got)
	}
}

// EDNS EXPIRE (RFC 7314 section 4) shortens the deadline, never extends it.
func TestTimersExpiresAt(t *testing.T) {
	now := time.Unix(1e9, 0)
	soa := &dns.SOA{Expire: 1000}
	tm := Timers{}
	for _, c := range []struct {
		edns uint32
		has  bool
		want time.Duration
	}{
		{0, false, 1000 * time.Second},
		{300, true, 300 * time.Second},
		{5000, true, 1000 * time.Second},
	} {
		if got := tm.expiresAt(now, soa, c.edns, c.has).Sub(now); got != c.want {
			t.Errorf("expiresAt(edns %d, %v) = now+%v, want now+%v", c.edns, c.has, got, c.want)
		}
	}
}

package bgptest

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A router with no peer up has no route; waiting for one fails after the limit
// and says what it saw.
func TestRouterWithoutRoutes(t *testing.T) {
	r := StartRouter(t, Options{AS: 65000, PeerAS: 65001})
	if r.Port <= 0 {
		t.Fatalf("port: got %d", r.Port)
	}
	for _, p := range []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32"), netip.MustParsePrefix("2001:db8::53/128")} {
		if rt, found := r.Lookup(t, p); found {
			t.Errorf("%v: got %+v, want no route", p, rt)
		}
		if got := r.State(t, p); got != Absent {
			t.Errorf("%v: got state %v, want absent", p, got)
		}
		if _, err := r.WaitState(t, p, Absent, time.Second); err != nil {
			t.Errorf("%v: WaitState absent: %v", p, err)
		}
		start := time.Now()
		_, err := r.WaitState(t, p, Present, 50*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "want present; got no route") {
			t.Errorf("%v: WaitState present: got %v, want an error naming what it waited for", p, err)
		}
		if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second {
			t.Errorf("%v: WaitState took %v, want about its 50ms limit", p, d)
		}
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Absent: "absent", Present: "present", Draining: "draining"} {
		if got := s.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

package anycast

import (
	"slices"
	"testing"
	"testing/synctest"

	"github.com/anycastdns/anycastdns/health"
)

// A reload's new grace period applies to the next maintenance drain; a bad one
// changes nothing.
func TestControllerSetConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, setup{})
		if err := h.ctrl.SetConfig(Config{Grace: -1}); err == nil {
			t.Error("SetConfig with a negative grace: no error")
		}
		got := h.run(30*sec,
			step{0, to(p4, health.Healthy, health.ReasonRise)},
			step{1 * sec, func(h *harness) {
				if err := h.ctrl.SetConfig(Config{Grace: 2 * sec, Linger: sec}); err != nil {
					t.Fatal(err)
				}
			}},
			step{2 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
		)
		want := []call{{0, "announce 192.0.2.53/32 rise"}, {2 * sec, "drain 192.0.2.53/32 maintenance"}, {4 * sec, "withdraw 192.0.2.53/32 maintenance"}}
		if !slices.Equal(got, want) {
			t.Errorf("got calls\n%s\nwant\n%s", lines(got), lines(want))
		}
	})
}

package health

import (
	"testing"
	"testing/synctest"
	"time"
)

// New listen addresses are probed from the next round on, and the prefix keeps its
// state: the old address, closed, is no longer asked.
func TestMonitorSetAddrs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		h.rec.take()

		moved := Target{Prefix: v4.Prefix, Addrs: []string{"192.0.2.53:5300"}}
		if err := h.mon.SetAddrs([]Target{moved}); err != nil {
			t.Fatal(err)
		}
		h.probe.set(v4.Addrs[0], "fail") // the old listener, closed
		h.after(5 * time.Second)
		h.wantState(v4, Healthy)
		h.wantEvents()

		h.probe.set(moved.Addrs[0], "fail")
		h.after(3 * time.Second)
		h.wantState(v4, Unhealthy)

		for name, targets := range map[string][]Target{
			"another prefix": {v6},
			"no address":     {{Prefix: v4.Prefix}},
			"two targets":    {moved, v6},
		} {
			if err := h.mon.SetAddrs(targets); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})
}

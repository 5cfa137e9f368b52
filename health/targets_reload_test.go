package health

import (
	"os"
	"path/filepath"
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

		// A target without an address keeps its addresses.
		if err := h.mon.SetAddrs([]Target{{Prefix: v4.Prefix}}); err != nil {
			t.Fatal(err)
		}
		h.probe.set(moved.Addrs[0], "fail")
		h.after(3 * time.Second)
		h.wantState(v4, Unhealthy)

		for name, targets := range map[string][]Target{
			"another prefix": {v6},
			"two targets":    {moved, v6},
		} {
			if err := h.mon.SetAddrs(targets); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
	})
}

// A reload of the health settings keeps each prefix's state and counts: a
// higher fall takes effect on the failures to come, a new interval paces the
// next rounds, and a maintenance file named only now is read.
func TestMonitorSetConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		h.rec.take()

		if err := h.mon.SetConfig(Config{Rise: -1}); err == nil {
			t.Error("SetConfig of a configuration that does not validate: no error")
		}
		if err := h.mon.SetConfig(Config{Fall: 6, Interval: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
		h.wantState(v4, Healthy)
		h.probe.set(v4.Addrs[0], "fail")
		calls := h.probe.count("udp")
		h.after(9 * time.Second) // rounds every 2 s: about 5 failures, fall 6
		h.wantState(v4, Healthy)
		if got := h.probe.count("udp") - calls; got < 4 || got > 5 {
			t.Errorf("udp probes in 9 s at the new 2 s interval: %d, want 4 or 5", got)
		}
		h.after(4 * time.Second)
		h.wantState(v4, Unhealthy)

		h.probe.set(v4.Addrs[0], "pass")
		h.after(5 * time.Second)
		h.wantState(v4, Healthy)
		maint := filepath.Join(t.TempDir(), "maintenance")
		if err := os.WriteFile(maint, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := h.mon.SetConfig(Config{Fall: 6, Interval: 2 * time.Second, MaintenanceFile: maint}); err != nil {
			t.Fatal(err)
		}
		h.after(3 * time.Second)
		h.wantState(v4, Draining)
	})
}

package health

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// TestMonitorWithProber runs the real Prober against a DNS server on
// 127.0.0.1, on a short interval and in real time: the prefix becomes
// healthy, falls when the server answers with a stale serial, and rises
// again when it is fixed.
func TestMonitorWithProber(t *testing.T) {
	ts := startTestServer(t)
	prober := &Prober{
		Zones:   []string{"example.org."},
		Serial:  func(string) (uint32, bool) { return ts.serial, true },
		Timeout: 200 * time.Millisecond,
	}
	events := make(chan Event, 16)
	target := Target{Prefix: netip.MustParsePrefix("127.0.0.1/32"), Addrs: []string{ts.addr}}
	cfg := Config{Interval: 50 * time.Millisecond, Timeout: 50 * time.Millisecond, StallIntervals: 20, TCPEvery: 2}
	mon, err := NewMonitor(cfg, []Target{target}, MonitorOptions{
		Probe:        prober.Probe,
		OnTransition: func(ev Event) { events <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); mon.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	want := func(to State, reason Reason) {
		t.Helper()
		select {
		case ev := <-events:
			if ev.To != to || ev.Reason != reason {
				t.Fatalf("got transition to %v (%v), want %v (%v)", ev.To, ev.Reason, to, reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out waiting for %v (%v)", to, reason)
		}
	}
	mon.ZonesLoaded()
	want(Healthy, ReasonRise)
	ts.mode.Store("serial")
	want(Unhealthy, ReasonFall)
	if st := mon.Status()[0]; st.LastError == "" {
		t.Error("status after fall: got no last error, want the probe's")
	}
	ts.mode.Store("ok")
	want(Healthy, ReasonRise)
	cancel()
	want(Stopped, ReasonStop)
}

package health

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var (
	v4 = Target{Prefix: netip.MustParsePrefix("192.0.2.53/32"), Addrs: []string{"192.0.2.53:53"}}
	v6 = Target{Prefix: netip.MustParsePrefix("2001:db8::53/128"), Addrs: []string{"[2001:db8::53]:53"}}
)

// value reads a gauge or counter.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		t.Fatal(err)
	}
	if pb.Gauge != nil {
		return pb.Gauge.GetValue()
	}
	return pb.Counter.GetValue()
}

// fakeProbe answers probes from a per-address mode: "pass" (the default),
// "fail", or "hang" (block until the context ends).
type fakeProbe struct {
	mu    sync.Mutex
	mode  map[string]string
	calls map[string]int // by network
}

func newFakeProbe() *fakeProbe {
	return &fakeProbe{mode: map[string]string{}, calls: map[string]int{}}
}

func (f *fakeProbe) set(addr, mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode[addr] = mode
}

func (f *fakeProbe) count(network string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[network]
}

func (f *fakeProbe) probe(ctx context.Context, network, addr string) error {
	f.mu.Lock()
	mode := f.mode[addr]
	f.calls[network]++
	f.mu.Unlock()
	switch mode {
	case "fail":
		return errors.New("connection refused")
	case "hang":
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// recorder collects transitions reported through OnTransition.
type recorder struct {
	mu     sync.Mutex
	events []string // "prefix reason>state"
}

func (r *recorder) record(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev.Prefix.String()+" "+string(ev.Reason)+">"+ev.To.String())
}

// take returns and forgets the events recorded so far.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// harness runs a Monitor inside a synctest bubble.
type harness struct {
	t     *testing.T
	mon   *Monitor
	probe *fakeProbe
	rec   *recorder
	reg   *prometheus.Registry
	stop  context.CancelFunc
	done  chan struct{}
}

// startMonitor starts a monitor; with loaded set, every zone counts as
// loaded before the first probe round, so the round at 0s already counts.
func startMonitor(t *testing.T, cfg Config, loaded bool, targets ...Target) *harness {
	t.Helper()
	return startMonitorWith(t, cfg, loaded, MonitorOptions{}, targets...)
}

// startMonitorWith is startMonitor with the optional collaborators of opts
// (the harness sets Probe, Registerer and OnTransition).
func startMonitorWith(t *testing.T, cfg Config, loaded bool, opts MonitorOptions, targets ...Target) *harness {
	t.Helper()
	h := &harness{t: t, probe: newFakeProbe(), rec: &recorder{}, reg: prometheus.NewRegistry(), done: make(chan struct{})}
	opts.Probe, opts.Registerer, opts.OnTransition = h.probe.probe, h.reg, h.rec.record
	mon, err := NewMonitor(cfg, targets, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.mon = mon
	if loaded {
		mon.ZonesLoaded()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() {
		defer close(h.done)
		mon.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

// after advances the bubble's clock by d and lets every goroutine settle.
func (h *harness) after(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func (h *harness) wantState(p Target, want State) {
	h.t.Helper()
	if got, ok := h.mon.State(p.Prefix); !ok || got != want {
		h.t.Errorf("%v: got state %v (known %v), want %v", p.Prefix, got, ok, want)
	}
}

func (h *harness) wantEvents(want ...string) {
	h.t.Helper()
	if got := h.rec.take(); !slices.Equal(got, want) {
		h.t.Errorf("got events %q, want %q", got, want)
	}
}

func TestMonitorRiseFallPerPrefix(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4, v6)
		// Rounds at 0s and 1s pass: healthy after the second.
		h.after(500 * time.Millisecond)
		h.wantState(v4, Starting)
		h.after(time.Second)
		h.wantState(v4, Healthy)
		h.wantState(v6, Healthy)
		got := h.rec.take()
		slices.Sort(got)
		if want := []string{"192.0.2.53/32 rise>healthy", "2001:db8::53/128 rise>healthy"}; !slices.Equal(got, want) {
			t.Errorf("got events %q, want %q", got, want)
		}

		// A broken IPv6 listener withdraws only the IPv6 prefix, after
		// fall (3) rounds at 2s, 3s, 4s.
		h.probe.set(v6.Addrs[0], "fail")
		h.after(2 * time.Second)
		h.wantState(v6, Healthy)
		h.after(time.Second)
		h.wantState(v6, Unhealthy)
		h.wantState(v4, Healthy)
		h.wantEvents("2001:db8::53/128 fall>unhealthy")
		if st := h.mon.Status()[1]; !strings.Contains(st.LastError, "refused") {
			t.Errorf("last error: got %q, want the probe's error", st.LastError)
		}

		// Recovery after rise (2) passing rounds.
		h.probe.set(v6.Addrs[0], "pass")
		h.after(time.Second)
		h.wantState(v6, Unhealthy)
		h.after(time.Second)
		h.wantState(v6, Healthy)
		h.wantEvents("2001:db8::53/128 rise>healthy")

		// Metrics: current state and transitions by reason.
		if got := value(t, h.mon.metrics.state.WithLabelValues("2001:db8::53/128", "healthy")); got != 1 {
			t.Errorf("state gauge healthy: got %v, want 1", got)
		}
		if got := value(t, h.mon.metrics.state.WithLabelValues("2001:db8::53/128", "unhealthy")); got != 0 {
			t.Errorf("state gauge unhealthy: got %v, want 0", got)
		}
		if got := value(t, h.mon.metrics.transitions.WithLabelValues("2001:db8::53/128", "unhealthy", "fall")); got != 1 {
			t.Errorf("fall transitions: got %v, want 1", got)
		}
		if got := value(t, h.mon.metrics.probes.WithLabelValues("2001:db8::53/128", "fail")); got != 3 {
			t.Errorf("failed rounds: got %v, want 3", got)
		}
	})
}

func TestMonitorNothingBeforeZonesLoaded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, false, v4)
		h.after(10 * time.Second)
		h.wantState(v4, Starting)
		h.wantEvents()
		if ready, why := h.mon.Ready(); ready || !slices.Contains(why, "zones: not all loaded") {
			t.Errorf("Ready: got %v %q, want false with the zones reason", ready, why)
		}
		h.mon.ZonesLoaded()
		h.after(1500 * time.Millisecond) // the round at 11s is the first to count
		h.wantState(v4, Starting)
		h.after(time.Second)
		h.wantState(v4, Healthy)
		if ready, why := h.mon.Ready(); !ready {
			t.Errorf("Ready: got false %q, want true", why)
		}
	})
}

func TestMonitorProbeStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		h.rec.take()
		// The round at 2s hangs. The last result came at 1s; the watchdog
		// declares the stall at the first tick more than 3s later (5s).
		h.probe.set(v4.Addrs[0], "hang")
		h.after(3 * time.Second) // now 4.5s
		h.wantState(v4, Healthy)
		h.after(time.Second) // now 5.5s
		h.wantState(v4, Unhealthy)
		h.wantEvents("192.0.2.53/32 probe-stall>unhealthy")
		if st := h.mon.Status()[0]; st.Reason != ReasonProbeStall || !strings.Contains(st.LastError, "stalled") {
			t.Errorf("status: got reason %q error %q, want probe-stall and a stall error", st.Reason, st.LastError)
		}
	})
}

func TestMonitorDrainUndrainShutdownStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4, v6)
		h.after(1500 * time.Millisecond)
		h.rec.take()

		h.mon.SetMaintenance(true)
		synctest.Wait()
		h.wantState(v4, Draining)
		h.wantState(v6, Draining)
		if got := value(t, h.mon.metrics.maintenance.WithLabelValues("admin")); got != 1 {
			t.Errorf("maintenance gauge: got %v, want 1", got)
		}
		h.after(5 * time.Second) // passing rounds do not end a drain
		h.wantState(v4, Draining)

		h.mon.SetMaintenance(false)
		synctest.Wait()
		h.wantState(v4, Unhealthy)
		h.after(2 * time.Second)
		h.wantState(v4, Healthy)

		h.mon.Shutdown()
		synctest.Wait()
		h.wantState(v4, Draining)
		h.mon.SetMaintenance(false) // cannot undo a shutdown
		h.after(3 * time.Second)
		h.wantState(v4, Draining)

		h.mon.Stop()
		synctest.Wait()
		select {
		case <-h.done:
		default:
			t.Fatal("Run still running after Stop")
		}
		h.wantState(v4, Stopped)
		got := h.rec.take()
		var v4events []string
		for _, e := range got {
			if strings.HasPrefix(e, "192.0.2.53/32 ") {
				v4events = append(v4events, strings.TrimPrefix(e, "192.0.2.53/32 "))
			}
		}
		want := []string{"maintenance>draining", "undrain>unhealthy", "rise>healthy", "shutdown>draining", "stop>stopped"}
		if !slices.Equal(v4events, want) {
			t.Errorf("got events %q, want %q", v4events, want)
		}
	})
}

func TestMonitorContextCancelStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		h.rec.take()
		h.stop()
		synctest.Wait()
		select {
		case <-h.done:
		default:
			t.Fatal("Run still running after its context ended")
		}
		h.wantEvents("192.0.2.53/32 stop>stopped")
	})
}

func TestMonitorMaintenanceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maintenance")
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{MaintenanceFile: path}, true, v4)
		h.after(1500 * time.Millisecond)
		h.wantState(v4, Healthy)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		h.after(time.Second) // the file is checked once per interval
		h.wantState(v4, Draining)
		if file, admin := h.mon.Maintenance(); !file || admin {
			t.Errorf("Maintenance: got file %v admin %v, want true false", file, admin)
		}
		if ready, why := h.mon.Ready(); ready || !strings.Contains(strings.Join(why, "\n"), path) {
			t.Errorf("Ready: got %v %q, want false naming the file", ready, why)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		h.after(time.Second)
		h.wantState(v4, Unhealthy)
		h.after(2 * time.Second)
		h.wantState(v4, Healthy)
	})
}

func TestMonitorTCPAtLowerRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{TCPEvery: 5}, true, v4)
		h.after(9500 * time.Millisecond) // rounds at 0s..9s: ten rounds
		if got := h.probe.count("udp"); got != 10 {
			t.Errorf("udp probes: got %d, want 10", got)
		}
		if got := h.probe.count("tcp"); got != 2 {
			t.Errorf("tcp probes: got %d, want 2 (rounds 0 and 5)", got)
		}
	})
}

func TestNewMonitorErrors(t *testing.T) {
	probe := newFakeProbe().probe
	tests := []struct {
		name    string
		cfg     Config
		targets []Target
		opts    MonitorOptions
	}{
		{"no probe", Config{}, []Target{v4}, MonitorOptions{}},
		{"no targets", Config{}, nil, MonitorOptions{Probe: probe}},
		{"duplicate", Config{}, []Target{v4, v4}, MonitorOptions{Probe: probe}},
		{"no address", Config{}, []Target{{Prefix: v4.Prefix}}, MonitorOptions{Probe: probe}},
		{"bad config", Config{Rise: -1}, []Target{v4}, MonitorOptions{Probe: probe}},
	}
	for _, tt := range tests {
		if _, err := NewMonitor(tt.cfg, tt.targets, tt.opts); err == nil {
			t.Errorf("%s: got nil error, want one", tt.name)
		}
	}
	reg := prometheus.NewRegistry()
	if _, err := NewMonitor(Config{}, []Target{v4}, MonitorOptions{Probe: probe, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMonitor(Config{}, []Target{v4}, MonitorOptions{Probe: probe, Registerer: reg}); err == nil {
		t.Error("second monitor on one registry: got nil error, want a registration error")
	}
}

func TestMonitorLogsTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zap.InfoLevel)
		probe := newFakeProbe()
		mon, err := NewMonitor(Config{}, []Target{v4}, MonitorOptions{Probe: probe.probe, Logger: zap.New(core)})
		if err != nil {
			t.Fatal(err)
		}
		mon.ZonesLoaded()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); mon.Run(ctx) }()
		time.Sleep(1500 * time.Millisecond)
		probe.set(v4.Addrs[0], "fail")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		cancel()
		<-done

		var got []string
		for _, e := range logs.FilterMessage("health transition").All() {
			f := e.ContextMap()
			got = append(got, e.Level.String()+" "+f["prefix"].(string)+" "+f["to"].(string)+" "+f["reason"].(string))
		}
		want := []string{
			"info 192.0.2.53/32 healthy rise",
			"warn 192.0.2.53/32 unhealthy fall",
			"info 192.0.2.53/32 stopped stop",
		}
		if !slices.Equal(got, want) {
			t.Errorf("got log lines %q, want %q", got, want)
		}
		if e := logs.FilterField(zap.String("reason", "fall")).All(); len(e) != 1 || e[0].ContextMap()["cause"] != "connection refused" {
			t.Errorf("fall log: got %v, want one entry with the probe's error as cause", e)
		}
	})
}

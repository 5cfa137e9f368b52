package health

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Target is one service prefix and the addresses this node serves it on.
type Target struct {
	// Prefix is the anycast service prefix (usually a /32 or a /128).
	Prefix netip.Prefix
	// Addrs are the "host:port" listener addresses probed for the prefix,
	// usually the anycast address itself on port 53. A prefix is healthy
	// only when every address passes.
	Addrs []string
}

// Event is a transition of one prefix.
type Event struct {
	Prefix netip.Prefix
	Transition
}

// MonitorOptions holds a Monitor's collaborators.
type MonitorOptions struct {
	// Probe runs the probes; required. Use [Prober.Probe].
	Probe ProbeFunc
	// Logger receives one line per transition. Default: no logging.
	Logger *zap.Logger
	// Registerer receives the health metrics. Default: none.
	Registerer prometheus.Registerer
	// OnTransition, when set, is called for every transition of every
	// prefix, in order per prefix, from that prefix's loop: it should hand
	// the decision on (for example announce or withdraw) without blocking
	// for long.
	OnTransition func(Event)
	// Freshness, when set, is asked every interval whether every zone this
	// node serves is fresh (package transfer and the zones' signatures know):
	// an error drains every prefix, naming why, until it returns nil again.
	// Use [FreshnessPolicy.Check].
	Freshness func(now time.Time) error
}

// PrefixStatus is a snapshot of one prefix's health.
type PrefixStatus struct {
	Prefix    netip.Prefix `json:"prefix"`
	State     State        `json:"-"`
	StateName string       `json:"state"`            // State as text
	Since     time.Time    `json:"since"`            // start of the current state
	Reason    Reason       `json:"reason,omitempty"` // why the last transition happened
	LastError string       `json:"last_error,omitempty"`
}

// switches are the inputs to every machine that do not come from probes.
type switches struct {
	zonesLoaded bool
	fileMaint   bool
	adminMaint  bool
	stale       string // why a zone is not fresh; "" while every zone is
	shutdown    bool
	stopped     bool
}

func (s switches) maintenance() bool { return s.fileMaint || s.adminMaint }

// prefixLoop is the per-prefix part of a Monitor.
type prefixLoop struct {
	target Target
	name   string
	wake   chan struct{} // capacity 1: "the switches changed"
	// cancel ends the loop (RemoveTarget) and done is closed when it ended;
	// both set when the loop starts (startLoop).
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status PrefixStatus
}

// Monitor runs the probes and the state machine of every prefix. Create it
// with NewMonitor and run it with Run; its methods are safe for concurrent
// use.
type Monitor struct {
	cfg     atomic.Pointer[Config] // SetConfig replaces it; read with config()
	probe   ProbeFunc
	fresh   func(time.Time) error
	log     *zap.Logger
	onTrans func(Event)
	metrics *metrics

	// loopsMu guards loops, which AddTarget and RemoveTarget change, and runCtx.
	loopsMu sync.Mutex
	loops   []*prefixLoop
	runCtx  context.Context // Run's, nil before Run
	running sync.WaitGroup  // every prefix loop started

	mu sync.Mutex
	sw switches
}

// NewMonitor returns a monitor for targets. Zero fields of cfg take their
// defaults.
func NewMonitor(cfg Config, targets []Target, opts MonitorOptions) (*Monitor, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("health: %w", err)
	}
	if opts.Probe == nil {
		return nil, errors.New("health: MonitorOptions.Probe is required")
	}
	if len(targets) == 0 {
		return nil, errors.New("health: no targets")
	}
	m := &Monitor{probe: opts.Probe, fresh: opts.Freshness, log: opts.Logger, onTrans: opts.OnTransition}
	m.cfg.Store(&cfg)
	if m.log == nil {
		m.log = zap.NewNop()
	}
	met, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("health: registering metrics: %w", err)
	}
	m.metrics = met
	seen := make(map[netip.Prefix]bool)
	for _, t := range targets {
		if !t.Prefix.IsValid() || len(t.Addrs) == 0 {
			return nil, fmt.Errorf("health: target %v: needs a valid prefix and at least one address", t.Prefix)
		}
		if seen[t.Prefix] {
			return nil, fmt.Errorf("health: target %v listed twice", t.Prefix)
		}
		seen[t.Prefix] = true
		m.loops = append(m.loops, m.newLoop(t))
	}
	m.metrics.setMaintenance("file", false)
	m.metrics.setMaintenance("admin", false)
	return m, nil
}

// Run probes every prefix until ctx is done or Stop is called, then moves
// every prefix to Stopped (reporting that transition) and returns once all
// of its goroutines have ended. Call it once.
func (m *Monitor) Run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var pollers sync.WaitGroup
	m.loopsMu.Lock()
	m.runCtx = ctx
	for _, pl := range m.loops {
		m.startLoop(pl)
	}
	m.loopsMu.Unlock()
	// The file poller runs also without a file: SetConfig may name one.
	pollers.Go(func() { m.poll(ctx, m.checkFile) })
	if m.fresh != nil {
		pollers.Go(func() { m.poll(ctx, m.checkFreshness) })
	}
	m.running.Wait()
	cancel() // ends the pollers once every prefix has stopped
	pollers.Wait()
}

// ZonesLoaded tells every prefix that every configured zone has loaded.
func (m *Monitor) ZonesLoaded() { m.update(func(s *switches) { s.zonesLoaded = true }) }

// Shutdown drains every prefix for good (SIGTERM).
func (m *Monitor) Shutdown() { m.update(func(s *switches) { s.shutdown = true }) }

// Stop moves every prefix to Stopped and makes Run return.
func (m *Monitor) Stop() { m.update(func(s *switches) { s.stopped = true }) }

// SetMaintenance turns the admin maintenance switch on (drain every prefix)
// or off.
func (m *Monitor) SetMaintenance(on bool) {
	m.update(func(s *switches) { s.adminMaint = on })
}

// Maintenance reports whether the maintenance switch is on, from the file or
// from the admin endpoint.
func (m *Monitor) Maintenance() (file, admin bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sw.fileMaint, m.sw.adminMaint
}

// Status returns a snapshot of every prefix, in configuration order.
func (m *Monitor) Status() []PrefixStatus {
	loops := m.loopList()
	out := make([]PrefixStatus, len(loops))
	for i, pl := range loops {
		pl.mu.Lock()
		out[i] = pl.status
		pl.mu.Unlock()
	}
	return out
}

// State returns the current state of prefix, and false when prefix is not
// monitored.
func (m *Monitor) State(prefix netip.Prefix) (State, bool) {
	for _, pl := range m.loopList() {
		if pl.target.Prefix == prefix {
			pl.mu.Lock()
			defer pl.mu.Unlock()
			return pl.status.State, true
		}
	}
	return 0, false
}

// Ready reports whether every prefix is Healthy; when not, it lists why, one
// reason per line, for /readyz.
func (m *Monitor) Ready() (bool, []string) {
	m.mu.Lock()
	sw := m.sw
	m.mu.Unlock()
	var why []string
	if !sw.zonesLoaded {
		why = append(why, "zones: not all loaded")
	}
	if sw.fileMaint {
		why = append(why, "maintenance: file "+m.config().MaintenanceFile+" present")
	}
	if sw.adminMaint {
		why = append(why, "maintenance: drained by the admin endpoint")
	}
	if sw.stale != "" {
		why = append(why, "freshness: "+sw.stale)
	}
	if sw.shutdown {
		why = append(why, "shutting down")
	}
	for _, st := range m.Status() {
		if st.State != Healthy {
			line := fmt.Sprintf("prefix %v: %v", st.Prefix, st.State)
			if st.LastError != "" {
				line += ": " + st.LastError
			}
			why = append(why, line)
		}
	}
	return len(why) == 0, why
}

// update changes the switches and wakes every prefix loop to apply them.
func (m *Monitor) update(f func(*switches)) {
	m.mu.Lock()
	f(&m.sw)
	file, admin := m.sw.fileMaint, m.sw.adminMaint
	m.mu.Unlock()
	m.metrics.setMaintenance("file", file)
	m.metrics.setMaintenance("admin", admin)
	for _, pl := range m.loopList() {
		select {
		case pl.wake <- struct{}{}:
		default: // a wake-up is already pending; it will read the latest switches
		}
	}
}

func (m *Monitor) switches() switches {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sw
}

package main

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/zone"
)

// anycast couples the health monitor to the BGP speaker: each health transition of a
// prefix becomes an announce, a drain or a withdrawal, and a stop drains every prefix
// in the order of the architecture. Without BGP peers only the monitor runs (its
// state shows in /readyz, the admin endpoints and the metrics).
type anycast struct {
	mon    *health.Monitor
	sp     *announce.Speaker // nil when BGP is off
	grace  time.Duration
	linger time.Duration
	log    *zap.Logger

	cancel context.CancelFunc // ends the monitor's Run
	done   chan struct{}      // closed when the monitor's Run returned

	mu       sync.Mutex
	pending  map[netip.Prefix]*graceTimer // withdrawals due when a maintenance drain's grace ends
	stopping bool                         // the stop's drain has begun: no more announcements
}

// anycastDeps are what the anycast part of a node needs from the rest of it.
type anycastDeps struct {
	store   *zone.Store
	origins []string // every configured zone
	ports   []int    // the DNS port bound for each listen address
	log     *zap.Logger
	level   zap.AtomicLevel
	reg     prometheus.Registerer
}

// newAnycast builds the monitor (probing the node's own listeners at the bound
// ports) and, when peers are configured, the speaker. It starts nothing.
func newAnycast(cfg *config.Config, d anycastDeps) (*anycast, error) {
	a := &anycast{
		grace:   cfg.BGP.Drain.Grace,
		linger:  cfg.BGP.Drain.Linger,
		log:     d.log.Named("anycast"),
		pending: map[netip.Prefix]*graceTimer{},
	}
	prober := &health.Prober{
		Zones:   d.origins,
		Serial:  loadedSerial(d.store),
		Timeout: cfg.Health.Timeout,
	}
	targets := health.Targets(cfg.Server.Listen, d.ports, cfg.BGP.Prefixes)
	for _, t := range targets {
		a.log.Info("health probe targets", zap.Stringer("prefix", t.Prefix), zap.Strings("addrs", t.Addrs))
	}
	var err error
	a.mon, err = health.NewMonitor(cfg.Health, targets, health.MonitorOptions{
		Probe:        prober.Probe,
		Logger:       d.log,
		Registerer:   d.reg,
		OnTransition: a.onTransition,
	})
	if err != nil {
		return nil, err
	}
	if cfg.BGP.Enabled() {
		a.sp, err = announce.New(cfg.BGP.Config, announce.Options{
			Logger: d.log, Level: d.level, Registerer: d.reg,
		})
		if err != nil {
			return nil, err
		}
	}
	return a, nil
}

// loadedSerial returns the serial of the zone origin in the set the node serves now,
// the serial a probe must see (health.Prober.Serial).
func loadedSerial(store *zone.Store) func(origin string) (uint32, bool) {
	return func(origin string) (uint32, bool) {
		set := store.Current()
		if set == nil {
			return 0, false
		}
		z := set.Find(origin, dns.TypeSOA)
		if z == nil || !strings.EqualFold(z.Origin(), dns.Fqdn(origin)) {
			return 0, false
		}
		return z.Serial(), true
	}
}

// start starts BGP (sessions come up in the background; nothing is announced yet),
// then the probes, and tells the monitor that every zone has loaded: a prefix is
// announced once its probes pass health.rise times.
func (a *anycast) start(ctx context.Context) error {
	if a.sp != nil {
		if err := a.sp.Start(ctx); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel, a.done = cancel, make(chan struct{})
	go func() {
		defer close(a.done)
		a.mon.Run(runCtx)
	}()
	a.mon.ZonesLoaded()
	return nil
}

// onTransition applies one health transition to BGP: Healthy announces; Unhealthy,
// Starting and Stopped withdraw; Draining re-announces with GRACEFUL_SHUTDOWN (RFC
// 8326) and withdraws once the grace period ends, unless the prefix left Draining
// meanwhile. The monitor calls it from the prefix's loop, in order per prefix.
func (a *anycast) onTransition(ev health.Event) {
	if a.sp == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, reason := ev.Prefix, string(ev.Reason)
	a.cancelGrace(p)
	var err error
	switch ev.To {
	case health.Healthy:
		if a.stopping {
			a.log.Info("not announcing: the node is stopping", zap.Stringer("prefix", p), zap.String("reason", reason))
			return
		}
		err = a.sp.Announce(p, reason)
	case health.Draining:
		if a.stopping {
			return // the stop's drain handles every prefix
		}
		err = a.sp.Drain(reason, p)
		if announced, _ := a.sp.Announced(p); announced {
			a.log.Info("draining: withdrawing after the grace period", zap.Stringer("prefix", p),
				zap.String("reason", reason), zap.Duration("grace", a.grace))
			g := &graceTimer{}
			g.t = time.AfterFunc(a.grace, func() { a.graceOver(p, reason, g) })
			a.pending[p] = g
		}
	default: // Starting, Unhealthy, Stopped
		err = a.sp.Withdraw(p, reason)
	}
	if err != nil && !errors.Is(err, announce.ErrNotRunning) {
		a.log.Error("bgp decision failed", zap.Stringer("prefix", p), zap.Stringer("state", ev.To), zap.Error(err))
	}
}

// graceTimer is a pending withdrawal; its identity tells a cancelled one apart.
type graceTimer struct{ t *time.Timer }

// cancelGrace cancels the pending withdrawal of p, if any. a.mu must be held.
func (a *anycast) cancelGrace(p netip.Prefix) {
	if g := a.pending[p]; g != nil {
		g.t.Stop()
		delete(a.pending, p)
	}
}

// graceOver withdraws a prefix drained by the maintenance switch, unless its
// withdrawal g was cancelled (the prefix changed state) in the meantime.
func (a *anycast) graceOver(p netip.Prefix, reason string, g *graceTimer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending[p] != g {
		return
	}
	delete(a.pending, p)
	if err := a.sp.Withdraw(p, reason); err != nil && !errors.Is(err, announce.ErrNotRunning) {
		a.log.Error("bgp withdraw failed", zap.Stringer("prefix", p), zap.Error(err))
	}
}

// drain is the first part of a stop: every prefix goes Draining (so /readyz and the
// metrics show it); every announced prefix is re-announced with GRACEFUL_SHUTDOWN;
// after the grace period all are withdrawn; then the node keeps answering for the
// linger period, so that queries still routed here (routers converge one by one)
// get answers. When nothing was announced there is nothing to wait for. The listeners
// stay open throughout: never stop answering while a route still points here.
func (a *anycast) drain() {
	if a.sp == nil {
		a.mon.Shutdown()
		return
	}
	a.mu.Lock()
	a.stopping = true
	for p := range a.pending {
		a.cancelGrace(p)
	}
	a.mu.Unlock()
	a.mon.Shutdown()
	a.mu.Lock()
	announced := false
	for _, p := range a.sp.Prefixes() {
		if on, _ := a.sp.Announced(p); on {
			announced = true
		}
	}
	if err := a.sp.Drain(string(health.ReasonShutdown)); err != nil {
		a.log.Error("bgp drain failed", zap.Error(err))
	}
	a.mu.Unlock()
	if !announced {
		a.log.Info("drain: nothing announced, nothing to wait for")
		return
	}
	a.log.Info("drain: GRACEFUL_SHUTDOWN announced; waiting for the grace period", zap.Duration("grace", a.grace))
	time.Sleep(a.grace)
	a.mu.Lock()
	for _, p := range a.sp.Prefixes() {
		if err := a.sp.Withdraw(p, string(health.ReasonShutdown)); err != nil {
			a.log.Error("bgp withdraw failed", zap.Stringer("prefix", p), zap.Error(err))
		}
	}
	a.mu.Unlock()
	a.log.Info("drain: withdrawn; still answering for the linger period", zap.Duration("linger", a.linger))
	time.Sleep(a.linger)
}

// stop ends the probes (every prefix becomes Stopped) and then BGP: every session is
// closed with a NOTIFICATION Cease (RFC 4486). Call it after drain, before the DNS
// listeners close.
func (a *anycast) stop(ctx context.Context) error {
	if a.cancel != nil {
		a.cancel()
		select {
		case <-a.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if a.sp == nil {
		return nil
	}
	return a.sp.Stop(ctx)
}

package main

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/announce"
	policy "github.com/anycastdns/anycastdns/anycast"
	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/zone"
)

// anycast is the anycast part of a node: the health monitor, the BGP speaker and
// the policy between them (package anycast), which turns each health transition of
// a prefix into an announce, a drain or a withdrawal, and drains every prefix at a
// stop. Without BGP peers only the monitor runs (its state shows in /readyz, the
// admin endpoints and the metrics).
type anycast struct {
	mon  *health.Monitor
	sp   *announce.Speaker // nil when BGP is off
	ctrl *policy.Controller
	log  *zap.Logger
	// drainLimit bounds the drain: grace + linger + shutdown-timeout, in
	// nanoseconds (a reload changes it).
	drainLimit atomic.Int64

	cancel context.CancelFunc // ends the monitor's Run
	done   chan struct{}      // closed when the monitor's Run returned

	// prober queries the zones whose health decides the announcement; a reload
	// replaces it when they change (setZones).
	prober atomic.Pointer[health.Prober]
	// prefixes are the service prefixes watched (reconfigure changes them).
	prefixes []netip.Prefix
	// fresh is the freshness policy of the zones; a reload of health replaces it.
	fresh atomic.Pointer[health.FreshnessPolicy]
}

// anycastDeps are what the anycast part of a node needs from the rest of it.
type anycastDeps struct {
	store   *zone.Store
	origins []string // every configured zone
	ports   []int    // the DNS port bound for each listen address
	// identity is the node's name (NSID, hostname.bind); the BGP hostname
	// capability should say the same.
	identity string
	// freshness reports every zone's freshness (fleet.freshness).
	freshness func(time.Time) []health.ZoneFreshness
	log       *zap.Logger
	level     zap.AtomicLevel
	reg       prometheus.Registerer
}

// newAnycast builds the monitor (probing the node's own listeners at the bound
// ports), the speaker when peers are configured, and the policy between them. It
// starts nothing.
func newAnycast(cfg *config.Config, d anycastDeps) (*anycast, error) {
	a := &anycast{
		log: d.log.Named("anycast"),
	}
	a.prober.Store(&health.Prober{
		Zones:   d.origins,
		Serial:  loadedSerial(d.store),
		Timeout: cfg.Health.Timeout,
	})
	a.prefixes = cfg.BGP.Prefixes
	targets := health.Targets(cfg.Server.Listen, d.ports, cfg.BGP.Prefixes)
	for _, t := range targets {
		a.log.Info("health probe targets", zap.Stringer("prefix", t.Prefix), zap.Strings("addrs", t.Addrs))
	}
	// A zone is stale as long before its expire as the node needs to leave: one
	// interval for the freshness check to notice, the drain grace until the
	// withdrawal, one interval of slack.
	a.fresh.Store(freshnessPolicy(cfg))
	a.setDrainLimit(cfg)
	var err error
	a.mon, err = health.NewMonitor(cfg.Health, targets, health.MonitorOptions{
		Probe: func(ctx context.Context, network, addr string) error {
			return a.prober.Load().Probe(ctx, network, addr)
		},
		Logger:     d.log,
		Registerer: d.reg,
		// The monitor reports nothing before its Run starts, after a.ctrl is set.
		OnTransition: func(ev health.Event) { a.ctrl.OnTransition(ev) },
		Freshness: func(now time.Time) error {
			return a.fresh.Load().Check(d.freshness(now), now)
		},
	})
	if err != nil {
		return nil, err
	}
	opts := policy.Options{Monitor: a.mon, Logger: a.log}
	if cfg.BGP.Enabled() {
		warnHostnameCapability(a.log, d.identity, os.Hostname)
		a.sp, err = announce.New(cfg.BGP.Config, announce.Options{
			Logger: d.log, Level: d.level, Registerer: d.reg,
		})
		if err != nil {
			return nil, err
		}
		opts.Speaker = a.sp
	}
	a.ctrl, err = policy.New(cfg.BGP.Drain, opts)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// freshnessPolicy returns the freshness policy of cfg: a zone is stale as long
// before its expire as the node needs to leave (one interval for the freshness
// check to notice, the drain grace until the withdrawal, one interval of slack).
func freshnessPolicy(cfg *config.Config) *health.FreshnessPolicy {
	fresh := cfg.Health.Freshness
	fresh.Margin = 2*cfg.Health.Interval + cfg.BGP.Drain.Grace
	return &fresh
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
		// A zone without data (a secondary not transferred yet, or expired)
		// answers SERVFAIL: it has no serial a probe could see.
		if z == nil || z.SOA() == nil || !strings.EqualFold(z.Origin(), dns.Fqdn(origin)) {
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

// drain is the first part of a stop: every prefix goes Draining, the announced ones
// are re-announced with GRACEFUL_SHUTDOWN (RFC 8326) and withdrawn after the grace
// period, and the node keeps answering for the linger period (package anycast). It
// runs to its end whatever stopped the node, within drainLimit. The listeners stay
// open throughout: never stop answering while a route still points here.
func (a *anycast) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(a.drainLimit.Load()))
	defer cancel()
	if err := a.ctrl.Drain(ctx); err != nil {
		a.log.Error("drain cut short", zap.Error(err))
	}
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

// setZones makes origins the zones the probes query (the required zones, after a
// reload changed them), from the next probe on.
func (a *anycast) setZones(origins []string) {
	p := *a.prober.Load()
	p.Zones = origins
	a.prober.Store(&p)
}

// setHealth applies the health section of cfg after a reload: the monitor's
// thresholds, interval and maintenance file (each prefix keeps its state), the
// probes' timeout and the zones' freshness policy.
func (a *anycast) setHealth(cfg *config.Config) error {
	if err := a.mon.SetConfig(cfg.Health); err != nil {
		return err
	}
	p := *a.prober.Load()
	p.Timeout = cfg.Health.Timeout
	a.prober.Store(&p)
	a.fresh.Store(freshnessPolicy(cfg))
	return nil
}

// setDrainLimit bounds the drain of cfg.
func (a *anycast) setDrainLimit(cfg *config.Config) {
	a.drainLimit.Store(int64(cfg.BGP.Drain.Grace + cfg.BGP.Drain.Linger + cfg.ShutdownTimeout))
}

// setDrain applies the drain timing of cfg after a reload (bgp.drain,
// shutdown-timeout): the policy's grace and linger, the bound of the stop's
// drain, and the freshness margin, which leaves the grace period to withdraw.
func (a *anycast) setDrain(cfg *config.Config) error {
	if err := a.ctrl.SetConfig(cfg.BGP.Drain); err != nil {
		return err
	}
	a.setDrainLimit(cfg)
	a.fresh.Store(freshnessPolicy(cfg))
	return nil
}

// setListen makes the probes query the listen addresses listen, bound at ports
// (server.ListenPorts), from the next round on, after a reload changed them.
func (a *anycast) setListen(listen []string, ports []int) error {
	targets := health.Targets(listen, ports, a.prefixes)
	for _, t := range targets {
		a.log.Info("health probe targets", zap.Stringer("prefix", t.Prefix), zap.Strings("addrs", t.Addrs))
	}
	return a.mon.SetAddrs(targets)
}

// reconfigure applies a reload's BGP changes (cfg is the configuration applied,
// added and removed its prefix changes, ports the ports of its listen addresses):
//  1. the speaker takes the new peers and path attributes, and the added
//     prefixes beside the old ones (withdrawn until healthy);
//  2. the added prefixes are watched, Starting: each is announced once its probes
//     pass health.rise times, as at start-up;
//  3. the removed prefixes stop being watched: each goes Stopped, which the policy
//     withdraws (a draining one's grace is cut short);
//  4. the speaker forgets them.
func (a *anycast) reconfigure(ctx context.Context, cfg *config.Config, added, removed []netip.Prefix, ports []int) error {
	var errs []error
	if a.sp != nil {
		both := cfg.BGP.Config
		both.Prefixes = slices.Concat(cfg.BGP.Prefixes, removed)
		if err := a.sp.Reconfigure(ctx, both); err != nil {
			return err // nothing else changed: the monitor is as it was
		}
	}
	for _, p := range added {
		if _, watched := a.mon.State(p); watched {
			continue // added by an earlier reload that failed further on
		}
		t := health.Target{Prefix: p, Addrs: health.TargetAddrs(cfg.Server.Listen, ports, p)}
		if err := a.mon.AddTarget(t); err != nil {
			errs = append(errs, err)
			continue
		}
		a.log.Info("prefix added: announced once healthy", zap.Stringer("prefix", p), zap.Strings("addrs", t.Addrs))
	}
	for _, p := range removed {
		if _, watched := a.mon.State(p); !watched {
			continue
		}
		if err := a.mon.RemoveTarget(p); err != nil {
			errs = append(errs, err)
			continue
		}
		a.log.Info("prefix removed: withdrawn", zap.Stringer("prefix", p))
	}
	a.prefixes = cfg.BGP.Prefixes
	if a.sp != nil {
		errs = append(errs, a.sp.Reconfigure(ctx, cfg.BGP.Config))
	}
	return errors.Join(errs...)
}

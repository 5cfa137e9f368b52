package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/internal/promutil"
	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// Readiness conditions, as /readyz names them.
const (
	condZones     = "zones"
	condListeners = "dns listeners"
	condStopping  = "stopping"
)

// node is one running anycastdns: its zones, DNS listeners, metrics and health
// endpoints. start and stop bring them up and down in the order of the architecture.
type node struct {
	// cfg is the configuration running; a reload replaces it (under mu) once
	// applied. Read it with config() outside start.
	cfg *config.Config
	mu  sync.Mutex
	// loadConfig reads the configuration again for a reload (the same file,
	// environment and flags as at start); nil reloads only the zone files.
	loadConfig func() (*config.Config, error)
	// reloading serialises reloads (SIGHUP and POST /admin/reload).
	reloading sync.Mutex
	log       *zap.Logger
	reg       *prometheus.Registry
	ready     *readiness

	level   zap.AtomicLevel // log's level, shared with GoBGP's logger
	store   zone.Store
	loader  *zone.Loader
	dns     *server.Server
	http    *httpServer // nil when metrics.listen is ""
	admin   lateHandler // /admin/ on the metrics listener, once anycast runs
	anycast *anycast    // nil when bgp.prefixes is empty
	fleet   *fleet      // zone transfers in and out
	dnsOpen bool        // the DNS listeners were opened
	// startedAt is when start began, for the status's uptime.
	startedAt time.Time
}

// newNode builds the pieces of a node; it opens nothing.
func newNode(cfg *config.Config, log *zap.Logger, level zap.AtomicLevel) (*node, error) {
	n := &node{
		cfg:   cfg,
		log:   log,
		level: level,
		reg:   prometheus.NewRegistry(),
		ready: newReadiness(map[string]string{
			condZones:     "not loaded",
			condListeners: "not open",
		}),
	}
	n.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
	)
	var err error
	n.fleet, err = newFleet(cfg, log, n.reg)
	if err != nil {
		return nil, err
	}
	n.loader, err = zone.NewLoader(&n.store, cfg.ZoneFiles(), zone.LoaderOptions{
		Metrics: zone.NewLoaderMetrics(n.reg), TuneGC: true, Published: n.fleet.published})
	if err != nil {
		return nil, err
	}
	n.fleet.bind(n.loader)
	n.dns, err = server.New(cfg.Server, &n.store, server.Options{
		Metrics: server.NewMetrics(n.reg), Logger: log.Named("server"), Transfers: n.fleet.responder,
		ZoneExpire: n.fleet.expire, RateLimitExempt: n.fleet.rateLimitExempt()})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// buildInfo is a gauge fixed at 1 whose labels say which build is running.
func buildInfo() prometheus.Collector {
	g := promutil.GaugeVec("", "build_info", "Always 1; the labels name the running build.", "version", "goversion")
	g.WithLabelValues(version(), goVersion()).Set(1)
	return g
}

// start brings the node up: health endpoints first (so that a slow zone load shows as
// alive and not ready), then every zone (each must load), then the DNS listeners,
// then BGP and the probes of the service prefixes, which announce each prefix once
// its probes pass health.rise times. On error, whatever was started is stopped again.
func (n *node) start() (err error) {
	n.startedAt = time.Now()
	defer func() {
		if err != nil {
			n.abort()
			return
		}
		// The operator's endpoints, once everything they report on runs.
		n.admin.set(n.adminHandler(n.anycast))
	}()
	if n.cfg.Metrics.Listen != "" {
		n.http, err = startHTTP(n.cfg.Metrics.Listen, newHTTPHandler(n.reg, n.ready, &n.admin, n.log), n.log.Named("http"))
		if err != nil {
			return err
		}
		n.log.Info("metrics listening", zap.Stringer("addr", n.http.addr()))
	}

	results, err := n.loader.LoadAll()
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			n.logErrors("zone not loaded", r, zap.String("file", r.Path))
			continue
		}
		n.log.Info("zone loaded", zoneFields(r)...)
		n.logWarnings(r)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d zones did not load", failed, len(results))
	}
	if err != nil { // not a zone's failure: building the set
		return err
	}
	n.ready.set(condZones, "")
	// Secondary zones serve their persisted copies and check their primaries;
	// health keeps the prefixes away until they are fresh.
	n.fleet.start()

	if err := n.dns.Start(); err != nil {
		return err
	}
	n.dnsOpen = true
	n.ready.set(condListeners, "")
	n.log.Info("serving",
		zap.String("identity", n.dns.Identity()),
		zap.String("version", version()),
		zap.Strings("listeners", addrStrings(n.dns.Addrs())),
		zap.Int("zones", len(results)))
	return n.startAnycast()
}

// startAnycast starts BGP and the probes of every service prefix, when there are
// any. The zones have loaded and the listeners are open: the probes query them.
func (n *node) startAnycast() error {
	if len(n.cfg.BGP.Prefixes) == 0 {
		return nil
	}
	a, err := newAnycast(n.cfg, anycastDeps{
		store: &n.store, origins: sortedKeys(requiredZones(n.cfg)), ports: n.dns.ListenPorts(), identity: n.dns.Identity(),
		freshness: n.fleet.freshness(func() map[string]bool { return requiredZones(n.config()) }),
		log:       n.log, level: n.level, reg: n.reg,
	})
	if err != nil {
		return err
	}
	// BGP starts before the probes, so that the first healthy verdict has a
	// speaker to announce through; sessions come up in the background.
	if err := a.start(context.Background()); err != nil {
		_ = a.stop(context.Background())
		return err
	}
	n.anycast = a
	n.ready.addSource(a.mon.Ready)
	n.log.Info("anycast started", zap.Stringers("prefixes", n.cfg.BGP.Prefixes),
		zap.Bool("bgp", a.sp != nil), zap.Int("rise", n.cfg.Health.Rise),
		zap.Duration("interval", n.cfg.Health.Interval))
	return nil
}

// requiredZones returns the zones of cfg whose health decides the announcement
// (the probes query them, and their freshness counts), by canonical name: the
// configured zones marked required (the default), or the built-in examples.
func requiredZones(cfg *config.Config) map[string]bool {
	required := map[string]bool{}
	if cfg.Zones == nil {
		for _, zf := range cfg.ZoneFiles() {
			required[canonicalName(zf.Origin)] = true
		}
	}
	for _, z := range cfg.Zones {
		if z.IsRequired() {
			required[canonicalName(z.Origin)] = true
		}
	}
	return required
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// config returns the configuration running.
func (n *node) config() *config.Config {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cfg
}

// abort undoes a start that failed half-way.
func (n *node) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	if n.anycast != nil {
		_ = n.anycast.stop(ctx)
	}
	n.fleet.stop()
	if n.dnsOpen {
		_ = n.dns.Shutdown(ctx)
	}
	_ = n.closeHTTP(ctx)
}

// addrStrings returns each address as "network/address", e.g. "udp/127.0.0.1:53".
func addrStrings(addrs []net.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.Network() + "/" + a.String()
	}
	return out
}

// maxProblemsLogged bounds the errors and the warnings logged per zone load, so that a
// large zone with a systematic problem does not flood the log; the check command prints
// them all.
const maxProblemsLogged = 10

// logErrors logs why the zone did not load, one line per problem (file:line), each
// with fields.
func (n *node) logErrors(msg string, r zone.LoadResult, fields ...zap.Field) {
	errs := []error{r.Err}
	if j, ok := r.Err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for i, err := range errs {
		if i == maxProblemsLogged {
			n.log.Error("more zone errors not logged; run anycastdns check to see them all",
				zap.String("zone", r.Origin), zap.Int("more", len(errs)-i))
			return
		}
		n.log.Error(msg, append([]zap.Field{zap.String("zone", r.Origin), zap.Error(err)}, fields...)...)
	}
}

// logWarnings logs the problems that did not stop the zone from loading, the
// DNSSEC errors of a signed zone as errors: it serves, but validating resolvers
// find some of its answers bogus.
func (n *node) logWarnings(r zone.LoadResult) {
	warnings := r.Warnings
	if r.DNSSEC != nil {
		n.logProblems(zapcore.ErrorLevel, "zone DNSSEC error", r.Origin, r.DNSSEC.Errors)
		warnings = append(slices.Clip(warnings), r.DNSSEC.Warnings...)
	}
	n.logProblems(zapcore.WarnLevel, "zone warning", r.Origin, warnings)
}

// logProblems logs up to maxProblemsLogged problems of the zone at level.
func (n *node) logProblems(level zapcore.Level, msg, origin string, problems []*zonefile.Error) {
	for i, p := range problems {
		if i == maxProblemsLogged {
			n.log.Log(level, "more zone problems not logged; run anycastdns check to see them all",
				zap.String("zone", origin), zap.String("kind", msg), zap.Int("more", len(problems)-i))
			return
		}
		n.log.Log(level, msg, zap.String("zone", origin), zap.Error(p))
	}
}

// zoneFields are the log fields of one zone load.
func zoneFields(r zone.LoadResult) []zap.Field {
	return []zap.Field{
		zap.String("zone", r.Origin),
		zap.String("file", r.Path),
		zap.Uint32("serial", r.Serial),
		zap.Int("records", r.Records),
		zap.Int("duplicates", r.Duplicates),
		zap.Duration("took", r.Took),
	}
}

// drain is the first part of a stop (SIGTERM, SIGINT), before stop:
//  1. not ready: /readyz answers 503 so that load balancers and probes look away;
//  2. every service prefix goes Draining; the announced ones are re-announced with
//     GRACEFUL_SHUTDOWN 65535:0 (RFC 8326), withdrawn after bgp.drain.grace, and the
//     node keeps answering for bgp.drain.linger.
//
// It takes grace + linger when something was announced, and no time otherwise.
func (n *node) drain() {
	n.ready.set(condStopping, "shutting down")
	n.log.Info("stopping")
	if n.anycast != nil {
		n.anycast.drain()
	}
}

// stop takes the node down in order after drain, each step bounded by ctx:
//  1. the probes stop and BGP stops: every session ends with a Cease;
//  2. the DNS listeners close and queries in flight finish;
//  3. the metrics and health listener closes last, so the stop can be watched.
func (n *node) stop(ctx context.Context) error {
	n.ready.set(condStopping, "shutting down")
	var err error
	if n.anycast != nil {
		if aerr := n.anycast.stop(ctx); aerr != nil {
			err = fmt.Errorf("bgp: %w", aerr)
		}
	}
	n.fleet.stop()
	if derr := n.dns.Shutdown(ctx); derr != nil {
		err = errors.Join(err, fmt.Errorf("dns listeners: %w", derr))
	}
	n.ready.set(condListeners, "closed")
	if herr := n.closeHTTP(ctx); herr != nil {
		err = errors.Join(err, fmt.Errorf("metrics listener: %w", herr))
	}
	return err
}

// closeHTTP stops the metrics and health listener, if it runs.
func (n *node) closeHTTP(ctx context.Context) error {
	if n.http == nil {
		return nil
	}
	return n.http.shutdown(ctx)
}

// metricsAddr returns the bound address of the metrics listener, or nil.
func (n *node) metricsAddr() net.Addr {
	if n.http == nil {
		return nil
	}
	return n.http.addr()
}

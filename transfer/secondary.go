package transfer

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// SecondaryZone is a zone this node takes from primaries by zone transfer.
type SecondaryZone struct {
	Origin    string   // fully qualified; any case
	Primaries []Remote // asked in order; the first that answers the SOA query is used
	// File is where the received copy is persisted; "" is StateDir/<origin>zone.
	File string
	// Required says health withdraws the node while this zone is expired or lags.
	Required bool
	// Catalog marks an RFC 9432 catalog zone, whose members become secondaries.
	Catalog bool
	// AllowNotify says who may send a NOTIFY for the zone (RFC 1996 section 3.10).
	AllowNotify ACL
	// Notify are the targets told of each new version (RFC 1996 section 3.6).
	Notify []Remote
}

// SecondaryConfig are the settings of a Secondary.
type SecondaryConfig struct {
	// Timers bound the SOA's refresh, retry and expire.
	Timers Timers
	// StateDir holds the persisted copies without a File, and every state file
	// that is not beside a File.
	StateDir string
	// DNSSEC says how a received signed version is checked (as for a file).
	DNSSEC zone.DNSSECOptions
	// Metrics records the per-zone metrics; nil records none.
	Metrics *Metrics
	// Logger logs each refresh, transfer and failure; nil logs nothing.
	Logger *zap.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Rand returns a uniform number in [0, 1) for the jitter; nil is math/rand/v2.
	Rand func() float64
}

// Secondary keeps the secondary zones of this node up to date with their
// primaries: per zone, a loop checks the primary's SOA on the timers of RFC 1034
// section 4.3.5 and at each NOTIFY (RFC 1996), takes in a newer version by IXFR
// (RFC 1995) or AXFR (RFC 5936), publishes it, and persists it so that a restart
// serves it at once. It is safe for concurrent use.
type Secondary struct {
	cfg  SecondaryConfig
	deps engineDeps
	log  *zap.Logger

	mu      sync.Mutex
	ctx     context.Context // nil until Start
	zones   map[string]*secZone
	stopped bool
	wg      sync.WaitGroup // every zone loop and NOTIFY sender
}

// newSecondary returns a Secondary of cfg driving deps; it does nothing until
// Start.
func newSecondary(cfg SecondaryConfig, deps engineDeps) *Secondary {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Secondary{cfg: cfg, deps: deps, log: log, zones: make(map[string]*secZone)}
}

// Start serves the persisted copy of every zone added so far at once, then runs
// their refresh loops until ctx ends or Stop. A zone added later starts at once.
//
// The persisted copies are served before Start returns, so that DNS listeners
// opened next never answer REFUSED for a zone this node holds a copy of; they
// load side by side.
func (s *Secondary) Start(ctx context.Context) {
	s.mu.Lock()
	if s.ctx != nil || s.stopped {
		s.mu.Unlock()
		return
	}
	zs := make([]*secZone, 0, len(s.zones))
	for _, z := range s.zones {
		zs = append(zs, z)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for _, z := range zs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.startCopy(z)
			z.copyServed = true
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.ctx = ctx
	for _, z := range s.zones {
		s.run(z)
	}
}

// Stop ends every zone loop and waits for them, and for the NOTIFYs being sent.
func (s *Secondary) Stop() {
	s.mu.Lock()
	s.stopped = true
	for _, z := range s.zones {
		if z.cancel != nil {
			z.cancel()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Add adds z (replacing a zone of the same origin), and starts its loop when the
// Secondary runs.
func (s *Secondary) Add(z SecondaryZone) {
	origin := canonical(z.Origin)
	z.Origin = origin
	nz := newSecZone(z, CopyPath(s.cfg.StateDir, z.File, origin))
	s.mu.Lock()
	old := s.zones[origin]
	s.zones[origin] = nz
	if s.ctx != nil && !s.stopped {
		nz.joining = old == nil
		s.run(nz)
	}
	s.mu.Unlock()
	if old != nil {
		old.stop()
	}
}

// Remove stops the loop of the zone at origin, stops serving it, and deletes its
// persisted copy and state file. A zone not added is no error.
func (s *Secondary) Remove(origin string) {
	origin = canonical(origin)
	s.mu.Lock()
	z := s.zones[origin]
	delete(s.zones, origin)
	s.mu.Unlock()
	if z == nil {
		return
	}
	z.stop()
	if err := s.deps.pub.Remove(origin); err != nil {
		s.log.Warn("removing secondary zone", zap.String("zone", origin), zap.Error(err))
	}
	if s.deps.journal != nil {
		s.deps.journal.Drop(origin)
	}
	if err := removeFiles(z.file, statePath(z.file)); err != nil {
		s.log.Warn("deleting the copy of a removed zone", zap.String("zone", origin), zap.Error(err))
	}
	s.cfg.Metrics.forget(origin)
	s.log.Info("secondary zone removed", zap.String("zone", origin))
}

// Notified tells the engine of a NOTIFY for origin from from, signed with key
// ("" when unsigned), already admitted by the zone's AllowNotify. It triggers an
// SOA check at once (RFC 1996 section 3.11), even when serial is not newer than
// ours: the check is what decides. A burst of NOTIFYs makes one check. It
// returns false when origin is not a secondary zone of ours.
func (s *Secondary) Notified(origin string, from netip.AddrPort, key string, serial uint32, hasSerial bool) bool {
	origin = canonical(origin)
	s.mu.Lock()
	z := s.zones[origin]
	s.mu.Unlock()
	if z == nil {
		return false
	}
	s.log.Debug("notify received", zap.String("zone", origin), zap.Stringer("from", from),
		zap.String("key", key), zap.Uint32("serial", serial), zap.Bool("has_serial", hasSerial))
	select {
	case z.notify <- struct{}{}:
	default: // a check is already due: this NOTIFY joins it
	}
	return true
}

// run starts z's loop under the Secondary's context; s.mu is held.
func (s *Secondary) run(z *secZone) {
	ctx, cancel := context.WithCancel(s.ctx)
	z.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(z.done)
		written := make(chan struct{})
		go func() {
			defer close(written)
			s.writeCopies(z)
		}()
		s.loop(ctx, z)
		// The newest version is written before the zone counts as stopped:
		// Remove deletes the copy after, and a restart reads it.
		close(z.persist)
		<-written
	}()
}

// zoneList returns the zones sorted by origin.
func (s *Secondary) zoneList() []*secZone {
	s.mu.Lock()
	defer s.mu.Unlock()
	zs := make([]*secZone, 0, len(s.zones))
	for _, z := range s.zones {
		zs = append(zs, z)
	}
	slices.SortFunc(zs, func(a, b *secZone) int { return strings.Compare(a.cfg.Origin, b.cfg.Origin) })
	return zs
}

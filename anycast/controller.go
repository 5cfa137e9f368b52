package anycast

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/health"
)

// Speaker sends the controller's decisions to the routers. *announce.Speaker
// is one; see its methods for the meaning of each. A decision made while the
// speaker is not running fails with announce.ErrNotRunning, which the
// controller ignores.
type Speaker interface {
	// Announce announces prefix without GRACEFUL_SHUTDOWN.
	Announce(prefix netip.Prefix, reason string) error
	// Drain re-announces each announced one of prefixes (every prefix when
	// none is given) with GRACEFUL_SHUTDOWN.
	Drain(reason string, prefixes ...netip.Prefix) error
	// Withdraw withdraws prefix.
	Withdraw(prefix netip.Prefix, reason string) error
	// Announced reports whether prefix is announced, and whether with
	// GRACEFUL_SHUTDOWN.
	Announced(prefix netip.Prefix) (isAnnounced, isDraining bool)
	// Prefixes returns every prefix the speaker may announce.
	Prefixes() []netip.Prefix
}

var _ Speaker = (*announce.Speaker)(nil)

// Monitor is the part of the health monitor that a stop drives.
// *health.Monitor is one.
type Monitor interface {
	// Shutdown moves every prefix to Draining for good.
	Shutdown()
}

var _ Monitor = (*health.Monitor)(nil)

// Options holds a Controller's collaborators.
type Options struct {
	// Speaker sends the decisions. Default nil: BGP is off, transitions
	// change nothing and a drain only shuts the monitor down.
	Speaker Speaker
	// Monitor is shut down by a drain. Required.
	Monitor Monitor
	// Logger receives the controller's decisions. Default: no logging.
	Logger *zap.Logger
}

// Controller applies the anycast policy: it turns health transitions into
// announcements, drains and withdrawals, and runs the drain of a stop. Its
// methods are safe for concurrent use.
type Controller struct {
	cfg Config
	sp  Speaker // nil when BGP is off
	mon Monitor
	log *zap.Logger

	mu       sync.Mutex
	pending  map[netip.Prefix]*graceTimer // withdrawals due when a maintenance drain's grace ends
	stopping bool                         // the stop's drain has begun: no more announcements
}

// New validates cfg and returns a controller; it starts nothing.
func New(cfg Config, opts Options) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Monitor == nil {
		return nil, errors.New("anycast: Options.Monitor is required")
	}
	c := &Controller{
		cfg:     cfg,
		sp:      opts.Speaker,
		mon:     opts.Monitor,
		log:     opts.Logger,
		pending: map[netip.Prefix]*graceTimer{},
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	return c, nil
}

// OnTransition applies one health transition to BGP: Healthy announces;
// Unhealthy, Starting and Stopped withdraw; Draining re-announces with
// GRACEFUL_SHUTDOWN (RFC 8326) and withdraws once the grace period ends,
// unless the prefix left Draining meanwhile. Any transition cancels the
// prefix's pending withdrawal. Once a stop's drain has begun, nothing is
// announced again. The monitor calls it from the prefix's loop, in order per
// prefix (health.MonitorOptions.OnTransition). A failed decision is logged.
func (c *Controller) OnTransition(ev health.Event) {
	if c.sp == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, reason := ev.Prefix, string(ev.Reason)
	c.cancelGrace(p)
	var err error
	switch ev.To {
	case health.Healthy:
		if c.stopping {
			c.log.Info("not announcing: the node is stopping", zap.Stringer("prefix", p), zap.String("reason", reason))
			return
		}
		err = c.sp.Announce(p, reason)
	case health.Draining:
		if c.stopping {
			return // the stop's drain handles every prefix
		}
		err = c.sp.Drain(reason, p)
		if announced, _ := c.sp.Announced(p); announced {
			c.log.Info("draining: withdrawing after the grace period", zap.Stringer("prefix", p),
				zap.String("reason", reason), zap.Duration("grace", c.cfg.Grace))
			g := &graceTimer{}
			g.t = time.AfterFunc(c.cfg.Grace, func() { c.graceOver(p, reason, g) })
			c.pending[p] = g
		}
	default: // Starting, Unhealthy, Stopped
		err = c.sp.Withdraw(p, reason)
	}
	if err != nil && !errors.Is(err, announce.ErrNotRunning) {
		c.log.Error("bgp decision failed", zap.Stringer("prefix", p), zap.Stringer("state", ev.To), zap.Error(err))
	}
}

// graceTimer is a pending withdrawal; its identity tells a cancelled one apart.
type graceTimer struct{ t *time.Timer }

// cancelGrace cancels the pending withdrawal of p, if any. c.mu must be held.
func (c *Controller) cancelGrace(p netip.Prefix) {
	if g := c.pending[p]; g != nil {
		g.t.Stop()
		delete(c.pending, p)
	}
}

// graceOver withdraws a prefix drained by the maintenance switch, unless its
// withdrawal g was cancelled (the prefix changed state) in the meantime.
func (c *Controller) graceOver(p netip.Prefix, reason string, g *graceTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[p] != g {
		return
	}
	delete(c.pending, p)
	if err := c.sp.Withdraw(p, reason); err != nil && !errors.Is(err, announce.ErrNotRunning) {
		c.log.Error("bgp withdraw failed", zap.Stringer("prefix", p), zap.Error(err))
	}
}

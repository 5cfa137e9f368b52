package anycast

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/health"
)

// Drain is the first part of a stop. Every prefix goes Draining (the monitor's
// Shutdown, so that readiness and the metrics show it); every announced prefix
// is re-announced with GRACEFUL_SHUTDOWN (RFC 8326); after the grace period
// all are withdrawn; then Drain waits for the linger period, while the node
// keeps answering the queries still routed here (routers converge one by
// one). Pending maintenance withdrawals are cancelled, and from here on
// nothing is announced again. When nothing was announced, or BGP is off, there
// is nothing to wait for and Drain returns at once.
//
// Drain returns nil after the linger period, or early with ctx's error when
// ctx ends during the grace or the linger period; what is still announced then
// is the caller's to withdraw (announce.Speaker.Stop does). Failed decisions
// are logged. Call it once.
func (c *Controller) Drain(ctx context.Context) error {
	if c.sp == nil {
		c.mon.Shutdown()
		return nil
	}
	c.mu.Lock()
	c.stopping = true
	cfg := c.cfg // the periods of this drain, whatever a reload sets meanwhile
	for p := range c.pending {
		c.cancelGrace(p)
	}
	c.mu.Unlock()
	// Not under c.mu: the transitions to Draining that Shutdown causes come
	// back through OnTransition, which sees stopping and leaves them to us.
	c.mon.Shutdown()
	c.mu.Lock()
	announced := false
	for _, p := range c.sp.Prefixes() {
		if on, _ := c.sp.Announced(p); on {
			announced = true
		}
	}
	if err := c.sp.Drain(string(health.ReasonShutdown)); err != nil {
		c.log.Error("bgp drain failed", zap.Error(err))
	}
	c.mu.Unlock()
	if !announced {
		c.log.Info("drain: nothing announced, nothing to wait for")
		return nil
	}
	c.log.Info("drain: GRACEFUL_SHUTDOWN announced; waiting for the grace period", zap.Duration("grace", cfg.Grace))
	if err := wait(ctx, cfg.Grace); err != nil {
		return fmt.Errorf("anycast: drain cut short in the grace period: %w", err)
	}
	c.mu.Lock()
	for _, p := range c.sp.Prefixes() {
		if err := c.sp.Withdraw(p, string(health.ReasonShutdown)); err != nil {
			c.log.Error("bgp withdraw failed", zap.Stringer("prefix", p), zap.Error(err))
		}
	}
	c.mu.Unlock()
	c.log.Info("drain: withdrawn; still answering for the linger period", zap.Duration("linger", cfg.Linger))
	if err := wait(ctx, cfg.Linger); err != nil {
		return fmt.Errorf("anycast: drain cut short in the linger period: %w", err)
	}
	return nil
}

// wait returns after d, or earlier with ctx's error when ctx ends first. It
// does not wait, and returns nil, when d is not positive.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

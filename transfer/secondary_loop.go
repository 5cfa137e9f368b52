package transfer

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// loop runs zone z until ctx ends: it serves the persisted copy, then checks the
// primaries' SOA at once, then every refresh after a success and every retry
// after a failure (RFC 1034 section 4.3.5), or at once on a NOTIFY (RFC 1996
// section 3.11), and expires the zone when its deadline passes without a
// successful refresh.
func (s *Secondary) loop(ctx context.Context, z *secZone) {
	if !z.copyServed { // added after Start
		s.startCopy(z)
	}
	check := time.NewTimer(0)
	defer check.Stop()
	expiry := time.NewTimer(0)
	defer expiry.Stop()
	s.armExpiry(z, expiry)
	for {
		select {
		case <-ctx.Done():
			return
		case <-expiry.C:
			s.expireIfDue(z)
			s.armExpiry(z, expiry)
			continue
		case <-z.notify:
		case <-check.C:
		}
		// The check answers every NOTIFY received until it starts; one received
		// during it makes one more check.
		select {
		case <-z.notify:
		default:
		}
		ok := s.refresh(ctx, z)
		if ctx.Err() != nil {
			return
		}
		check.Reset(s.next(z, ok))
		s.armExpiry(z, expiry)
	}
}

// next is the wait before z's next check: the refresh after a success, the retry
// after a failure, less the jitter.
func (s *Secondary) next(z *secZone, ok bool) time.Duration {
	fr := z.get()
	soa := s.timerSOA(fr)
	d := s.cfg.Timers.retry(soa)
	if ok {
		d = s.cfg.Timers.refresh(soa)
	}
	return s.cfg.Timers.jittered(d, s.cfg.Rand())
}

// armExpiry sets t to fire at z's expire deadline; it stays stopped while z holds
// nothing or is already expired.
func (s *Secondary) armExpiry(z *secZone, t *time.Timer) {
	t.Stop()
	fr := z.get()
	if fr.cur == nil || fr.expired || fr.expires.IsZero() {
		return
	}
	t.Reset(max(fr.expires.Sub(s.cfg.Now()), 0))
}

// expireIfDue stops serving z when its expire deadline passed without a
// successful refresh (RFC 1034 section 4.3.5): its names answer SERVFAIL with EDE
// 24 until a refresh succeeds.
func (s *Secondary) expireIfDue(z *secZone) {
	now := s.cfg.Now()
	fr := z.get()
	if fr.cur == nil || fr.expired || now.Before(fr.expires) {
		return
	}
	s.setExpired(z)
	s.log.Error("secondary zone expired: no successful refresh within expire; answering SERVFAIL",
		zap.String("zone", z.cfg.Origin), zap.Uint32("serial", fr.cur.Serial()),
		zap.Time("last_refresh", fr.lastRefresh))
}

// setExpired publishes z as expired and records it.
func (s *Secondary) setExpired(z *secZone) {
	if err := s.deps.pub.SetUnavailable(z.cfg.Origin, expired); err != nil {
		s.log.Error("publishing an expired zone", zap.String("zone", z.cfg.Origin), zap.Error(err))
	}
	fr := z.update(func(f *freshness) { f.expired = true })
	s.cfg.Metrics.zone(z.cfg.Origin, fr, s.cfg.Now())
}

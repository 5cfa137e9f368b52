package transfer

import (
	"context"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"
)

// refresh checks the primaries' SOA for z and takes in a newer version (RFC 1034
// section 4.3.5); it reports whether the refresh succeeded.
func (s *Secondary) refresh(ctx context.Context, z *secZone) bool {
	p, ans, ok := s.querySOA(ctx, z)
	if !ok {
		return false
	}
	now := s.cfg.Now()
	fr := z.update(func(f *freshness) { f.sawPrimary(now, ans.SOA.Serial) })
	s.cfg.Metrics.zone(z.cfg.Origin, fr, now)
	if fr.behind() {
		s.cfg.Metrics.soaCheck(z.cfg.Origin, "newer")
		return s.transfer(ctx, z, p)
	}
	s.cfg.Metrics.soaCheck(z.cfg.Origin, "current")
	if serialNewer(fr.cur.Serial(), ans.SOA.Serial) {
		// RFC 1982 section 3.2: the primary's serial is older than ours, which
		// a secondary never takes in (RFC 1034 section 4.3.5); ours stays.
		s.log.Warn("primary answered an older serial than the one serving; keeping ours",
			zap.String("zone", z.cfg.Origin), zap.Stringer("primary", p.Addr),
			zap.Uint32("primary_serial", ans.SOA.Serial), zap.Uint32("serial", fr.cur.Serial()))
	}
	s.refreshed(z, now, fr.cur.SOA(), ans.Expire, ans.HasExpire)
	return true
}

// querySOA asks z's primaries in order for the zone's SOA and returns the first
// answer.
func (s *Secondary) querySOA(ctx context.Context, z *secZone) (Remote, soaResult, bool) {
	for _, p := range z.cfg.Primaries {
		ans, err := s.deps.fetch.QuerySOA(ctx, p, z.cfg.Origin)
		if err == nil && ans.SOA != nil {
			return p, ans, true
		}
		if ctx.Err() != nil {
			return Remote{}, soaResult{}, false
		}
		s.log.Warn("SOA query failed", zap.String("zone", z.cfg.Origin),
			zap.Stringer("primary", p.Addr), zap.Error(err))
	}
	s.cfg.Metrics.soaCheck(z.cfg.Origin, "failure")
	return Remote{}, soaResult{}, false
}

// transfer takes in the primary p's newer version of z: by IXFR when a version is
// held (RFC 1995), falling back to AXFR (RFC 5936) when the IXFR fails, is
// refused, brings nothing usable, or does not apply to the version held (RFC 1995
// section 4 lets a server answer with the whole zone; a secondary may ask for it).
func (s *Secondary) transfer(ctx context.Context, z *secZone, p Remote) bool {
	log := s.log.With(zap.String("zone", z.cfg.Origin), zap.Stringer("primary", p.Addr))
	if cur := z.get().cur; cur != nil {
		r, err := s.deps.fetch.IXFR(ctx, p, z.cfg.Origin, cur.SOA())
		switch {
		case err != nil:
			s.cfg.Metrics.transfer(z.cfg.Origin, "ixfr", "failure")
			s.cfg.Metrics.fallback(z.cfg.Origin, "failed")
			log.Warn("IXFR failed; falling back to AXFR", zap.Error(err))
		case r.UpToDate:
			// RFC 1995 section 4: the single SOA of our serial; nothing newer.
			s.cfg.Metrics.transfer(z.cfg.Origin, "ixfr", "uptodate")
			s.refreshed(z, s.cfg.Now(), cur.SOA(), r.Expire, r.HasExpire)
			return true
		default:
			if s.install(ctx, z, "ixfr", r) {
				return true
			}
			if len(r.Full) == 0 {
				s.cfg.Metrics.fallback(z.cfg.Origin, "not-applied")
			}
			log.Warn("IXFR did not give a usable version; falling back to AXFR")
		}
		if ctx.Err() != nil {
			return false
		}
	}
	r, err := s.deps.fetch.AXFR(ctx, p, z.cfg.Origin)
	if err != nil {
		s.cfg.Metrics.transfer(z.cfg.Origin, "axfr", "failure")
		log.Error("AXFR failed", zap.Error(err))
		return false
	}
	return s.install(ctx, z, "axfr", r)
}

// refreshed records a successful refresh of z at now with the version of soa:
// the expire deadline moves (RFC 1034 section 4.3.5; an EDNS EXPIRE option
// shortens it, RFC 7314 section 4), an expired zone serves again, and the timers
// are saved beside the copy.
func (s *Secondary) refreshed(z *secZone, now time.Time, soa *dns.SOA, edns uint32, hasEDNS bool) {
	t := s.cfg.Timers
	fr := z.update(func(f *freshness) {
		f.lastRefresh = now
		f.expires = t.expiresAt(now, soa, edns, hasEDNS)
		f.refresh = t.refresh(soa)
	})
	if fr.expired {
		if err := s.publish(z, fr); err != nil {
			s.log.Error("publishing a refreshed zone", zap.String("zone", z.cfg.Origin), zap.Error(err))
		} else {
			s.log.Info("secondary zone refreshed after expiry; serving again",
				zap.String("zone", z.cfg.Origin), zap.Uint32("serial", soa.Serial))
		}
	}
	fr = z.get()
	s.cfg.Metrics.zone(z.cfg.Origin, fr, now)
	st := savedState{Serial: soa.Serial, LastRefresh: now, Expires: fr.expires,
		Refresh: secondsOf(fr.refresh), Retry: secondsOf(t.retry(soa)), Expire: secondsOf(t.expire(soa))}
	if err := writeState(statePath(z.file), st); err != nil {
		s.log.Error("saving the zone's timers", zap.String("zone", z.cfg.Origin), zap.Error(err))
	}
}

// timerSOA is the SOA whose timers z runs on: that of the version held, nil (the
// minimums) while it holds none.
func (s *Secondary) timerSOA(fr freshness) *dns.SOA {
	if fr.cur == nil {
		return nil
	}
	return fr.cur.SOA()
}

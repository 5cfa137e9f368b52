package transfer

import (
	"context"
	"errors"
	"io"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// errNothing is a transfer that brought neither a whole zone nor differences
// that apply to a version held.
var errNothing = errors.New("the transfer brought no usable records")

// install builds the version r brought (the whole zone, or the version held with
// r's differences applied), checked as a master file is; publishes it in place of
// the one serving; hands the differences to the journal; persists it; and
// notifies the zone's targets. A version that fails to build is logged and
// counted, and the old one keeps serving. It reports whether the version serves.
func (s *Secondary) install(ctx context.Context, z *secZone, kind string, r *received) bool {
	origin := z.cfg.Origin
	if len(r.Full) > 0 {
		// RFC 1995 section 4: a primary without the differences (NSD) answers
		// an IXFR with the whole zone, in AXFR form; it is counted and logged
		// as what it is, an AXFR, as Knot logs it ("fallback to AXFR").
		if kind == "ixfr" {
			s.cfg.Metrics.fallback(origin, "whole-zone")
		}
		kind = "axfr"
	}
	old := z.get().cur
	var (
		next *zone.Zone
		res  zone.LoadResult
		err  = errNothing
	)
	switch {
	case len(r.Full) > 0:
		next, res, err = s.deps.pub.Build(origin, r.Full)
	case len(r.Diffs) > 0 && old != nil:
		next, res, err = s.deps.pub.Apply(old, r.Diffs)
	}
	if err == nil {
		fr := z.get()
		fr.cur, fr.res = next, res
		err = s.publish(z, fr)
	}
	if err != nil {
		s.cfg.Metrics.transfer(origin, kind, "failure")
		s.log.Error("received version rejected; the old one keeps serving",
			zap.String("zone", origin), zap.String("kind", kind), zap.Error(err))
		return false
	}
	now := s.cfg.Now()
	s.journal(origin, old, next, r)
	z.update(func(f *freshness) {
		f.cur, f.res, f.lastTransfer = next, res, now
		f.sawPrimary(now, max32(f.primarySerial, next.Serial()))
	})
	z.queueCopy(next)
	s.refreshed(z, now, next.SOA(), r.Expire, r.HasExpire)
	s.cfg.Metrics.transfer(origin, kind, "success")
	s.log.Info("secondary zone updated", zap.String("zone", origin), zap.String("kind", kind),
		zap.Uint32("serial", next.Serial()), zap.Int("records", res.Records), zap.Duration("took", res.Took))
	s.notifyTargets(ctx, z, next.Serial())
	return true
}

// max32 is the newer of two serials (RFC 1982 section 3.2).
func max32(a, b uint32) uint32 {
	if serialNewer(b, a) {
		return b
	}
	return a
}

// publish feeds fr's version of z and clears an expiry or a not-ready state.
func (s *Secondary) publish(z *secZone, fr freshness) error {
	if err := s.deps.pub.Feed(z.cfg.Origin, fr.cur, fr.res); err != nil {
		return err
	}
	if err := s.deps.pub.SetUnavailable(z.cfg.Origin, available); err != nil {
		return err
	}
	z.update(func(f *freshness) { f.expired = false })
	return nil
}

// journal hands the journal the differences from old to next: those received by
// IXFR, else the difference of the two versions (an AXFR).
func (s *Secondary) journal(origin string, old, next *zone.Zone, r *received) {
	if s.deps.journal == nil || old == nil {
		return
	}
	if len(r.Full) == 0 {
		for _, d := range r.Diffs {
			s.deps.journal.Add(origin, d)
		}
		return
	}
	s.deps.journal.Add(origin, s.deps.pub.DiffOf(old, next))
}

// queueCopy hands v to z's writer, in place of a version it has not started to
// write: the copy is written beside the loop, which goes on taking in versions
// (writing the text of a large zone takes longer than applying an IXFR to it).
// Only the zone's loop calls it.
func (z *secZone) queueCopy(v *zone.Zone) {
	select {
	case <-z.persist:
	default:
	}
	z.persist <- v
}

// writeCopies writes each version z.persist hands over as z's copy, until it is
// closed. A crash before the newest is written leaves an older copy whole, and
// its timers then count from the copy's time (startCopy).
func (s *Secondary) writeCopies(z *secZone) {
	for v := range z.persist {
		s.persistCopy(z, v)
	}
}

// persistCopy writes v as z's persisted copy, atomically. A failure is logged:
// the version serves all the same, and the old copy stays on disk.
func (s *Secondary) persistCopy(z *secZone, v *zone.Zone) {
	rrs := s.deps.pub.Records(v)
	err := writeAtomic(z.file, func(w io.Writer) error {
		return s.deps.writeZone(w, z.cfg.Origin, rrs)
	})
	if err != nil {
		s.log.Error("persisting the zone's copy", zap.String("zone", z.cfg.Origin), zap.Error(err))
	}
}

// notifyTargets tells z's notify targets of serial (RFC 1996 section 3.6), in the
// background; Stop waits for it.
func (s *Secondary) notifyTargets(ctx context.Context, z *secZone, serial uint32) {
	if s.deps.notify == nil || len(z.cfg.Notify) == 0 {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deps.notify.Notify(ctx, z.cfg.Origin, serial, z.cfg.Notify)
	}()
}

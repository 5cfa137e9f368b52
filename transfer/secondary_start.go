package transfer

import (
	"os"
	"time"

	"go.uber.org/zap"
)

// startCopy serves z's persisted copy, when there is one that loads, before the
// first SOA check, so that a restarted node answers at once. Its saved timers say
// whether it is still fresh; past its expire deadline it is published expired
// (RFC 1034 section 4.3.5) until a refresh succeeds. With no copy the zone is
// published not ready (SERVFAIL, EDE 14).
func (s *Secondary) startCopy(z *secZone) {
	origin := z.cfg.Origin
	fi, err := os.Stat(z.file)
	if err != nil {
		if !os.IsNotExist(err) {
			s.log.Warn("persisted copy unreadable", zap.String("zone", origin), zap.Error(err))
		}
		s.notReady(z)
		return
	}
	cur, res, err := s.deps.pub.Load(origin, z.file)
	if err != nil {
		s.log.Error("persisted copy does not load; waiting for a transfer",
			zap.String("zone", origin), zap.String("file", z.file), zap.Error(err))
		s.notReady(z)
		return
	}
	st, err := readState(statePath(z.file))
	if err != nil || st.Serial != cur.Serial() {
		// No timers of this copy (the state file is missing, or a crash came
		// between writing the copy and its state): count from when the copy was
		// written.
		st = savedState{Serial: cur.Serial(), LastRefresh: fi.ModTime(),
			Expires: fi.ModTime().Add(s.cfg.Timers.expire(cur.SOA()))}
	}
	now := s.cfg.Now()
	age := max(now.Sub(st.LastRefresh), 0)
	fr := z.update(func(f *freshness) {
		f.cur, f.res = cur, res
		f.lastRefresh, f.lastTransfer, f.expires = st.LastRefresh, st.LastRefresh, st.Expires
		f.refresh = time.Duration(st.Refresh) * time.Second
	})
	s.cfg.Metrics.startCopyAge(origin, age)
	log := s.log.With(zap.String("zone", origin), zap.Uint32("serial", cur.Serial()),
		zap.Duration("age", age), zap.Time("expires", st.Expires))
	if !now.Before(st.Expires) {
		log.Warn("persisted copy is past its expire; answering SERVFAIL until a refresh succeeds")
		s.setExpired(z)
		return
	}
	if err := s.deps.pub.Feed(origin, cur, res); err != nil {
		log.Error("publishing the persisted copy", zap.Error(err))
		s.notReady(z)
		return
	}
	log.Info("serving the persisted copy")
	s.cfg.Metrics.zone(origin, fr, now)
}

// notReady publishes z with no data until its first transfer.
func (s *Secondary) notReady(z *secZone) {
	z.update(func(f *freshness) { f.cur = nil })
	if err := s.deps.pub.SetUnavailable(z.cfg.Origin, notReady); err != nil {
		s.log.Error("publishing a zone not ready", zap.String("zone", z.cfg.Origin), zap.Error(err))
	}
}

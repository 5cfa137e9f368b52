package announce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	api "github.com/osrg/gobgp/v3/api"
	"go.uber.org/zap"
)

// ErrNotRunning is returned by a decision made before Start or after Stop.
var ErrNotRunning = errors.New("announce: speaker not running")

// Announce announces prefix without the graceful-shutdown community, with
// the configured communities, prepends and MED. It is idempotent; on a
// draining prefix it removes the graceful-shutdown community. reason (for
// example a health.Reason) is logged and used as a metrics label, so it must
// come from a small fixed set.
func (s *Speaker) Announce(prefix netip.Prefix, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.entry(prefix)
	if err != nil {
		return err
	}
	if e.state == announced {
		s.log.Debug("bgp announce: already announced", zap.Stringer("prefix", prefix), zap.String("reason", reason))
		return nil
	}
	return s.addPath(prefix, e, announced, "announce", reason)
}

// Withdraw withdraws prefix. It is idempotent.
func (s *Speaker) Withdraw(prefix netip.Prefix, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.entry(prefix); err != nil {
		return err
	}
	return s.withdrawLocked(prefix, reason)
}

// Drain re-announces each of prefixes (every configured prefix when none is
// given) that is currently announced, adding the GRACEFUL_SHUTDOWN community
// 65535:0 (RFC 8326) so that routers prefer other nodes while the route is
// still here. Prefixes not announced are left alone. The caller withdraws
// after its grace period. It is idempotent.
func (s *Speaker) Drain(reason string, prefixes ...netip.Prefix) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(prefixes) == 0 {
		prefixes = s.cfg.Prefixes
	}
	var errs []error
	for _, p := range prefixes {
		e, err := s.entry(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch e.state {
		case withdrawn:
			s.log.Debug("bgp drain: not announced", zap.Stringer("prefix", p), zap.String("reason", reason))
		case draining:
			s.log.Debug("bgp drain: already draining", zap.Stringer("prefix", p), zap.String("reason", reason))
		case announced:
			errs = append(errs, s.addPath(p, e, draining, "drain", reason))
		}
	}
	return errors.Join(errs...)
}

// Announced reports whether prefix is announced, and whether it carries the
// graceful-shutdown community.
func (s *Speaker) Announced(prefix netip.Prefix) (isAnnounced, isDraining bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.prefixes[prefix]
	if !ok {
		return false, false
	}
	return e.state != withdrawn, e.state == draining
}

// entry returns the state of a configured prefix while the speaker runs.
// s.mu must be held.
func (s *Speaker) entry(prefix netip.Prefix) (*prefixEntry, error) {
	e, ok := s.prefixes[prefix]
	if !ok {
		return nil, fmt.Errorf("announce: prefix %v is not configured", prefix)
	}
	if !s.started || s.stopped {
		return nil, ErrNotRunning
	}
	return e, nil
}

// addPath (re-)announces prefix; GoBGP replaces an earlier path for the same
// prefix. s.mu must be held.
func (s *Speaker) addPath(prefix netip.Prefix, e *prefixEntry, to prefixState, action, reason string) error {
	path, err := s.path(prefix, to == draining)
	if err == nil {
		var resp *api.AddPathResponse
		resp, err = s.srv.AddPath(context.Background(), &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: path})
		if err == nil {
			e.uuid = resp.Uuid
		}
	}
	if err != nil {
		s.m.failures.WithLabelValues(action).Inc()
		s.log.Error("bgp "+action+" failed", zap.Stringer("prefix", prefix), zap.String("reason", reason), zap.Error(err))
		return fmt.Errorf("announce: %s %v: %w", action, prefix, err)
	}
	e.state = to
	s.record(prefix, e, action, reason)
	return nil
}

// withdrawLocked withdraws prefix if it is announced. s.mu must be held.
func (s *Speaker) withdrawLocked(prefix netip.Prefix, reason string) error {
	e := s.prefixes[prefix]
	if e.state == withdrawn {
		s.log.Debug("bgp withdraw: not announced", zap.Stringer("prefix", prefix), zap.String("reason", reason))
		return nil
	}
	err := s.srv.DeletePath(context.Background(), &api.DeletePathRequest{
		TableType: api.TableType_GLOBAL, Family: family(prefix), Uuid: e.uuid,
	})
	if err != nil {
		s.m.failures.WithLabelValues("withdraw").Inc()
		s.log.Error("bgp withdraw failed", zap.Stringer("prefix", prefix), zap.String("reason", reason), zap.Error(err))
		return fmt.Errorf("announce: withdraw %v: %w", prefix, err)
	}
	e.state, e.uuid = withdrawn, nil
	s.record(prefix, e, "withdraw", reason)
	return nil
}

// record logs and counts a decision that changed what is announced.
func (s *Speaker) record(prefix netip.Prefix, e *prefixEntry, action, reason string) {
	p := prefix.String()
	s.m.decisions.WithLabelValues(p, action, reason).Inc()
	s.m.announced.WithLabelValues(p).Set(boolGauge(e.state != withdrawn))
	s.m.draining.WithLabelValues(p).Set(boolGauge(e.state == draining))
	fields := []zap.Field{zap.String("prefix", p), zap.String("reason", reason)}
	if action == "announce" || action == "drain" {
		comms := make([]string, 0, len(s.communities)+1)
		for _, c := range s.communities {
			comms = append(comms, FormatCommunity(c))
		}
		if e.state == draining {
			comms = append(comms, FormatCommunity(GracefulShutdown))
		}
		fields = append(fields, zap.Strings("communities", comms), zap.Int("prepend", s.cfg.Prepend))
	}
	s.log.Info("bgp "+action, fields...)
}

package server

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"go.uber.org/zap"
)

// SetListen makes listen the listen addresses of a started server, for a reload
// of the configuration: the addresses new to it are opened and served first, and
// only then are the listeners of the addresses no longer listed closed, so that an
// address moved from one entry to another is never without a socket. The
// addresses kept keep their sockets (and the queries queued in them). TCP
// connections accepted on a closed listener are answered to their end.
//
// opened, when not nil, is called once the new addresses serve and before the
// removed ones close, with the port bound for each address of listen (as
// ListenPorts will return them): the health probes move to the new addresses
// there, so that no probe asks a socket about to close. It is called with the
// server's lock held and must not call the Server.
//
// On an error, which names the address that could not be opened, nothing changed.
func (s *Server) SetListen(listen []string, opened func(ports []int)) error {
	if len(listen) == 0 {
		return errors.New("server: no listen address")
	}
	for i, a := range listen {
		if err := CheckAddr(a); err != nil {
			return fmt.Errorf("server: listen: %w", err)
		}
		if slices.Index(listen, a) != i {
			return fmt.Errorf("server: listen: %s is listed twice", a)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.closing.Load() {
		return errors.New("server: not serving")
	}
	var added []string
	for _, a := range listen {
		if !slices.ContainsFunc(s.bound, func(b boundAddr) bool { return b.addr == a }) {
			added = append(added, a)
		}
	}
	fresh, err := s.open(added)
	if err != nil {
		return err
	}
	for _, b := range fresh {
		s.serve(b)
	}
	next := make([]boundAddr, 0, len(listen))
	for _, a := range listen {
		i := slices.IndexFunc(s.bound, func(b boundAddr) bool { return b.addr == a })
		if i >= 0 {
			next = append(next, s.bound[i])
		} else {
			next = append(next, fresh[slices.IndexFunc(fresh, func(b boundAddr) bool { return b.addr == a })])
		}
	}
	if opened != nil {
		ports := make([]int, len(next))
		for i, b := range next {
			ports[i] = b.port
		}
		opened(ports)
	}
	for _, b := range s.bound {
		if slices.Contains(listen, b.addr) {
			continue
		}
		b.close()
		for _, u := range b.udp {
			s.log.Info("stopped listening", zap.String("transport", "udp"), zap.Stringer("addr", u.localAddr()))
		}
		for _, t := range b.tcp {
			s.log.Info("stopped listening", zap.String("transport", "tcp"), zap.Stringer("addr", t.Addr()))
		}
	}
	s.setBound(next)
	return nil
}

// SetIdentity replaces the answers that say which node answered (hostname.bind,
// id.server, NSID, version.bind, version.server) with those of cfg's Identity,
// Version, HideVersion and NSID, defaulted as New does (an empty Identity is the
// host name). A query being answered keeps the identity it started with.
func (s *Server) SetIdentity(cfg Config) error {
	cfg = cfg.withDefaults()
	if cfg.Identity == "" {
		id, err := DefaultIdentity()
		if err != nil {
			return err
		}
		cfg.Identity = id
	}
	s.id.Store(newIdentity(cfg))
	return nil
}

// SetRateLimitExempt replaces Options.RateLimitExempt, the prefixes whose
// replies Response Rate Limiting never limits besides Config.RateLimit.Exempt
// (the transfer and NOTIFY peers of the zones, which a reload may change). It
// does nothing when rate limiting is off.
func (s *Server) SetRateLimitExempt(exempt []netip.Prefix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rrlExempt = exempt
	if r := s.rrl.Load(); r != nil {
		r.setExempt(exempt)
	}
}

// SetRateLimit replaces the settings of Response Rate Limiting (turning it on
// or off), for a reload: the new limiter starts with empty accounts, and the
// replies being written finish with the limiter they started with.
func (s *Server) SetRateLimit(cfg RateLimitConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("server: rate-limit: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rrl.Store(newRateLimiter(cfg, s.rrlExempt, s.metrics, s.log))
	return nil
}

// SetCookies replaces the cookie settings (RFC 7873, RFC 9018), for a reload:
// a new secret, the previous ones still accepted, or cookies turned on or off.
// The secret file is read here; when it cannot be, nothing changes.
func (s *Server) SetCookies(cfg CookieConfig) error {
	ck, err := newCookies(cfg, s.log)
	if err != nil {
		return fmt.Errorf("server: cookies: %w", err)
	}
	s.cookies.Store(&ck)
	return nil
}

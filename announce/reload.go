package announce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	api "github.com/osrg/gobgp/v3/api"
	"go.uber.org/zap"
)

// ReloadableKeys are the keys of the bgp section that Reconfigure changes on a
// running speaker. The others are set once: local-as, router-id, listen-port
// (GoBGP takes them at StartBgp and changes them only by stopping BGP, which drops
// every session).
var ReloadableKeys = []string{"peers", "prefixes", "communities", "prepend", "med", "next-hop-ipv4", "next-hop-ipv6"}

// Reconfigure gives a running speaker the peers and path attributes of cfg, for
// a reload of the configuration:
//   - a peer removed is deleted (its session ends with a Cease, and the router
//     drops our routes through it); a peer added is dialled and, once
//     established, sent every prefix announced; a peer whose keys changed is
//     deleted and added again;
//   - new communities, prepend, MED or next hops re-announce every prefix
//     announced (or draining, which keeps GRACEFUL_SHUTDOWN) with them; a
//     prefix withdrawn stays withdrawn;
//   - a prefix removed is withdrawn and forgotten; a prefix added starts
//     withdrawn: the caller announces it once its health says so. A peer whose
//     address families come from the prefixes (no families configured) is added
//     again when a prefix of a new family comes (its session restarts to
//     negotiate it); a family no longer needed stays negotiated.
//
// cfg must keep the keys that are not in ReloadableKeys, and have peers;
// otherwise nothing changes and the error names the keys.
func (s *Speaker) Reconfigure(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	var fixed []string
	if cfg.LocalAS != s.cfg.LocalAS {
		fixed = append(fixed, "local-as")
	}
	if cfg.RouterID != s.cfg.RouterID {
		fixed = append(fixed, "router-id")
	}
	if cfg.ListenPort != s.cfg.ListenPort || !slices.Equal(cfg.ListenAddresses, s.cfg.ListenAddresses) {
		fixed = append(fixed, "listen-port")
	}
	if !cfg.Enabled() {
		fixed = append(fixed, "peers (none: BGP off)")
	}
	if len(fixed) > 0 {
		return fmt.Errorf("announce: a running speaker cannot change %v", fixed)
	}
	var comms []uint32
	for _, c := range cfg.Communities {
		v, _ := ParseCommunity(c) // checked by Validate
		comms = append(comms, v)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.stopped {
		return ErrNotRunning
	}
	var errs []error
	// A family no prefix needs any more stays negotiated (harmless); a new one
	// needs the session negotiated again.
	oldFams := defaultFamilies(s.cfg.Prefixes)
	newFam := slices.ContainsFunc(defaultFamilies(cfg.Prefixes), func(f string) bool { return !slices.Contains(oldFams, f) })
	same := func(a, b Peer) bool { return reflect.DeepEqual(a, b) && !(newFam && len(a.Families) == 0) }
	// Prefixes removed: withdrawn first, while the peers that had them run.
	for _, p := range s.cfg.Prefixes {
		if slices.Contains(cfg.Prefixes, p) {
			continue
		}
		if err := s.withdrawLocked(p, "reload"); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(s.prefixes, p)
		s.m.announced.DeleteLabelValues(p.String())
		s.m.draining.DeleteLabelValues(p.String())
		s.log.Info("bgp prefix removed", zap.Stringer("prefix", p))
	}
	var prefixes []netip.Prefix
	for _, p := range cfg.Prefixes {
		if _, ok := s.prefixes[p]; !ok {
			s.prefixes[p] = &prefixEntry{}
			s.m.announced.WithLabelValues(p.String()).Set(0)
			s.m.draining.WithLabelValues(p.String()).Set(0)
			s.log.Info("bgp prefix added, withdrawn until healthy", zap.Stringer("prefix", p))
		}
		prefixes = append(prefixes, p)
	}
	// A prefix whose withdrawal failed stays, for the next reload to try.
	for _, p := range s.cfg.Prefixes {
		if _, ok := s.prefixes[p]; ok && !slices.Contains(prefixes, p) {
			prefixes = append(prefixes, p)
		}
	}
	s.cfg.Prefixes = prefixes
	// Peers: the removed and changed ones go first, then the new and changed ones.
	for _, p := range s.cfg.Peers {
		i := slices.IndexFunc(cfg.Peers, func(q Peer) bool { return q.Address == p.Address })
		if i >= 0 && same(cfg.Peers[i], p) {
			continue
		}
		if err := s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: p.Address.String()}); err != nil {
			errs = append(errs, fmt.Errorf("announce: deleting peer %v: %w", p.Address, err))
			continue
		}
		delete(s.peers, p.Address.Unmap())
		if i < 0 {
			s.m.peerState.DeleteLabelValues(p.Address.String())
			s.log.Info("bgp peer removed", zap.Stringer("peer", p.Address))
		}
	}
	var peers []Peer
	for _, p := range cfg.Peers {
		i := slices.IndexFunc(s.cfg.Peers, func(q Peer) bool { return q.Address == p.Address })
		if i >= 0 && same(s.cfg.Peers[i], p) {
			peers = append(peers, p)
			continue
		}
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.apiPeer(p)}); err != nil {
			errs = append(errs, fmt.Errorf("announce: adding peer %v: %w", p.Address, err))
			continue
		}
		peers = append(peers, p)
		s.m.peerState.WithLabelValues(p.Address.String()).Set(0)
		s.log.Info("bgp peer added", zap.Stringer("peer", p.Address), zap.Uint32("peer_as", p.AS),
			zap.Bool("changed", i >= 0), zap.Duration("hold", p.HoldTime))
	}
	// The peers that run, in the order of cfg (a peer that could not be added
	// is left out, so that a later reload tries it again).
	s.cfg.Peers = peers

	// Path attributes: every prefix announced is announced again with them.
	if !slices.Equal(cfg.Communities, s.cfg.Communities) || cfg.Prepend != s.cfg.Prepend ||
		!reflect.DeepEqual(cfg.MED, s.cfg.MED) || cfg.NextHop4 != s.cfg.NextHop4 || cfg.NextHop6 != s.cfg.NextHop6 {
		s.cfg.Communities, s.cfg.Prepend, s.cfg.MED = cfg.Communities, cfg.Prepend, cfg.MED
		s.cfg.NextHop4, s.cfg.NextHop6 = cfg.NextHop4, cfg.NextHop6
		s.communities = comms
		for _, p := range s.cfg.Prefixes {
			e := s.prefixes[p]
			switch e.state {
			case announced:
				errs = append(errs, s.addPath(p, e, announced, "announce", "reload"))
			case draining:
				errs = append(errs, s.addPath(p, e, draining, "drain", "reload"))
			}
		}
	}
	return errors.Join(errs...)
}

// defaultFamilies returns the address families of prefixes, as a peer without
// families negotiates them (apiPeer).
func defaultFamilies(prefixes []netip.Prefix) []string {
	var fams []string
	for _, p := range prefixes {
		f := FamilyIPv6
		if p.Addr().Is4() {
			f = FamilyIPv4
		}
		if !slices.Contains(fams, f) {
			fams = append(fams, f)
		}
	}
	slices.Sort(fams)
	return fams
}

// configuredPeer reports whether addr is a peer of the running configuration.
// s.mu must be held.
func (s *Speaker) configuredPeer(addr netip.Addr) bool {
	return slices.ContainsFunc(s.cfg.Peers, func(p Peer) bool { return p.Address.Unmap() == addr })
}

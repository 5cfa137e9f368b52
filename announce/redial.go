package announce

import (
	"context"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"go.uber.org/zap"
)

// redialTimeout bounds the GoBGP calls that re-add a peer.
const redialTimeout = 5 * time.Second

// redial re-adds the peer at addr, whose session has just fallen to Idle while the
// node runs, so that it is dialled again after the configured connect-retry: an
// established session that dropped (the router restarted, a link flapped, the node
// was stopped past the hold time), or one the router refused after the TCP
// connection was made (a NOTIFICATION in reply to the OPEN: FRR refuses an IPv6
// session until its interface has a link-local address again, about a second after
// a link comes up). GoBGP would otherwise hold the peer in Idle for a fixed 5 s
// (holdtimeIdle in its fsm.go) whatever connect-retry says; a peer added afresh
// starts with no idle hold. A stopped speaker leaves its peers down.
func (s *Speaker) redial(addr netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || !s.started {
		return
	}
	var peer *Peer
	for i := range s.cfg.Peers {
		if s.cfg.Peers[i].Address.Unmap() == addr {
			peer = &s.cfg.Peers[i]
		}
	}
	if peer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), redialTimeout)
	defer cancel()
	if err := s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: peer.Address.String()}); err != nil {
		s.log.Warn("bgp redial: removing the idle peer", zap.Stringer("peer", addr), zap.Error(err))
		return
	}
	if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.apiPeer(*peer)}); err != nil {
		s.log.Error("bgp redial: adding the peer again", zap.Stringer("peer", addr), zap.Error(err))
		return
	}
	s.log.Info("bgp peer redialled", zap.Stringer("peer", addr), zap.Duration("connect_retry", peer.ConnectRetry))
}

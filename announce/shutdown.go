package announce

import (
	"context"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"go.uber.org/zap"
)

// ShutdownCommunication is the text of the NOTIFICATION a node sends its routers
// when it stops (RFC 9003: a UTF-8 shutdown communication of at most 255 octets
// in a Cease, Administrative Shutdown). Routers show it: BIRD in `show protocols
// all`, FRR in `show bgp neighbors`.
const ShutdownCommunication = "anycastdns draining: node stopping"

// shutdownWait bounds the wait for the sessions to leave Established after the
// Administrative Shutdown, so that the NOTIFICATION is written before the peers
// are deleted (which would close them with Cease, Peer De-configured instead).
const shutdownWait = time.Second

// shutdownSessions sends every peer a Cease, Administrative Shutdown with
// ShutdownCommunication (GoBGP's DisablePeer) and waits, at most shutdownWait or
// until ctx ends, until no session is Established any more.
func (s *Speaker) shutdownSessions(ctx context.Context) {
	for _, p := range s.cfg.Peers {
		err := s.srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: p.Address.String(), Communication: ShutdownCommunication})
		if err != nil {
			s.log.Warn("bgp administrative shutdown", zap.Stringer("peer", p.Address), zap.Error(err))
		}
	}
	end := time.Now().Add(shutdownWait)
	for time.Now().Before(end) && ctx.Err() == nil && s.anyEstablished(ctx) {
		time.Sleep(10 * time.Millisecond)
	}
}

// anyEstablished reports whether GoBGP has a session in state Established.
func (s *Speaker) anyEstablished(ctx context.Context) bool {
	established := false
	err := s.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		if p.GetState().GetSessionState() == api.PeerState_ESTABLISHED {
			established = true
		}
	})
	return err == nil && established
}

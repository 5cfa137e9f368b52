// Package bgptest runs a GoBGP server in the test process that plays the PoP's
// router, as GoBGP's own TestMonitor does: the node under test dials it on a
// loopback port, and the test reads what the router learned.
//
//	r := bgptest.StartRouter(t, bgptest.Options{AS: 65000, PeerAS: 65001})
//	// point the node's peer at 127.0.0.1, port r.Port, AS 65000
//	if _, err := r.WaitState(t, prefix, bgptest.Present, 10*time.Second); err != nil {
//		t.Fatal(err)
//	}
//	rt, _ := r.Lookup(t, prefix) // next hop, AS path, MED, communities
//
// It is a package of its own, apart from testutil, so that only the tests that
// need a router link GoBGP.
package bgptest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/osrg/gobgp/v3/pkg/server"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// GracefulShutdown is the GRACEFUL_SHUTDOWN community 65535:0 (RFC 8326).
const GracefulShutdown = uint32(0xFFFF0000)

// PeerAddress is the address the router expects the node under test to dial from.
const PeerAddress = "127.0.0.1"

// Options describe the router and its one peer, the node under test.
type Options struct {
	// AS is the router's AS number. Required.
	AS uint32
	// RouterID is the router's BGP identifier. Default "10.255.0.1".
	RouterID string
	// PeerAS is the node's AS number. Required.
	PeerAS uint32
}

// Router is a GoBGP server playing the PoP's router.
type Router struct {
	// Port is the router's BGP port on 127.0.0.1.
	Port int
	opts Options
	log  *routerLog

	mu  sync.Mutex
	srv *server.BgpServer // replaced by Restart
}

// server returns the running GoBGP server.
func (r *Router) server() *server.BgpServer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srv
}

// StartRouter listens on a free 127.0.0.1 port (testutil.FreePort) and accepts
// the node, dialling from PeerAddress with AS opts.PeerAS, as a passive eBGP peer
// for IPv4 and IPv6 unicast, with a hold time of 3s and keepalives every second.
// The router stops with the test.
func StartRouter(t testing.TB, opts Options) *Router {
	t.Helper()
	if opts.RouterID == "" {
		opts.RouterID = "10.255.0.1"
	}
	r := &Router{Port: testutil.FreePort(t, PeerAddress), opts: opts, log: &routerLog{}}
	r.start(t)
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		_ = r.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
	})
	return r
}

// Restart stops the router, which closes the session with a NOTIFICATION Cease,
// and starts a fresh one on the same port, as a router that reboots: the node
// must dial it again.
func (r *Router) Restart(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	_ = r.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
	r.mu.Unlock()
	r.start(t)
}

// RestartWith restarts the router as Restart does, now expecting the node in AS
// peerAS: a router whose configuration an operator corrected.
func (r *Router) RestartWith(t testing.TB, peerAS uint32) {
	t.Helper()
	r.mu.Lock()
	r.opts.PeerAS = peerAS
	r.mu.Unlock()
	r.Restart(t)
}

// start runs a GoBGP server on r.Port with the node as its one passive peer.
func (r *Router) start(t testing.TB) {
	srv := server.NewBgpServer(server.LoggerOption(r.log))
	go srv.Serve()
	err := srv.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: r.opts.AS, RouterId: r.opts.RouterID, ListenPort: int32(r.Port), ListenAddresses: []string{PeerAddress},
	}})
	if err != nil {
		t.Fatalf("starting the test router on port %d (taken since FreePort found it?): %v", r.Port, err)
	}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	err = srv.AddPeer(context.Background(), &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: PeerAddress, PeerAsn: r.opts.PeerAS},
		Transport: &api.Transport{PassiveMode: true},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 3, KeepaliveInterval: 1}},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: family(netip.IPv4Unspecified()), Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: family(netip.IPv6Unspecified()), Enabled: true}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func family(a netip.Addr) *api.Family {
	if a.Is4() {
		return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	}
	return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
}

// Route is what the router learned for one prefix: the attributes of its best
// path.
type Route struct {
	NextHop     string
	ASPath      []uint32
	MED         uint32
	HasMED      bool
	Communities []uint32
}

// Lookup returns the router's best path for prefix, and false when it has none.
func (r *Router) Lookup(t testing.TB, prefix netip.Prefix) (Route, bool) {
	t.Helper()
	var out Route
	found := false
	err := r.server().ListPath(context.Background(), &api.ListPathRequest{
		TableType: api.TableType_GLOBAL, Family: family(prefix.Addr()),
		Prefixes: []*api.TableLookupPrefix{{Prefix: prefix.String()}},
	}, func(d *api.Destination) {
		if d.Prefix != prefix.String() || len(d.Paths) == 0 {
			return
		}
		attrs, err := apiutil.UnmarshalPathAttributes(d.Paths[0].Pattrs)
		if err != nil {
			t.Errorf("%v: %v", prefix, err)
			return
		}
		found = true
		for _, a := range attrs {
			switch a := a.(type) {
			case *bgp.PathAttributeNextHop:
				out.NextHop = a.Value.String()
			case *bgp.PathAttributeMpReachNLRI:
				out.NextHop = a.Nexthop.String()
			case *bgp.PathAttributeAsPath:
				for _, seg := range a.Value {
					out.ASPath = append(out.ASPath, seg.GetAS()...)
				}
			case *bgp.PathAttributeMultiExitDisc:
				out.MED, out.HasMED = a.Value, true
			case *bgp.PathAttributeCommunities:
				out.Communities = a.Value
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, found
}

// State is what the router shows for a prefix.
type State int

// The states of a prefix at the router.
const (
	// Absent: no route.
	Absent State = iota
	// Present: a route without GRACEFUL_SHUTDOWN.
	Present
	// Draining: a route with GRACEFUL_SHUTDOWN.
	Draining
)

// String returns "absent", "present" or "draining".
func (s State) String() string {
	return [...]string{"absent", "present", "draining"}[s]
}

// State returns the state of prefix at the router.
func (r *Router) State(t testing.TB, prefix netip.Prefix) State {
	t.Helper()
	return stateOf(r.Lookup(t, prefix))
}

// stateOf returns the state of a route the router has (found) or not.
func stateOf(rt Route, found bool) State {
	switch {
	case !found:
		return Absent
	case slices.Contains(rt.Communities, GracefulShutdown):
		return Draining
	default:
		return Present
	}
}

// Wait looks up prefix every 10ms until cond holds for what the router shows,
// for at most limit, and returns the route and the time it held. After limit it
// returns an error naming what (the condition) and the route seen last.
func (r *Router) Wait(t testing.TB, prefix netip.Prefix, limit time.Duration, what string, cond func(rt Route, found bool) bool) (Route, time.Time, error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		rt, found := r.Lookup(t, prefix)
		if cond(rt, found) {
			return rt, time.Now(), nil
		}
		if time.Now().After(deadline) {
			if !found {
				return rt, time.Time{}, fmt.Errorf("route %v: want %s; got no route after %v", prefix, what, limit)
			}
			return rt, time.Time{}, fmt.Errorf("route %v: want %s; got %+v after %v", prefix, what, rt, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitState waits, as Wait does, until prefix is in state want at the router.
func (r *Router) WaitState(t testing.TB, prefix netip.Prefix, want State, limit time.Duration) (time.Time, error) {
	t.Helper()
	_, at, err := r.Wait(t, prefix, limit, want.String(), func(rt Route, found bool) bool {
		return stateOf(rt, found) == want
	})
	return at, err
}

// Notification is a BGP NOTIFICATION the router received (RFC 4271 section 4.5).
type Notification struct {
	Code, Subcode uint8
	// Communication is the shutdown communication of a Cease, Administrative
	// Shutdown or Reset (RFC 9003); "" for others.
	Communication string
}

// Notifications returns the NOTIFICATIONs the router has received, in order.
func (r *Router) Notifications() []Notification {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return slices.Clone(r.log.received)
}

// routerLog drops the router's logs but for the NOTIFICATIONs it received,
// which GoBGP only logs; the node under test logs its own side.
type routerLog struct {
	mu       sync.Mutex
	received []Notification
}

func (*routerLog) Panic(msg string, _ gobgplog.Fields) { panic(msg) }
func (*routerLog) Fatal(msg string, _ gobgplog.Fields) { panic(msg) }
func (*routerLog) Error(string, gobgplog.Fields)       {}
func (l *routerLog) Warn(msg string, f gobgplog.Fields) {
	if msg != "received notification" {
		return
	}
	n := Notification{}
	n.Code, _ = f["Code"].(uint8)
	n.Subcode, _ = f["Subcode"].(uint8)
	n.Communication, _ = f["Communicated-Reason"].(string)
	l.mu.Lock()
	l.received = append(l.received, n)
	l.mu.Unlock()
}
func (*routerLog) Info(string, gobgplog.Fields)  {}
func (*routerLog) Debug(string, gobgplog.Fields) {}
func (*routerLog) SetLevel(gobgplog.LogLevel)    {}
func (*routerLog) GetLevel() gobgplog.LogLevel   { return gobgplog.WarnLevel }

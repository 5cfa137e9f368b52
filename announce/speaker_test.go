package announce

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

const (
	routerAS = 65000
	nodeAS   = 65001
)

var (
	pfx4 = netip.MustParsePrefix("192.0.2.53/32")
	pfx6 = netip.MustParsePrefix("2001:db8::53/128")
)

// startRouter runs a second GoBGP server that plays the PoP's router: it
// listens on a free 127.0.0.1 port and accepts the node as a passive eBGP
// peer for IPv4 and IPv6 unicast.
func startRouter(t *testing.T) (*server.BgpServer, int) {
	t.Helper()
	port := testutil.FreePort(t, "127.0.0.1")
	r := server.NewBgpServer(server.LoggerOption(newZapLogger(zap.NewNop(), zap.NewAtomicLevel())))
	go r.Serve()
	err := r.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: routerAS, RouterId: "10.255.0.1", ListenPort: int32(port), ListenAddresses: []string{"127.0.0.1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.StopBgp(context.Background(), &api.StopBgpRequest{}) })
	err = r.AddPeer(context.Background(), &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: "127.0.0.1", PeerAsn: nodeAS},
		Transport: &api.Transport{PassiveMode: true},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 3, KeepaliveInterval: 1}},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: family(pfx4), Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: family(pfx6), Enabled: true}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r, port
}

func testConfig(port int) Config {
	med := uint32(50)
	return Config{
		LocalAS:     nodeAS,
		RouterID:    netip.MustParseAddr("10.255.0.2"),
		Prefixes:    []netip.Prefix{pfx4, pfx6},
		Communities: []string{"no-export", "65001:53"},
		Prepend:     2,
		MED:         &med,
		Peers: []Peer{{
			Address: netip.MustParseAddr("127.0.0.1"), AS: routerAS, Port: uint16(port),
			HoldTime: 3 * time.Second, Keepalive: time.Second, ConnectRetry: time.Second,
		}},
	}
}

// route is what the router learned for one prefix.
type route struct {
	nextHop     string
	asPath      []uint32
	med         uint32
	hasMED      bool
	communities []uint32
}

// lookup returns the router's best path for prefix, or false.
func lookup(t *testing.T, r *server.BgpServer, prefix netip.Prefix) (route, bool) {
	t.Helper()
	var out route
	found := false
	err := r.ListPath(context.Background(), &api.ListPathRequest{
		TableType: api.TableType_GLOBAL, Family: family(prefix),
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
				out.nextHop = a.Value.String()
			case *bgp.PathAttributeMpReachNLRI:
				out.nextHop = a.Nexthop.String()
			case *bgp.PathAttributeAsPath:
				for _, seg := range a.Value {
					out.asPath = append(out.asPath, seg.GetAS()...)
				}
			case *bgp.PathAttributeMultiExitDisc:
				out.med, out.hasMED = a.Value, true
			case *bgp.PathAttributeCommunities:
				out.communities = a.Value
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, found
}

// waitFor polls cond every 20ms for at most 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			for _, lp := range m.Label {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			return metricValue(m), true
		}
	}
	return 0, false
}

func metricValue(m *dto.Metric) float64 {
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

func TestSpeakerAgainstRouter(t *testing.T) {
	router, port := startRouter(t)
	core, logs := observer.New(zap.InfoLevel)
	reg := prometheus.NewRegistry()
	sp, err := New(testConfig(port), Options{Logger: zap.New(core), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Announce(pfx4, "rise"); err != ErrNotRunning {
		t.Errorf("Announce before Start: got %v, want ErrNotRunning", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sp.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Stop(context.Background()) })
	waitFor(t, "the session to be established", func() bool {
		return sp.Peers()[0].State == "established"
	})
	if v, _ := gauge(t, reg, "anycastdns_bgp_peer_state", map[string]string{"peer": "127.0.0.1"}); v != 6 {
		t.Errorf("peer_state gauge: got %v, want 6 (established)", v)
	}

	// Announce both prefixes: the router sees them with our attributes.
	for _, p := range []netip.Prefix{pfx4, pfx6} {
		if err := sp.Announce(p, "rise"); err != nil {
			t.Fatal(err)
		}
		if err := sp.Announce(p, "rise"); err != nil { // idempotent
			t.Fatal(err)
		}
	}
	wantComms := []uint32{uint32(bgp.COMMUNITY_NO_EXPORT), 65001<<16 | 53}
	for _, p := range []netip.Prefix{pfx4, pfx6} {
		var rt route
		waitFor(t, p.String()+" at the router", func() bool {
			var ok bool
			rt, ok = lookup(t, router, p)
			return ok
		})
		if want := []uint32{nodeAS, nodeAS, nodeAS}; !slices.Equal(rt.asPath, want) {
			t.Errorf("%v AS path: got %v, want %v (two prepends)", p, rt.asPath, want)
		}
		if !rt.hasMED || rt.med != 50 {
			t.Errorf("%v MED: got %v (present %v), want 50", p, rt.med, rt.hasMED)
		}
		if !slices.Equal(rt.communities, wantComms) {
			t.Errorf("%v communities: got %v, want %v", p, rt.communities, wantComms)
		}
		if rt.nextHop == "" || rt.nextHop == "0.0.0.0" || rt.nextHop == "::" {
			t.Errorf("%v next hop: got %q, want the session's address (next-hop self)", p, rt.nextHop)
		}
		t.Logf("%v: next hop %s, AS path %v", p, rt.nextHop, rt.asPath)
	}

	// Drain: both routes carry 65535:0 on top of the configured communities.
	if err := sp.Drain("maintenance"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []netip.Prefix{pfx4, pfx6} {
		waitFor(t, p.String()+" with GRACEFUL_SHUTDOWN", func() bool {
			rt, ok := lookup(t, router, p)
			return ok && slices.Contains(rt.communities, GracefulShutdown) && slices.Contains(rt.communities, uint32(bgp.COMMUNITY_NO_EXPORT))
		})
		if a, d := sp.Announced(p); !a || !d {
			t.Errorf("%v Announced: got %v %v, want true true", p, a, d)
		}
	}
	if v, _ := gauge(t, reg, "anycastdns_bgp_prefix_draining", map[string]string{"prefix": pfx6.String()}); v != 1 {
		t.Errorf("prefix_draining gauge: got %v, want 1", v)
	}

	// Announce again ends the drain: 65535:0 disappears.
	if err := sp.Announce(pfx4, "undrain"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "GRACEFUL_SHUTDOWN removed from "+pfx4.String(), func() bool {
		rt, ok := lookup(t, router, pfx4)
		return ok && !slices.Contains(rt.communities, GracefulShutdown)
	})

	// Withdraw: the prefix disappears from the router, the other stays.
	if err := sp.Withdraw(pfx4, "fall"); err != nil {
		t.Fatal(err)
	}
	if err := sp.Withdraw(pfx4, "fall"); err != nil { // idempotent
		t.Fatal(err)
	}
	waitFor(t, pfx4.String()+" withdrawn at the router", func() bool {
		_, ok := lookup(t, router, pfx4)
		return !ok
	})
	if _, ok := lookup(t, router, pfx6); !ok {
		t.Errorf("%v: withdrawn with %v, want it still announced", pfx6, pfx4)
	}
	if v, _ := gauge(t, reg, "anycastdns_bgp_prefix_announced", map[string]string{"prefix": pfx4.String()}); v != 0 {
		t.Errorf("prefix_announced gauge after withdraw: got %v, want 0", v)
	}
	if v, _ := gauge(t, reg, "anycastdns_bgp_decisions_total", map[string]string{"prefix": pfx4.String(), "action": "withdraw", "reason": "fall"}); v != 1 {
		t.Errorf("withdraw decisions for fall: got %v, want 1 (the repeat is a no-op)", v)
	}
	if v, _ := gauge(t, reg, "anycastdns_bgp_decisions_total", map[string]string{"prefix": pfx4.String(), "action": "announce", "reason": "rise"}); v != 1 {
		t.Errorf("announce decisions for rise: got %v, want 1 (the repeat is a no-op)", v)
	}
	if _, ok := gauge(t, reg, "bgp_received_update_total", nil); !ok {
		t.Error("GoBGP's collector: got no bgp_peer_received_update_total, want it registered")
	}

	// Stop: the remaining prefix is withdrawn and the session closed.
	if err := sp.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sp.Stop(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	waitFor(t, pfx6.String()+" gone after Stop", func() bool {
		_, ok := lookup(t, router, pfx6)
		return !ok
	})
	if err := sp.Announce(pfx6, "rise"); err != ErrNotRunning {
		t.Errorf("Announce after Stop: got %v, want ErrNotRunning", err)
	}

	// Every decision was logged with its reason.
	var got []string
	for _, e := range logs.All() {
		if r, ok := e.ContextMap()["reason"]; ok {
			got = append(got, fmt.Sprintf("%s %v %v", e.Message, e.ContextMap()["prefix"], r))
		}
	}
	want := []string{
		"bgp announce 192.0.2.53/32 rise",
		"bgp announce 2001:db8::53/128 rise",
		"bgp drain 192.0.2.53/32 maintenance",
		"bgp drain 2001:db8::53/128 maintenance",
		"bgp announce 192.0.2.53/32 undrain",
		"bgp withdraw 192.0.2.53/32 fall",
		"bgp withdraw 2001:db8::53/128 stop",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got decision logs\n%q\nwant\n%q", got, want)
	}
}

// TestSpeakerPlainIPv4Only: no prepends, MED or communities, an explicit
// IPv4 next hop and a peer restricted to IPv4, so the IPv6 prefix is not sent.
func TestSpeakerPlainIPv4Only(t *testing.T) {
	router, port := startRouter(t)
	cfg := testConfig(port)
	cfg.Communities, cfg.Prepend, cfg.MED = nil, 0, nil
	cfg.NextHop4 = netip.MustParseAddr("192.0.2.1")
	cfg.Peers[0].Families = []string{FamilyIPv4}
	sp, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Stop(context.Background()) })
	waitFor(t, "the session to be established", func() bool { return sp.Peers()[0].State == "established" })
	for _, p := range []netip.Prefix{pfx4, pfx6} {
		if err := sp.Announce(p, "rise"); err != nil {
			t.Fatal(err)
		}
	}
	var rt route
	waitFor(t, pfx4.String()+" at the router", func() bool {
		var ok bool
		rt, ok = lookup(t, router, pfx4)
		return ok
	})
	if rt.nextHop != "192.0.2.1" || !slices.Equal(rt.asPath, []uint32{nodeAS}) || rt.hasMED || len(rt.communities) != 0 {
		t.Errorf("got %+v, want next hop 192.0.2.1, AS path [%d], no MED, no communities", rt, nodeAS)
	}
	if err := sp.Drain("shutdown", pfx4); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "only 65535:0 on "+pfx4.String(), func() bool {
		rt, ok := lookup(t, router, pfx4)
		return ok && slices.Equal(rt.communities, []uint32{GracefulShutdown})
	})
	// The IPv6 family was never negotiated: the router has no IPv6 route.
	if _, ok := lookup(t, router, pfx6); ok {
		t.Errorf("%v: got a route at the router, want none over an IPv4-only session", pfx6)
	}
}

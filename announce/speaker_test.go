package announce

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/internal/testutil/bgptest"
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
// accepts the node as a passive eBGP peer for IPv4 and IPv6 unicast.
func startRouter(t *testing.T) *bgptest.Router {
	t.Helper()
	return bgptest.StartRouter(t, bgptest.Options{AS: routerAS, PeerAS: nodeAS})
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

// startSpeaker starts a speaker of cfg with opts for the test, stopped when it
// ends, and announces pfx4 on it.
func startSpeaker(t *testing.T, cfg Config, opts Options) *Speaker {
	t.Helper()
	sp, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sp.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Stop(context.Background()) })
	if err := sp.Announce(pfx4, "rise"); err != nil {
		t.Fatal(err)
	}
	return sp
}

// waitRoute waits up to 15s until the router's route for prefix satisfies
// cond, described by what, and returns it.
func waitRoute(t *testing.T, router *bgptest.Router, prefix netip.Prefix, what string, cond func(rt bgptest.Route, found bool) bool) bgptest.Route {
	t.Helper()
	rt, _, err := router.Wait(t, prefix, 15*time.Second, what, cond)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// hasRoute and noRoute are conditions for waitRoute.
func hasRoute(_ bgptest.Route, found bool) bool { return found }
func noRoute(_ bgptest.Route, found bool) bool  { return !found }

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
	router := startRouter(t)
	port := router.Port
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
		rt := waitRoute(t, router, p, "a route", hasRoute)
		if want := []uint32{nodeAS, nodeAS, nodeAS}; !slices.Equal(rt.ASPath, want) {
			t.Errorf("%v AS path: got %v, want %v (two prepends)", p, rt.ASPath, want)
		}
		if !rt.HasMED || rt.MED != 50 {
			t.Errorf("%v MED: got %v (present %v), want 50", p, rt.MED, rt.HasMED)
		}
		if !slices.Equal(rt.Communities, wantComms) {
			t.Errorf("%v communities: got %v, want %v", p, rt.Communities, wantComms)
		}
		if rt.NextHop == "" || rt.NextHop == "0.0.0.0" || rt.NextHop == "::" {
			t.Errorf("%v next hop: got %q, want the session's address (next-hop self)", p, rt.NextHop)
		}
		t.Logf("%v: next hop %s, AS path %v", p, rt.NextHop, rt.ASPath)
	}

	// Drain: both routes carry 65535:0 on top of the configured communities.
	if err := sp.Drain("maintenance"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []netip.Prefix{pfx4, pfx6} {
		waitRoute(t, router, p, "GRACEFUL_SHUTDOWN and NO_EXPORT", func(rt bgptest.Route, found bool) bool {
			return found && slices.Contains(rt.Communities, GracefulShutdown) && slices.Contains(rt.Communities, uint32(bgp.COMMUNITY_NO_EXPORT))
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
	waitRoute(t, router, pfx4, "GRACEFUL_SHUTDOWN removed", func(rt bgptest.Route, found bool) bool {
		return found && !slices.Contains(rt.Communities, GracefulShutdown)
	})

	// Withdraw: the prefix disappears from the router, the other stays.
	if err := sp.Withdraw(pfx4, "fall"); err != nil {
		t.Fatal(err)
	}
	if err := sp.Withdraw(pfx4, "fall"); err != nil { // idempotent
		t.Fatal(err)
	}
	waitRoute(t, router, pfx4, "no route (withdrawn)", noRoute)
	if _, ok := router.Lookup(t, pfx6); !ok {
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
	waitRoute(t, router, pfx6, "no route after Stop", noRoute)
	// The session was closed with Cease, Administrative Shutdown and the node's
	// shutdown communication (RFC 4486 section 4, RFC 9003), not Peer De-configured.
	cease := bgptest.Notification{Code: 6, Subcode: 2, Communication: ShutdownCommunication}
	if got := router.Notifications(); len(got) != 1 || got[0] != cease {
		t.Errorf("NOTIFICATIONs the router received: %+v, want one %+v", got, cease)
	}
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
	router := startRouter(t)
	port := router.Port
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
	rt := waitRoute(t, router, pfx4, "a route", hasRoute)
	if rt.NextHop != "192.0.2.1" || !slices.Equal(rt.ASPath, []uint32{nodeAS}) || rt.HasMED || len(rt.Communities) != 0 {
		t.Errorf("got %+v, want next hop 192.0.2.1, AS path [%d], no MED, no communities", rt, nodeAS)
	}
	if err := sp.Drain("shutdown", pfx4); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, router, pfx4, "only 65535:0", func(rt bgptest.Route, found bool) bool {
		return found && slices.Equal(rt.Communities, []uint32{GracefulShutdown})
	})
	// The IPv6 family was never negotiated: the router has no IPv6 route.
	if _, ok := router.Lookup(t, pfx6); ok {
		t.Errorf("%v: got a route at the router, want none over an IPv4-only session", pfx6)
	}
}

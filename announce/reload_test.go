package announce

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/testutil/bgptest"
)

// A reload re-announces with new communities, prepend and MED, moves the
// session to another router when the peer changes (the old router loses the
// routes), withdraws a prefix removed and leaves one added withdrawn until it is
// announced; keys a running speaker cannot change are refused by name, changing
// nothing.
func TestSpeakerReconfigure(t *testing.T) {
	r1, r2 := startRouter(t), startRouter(t)
	reg := prometheus.NewRegistry()
	cfg := testConfig(r1.Port)
	sp := startSpeaker(t, cfg, Options{Logger: zap.NewNop(), Registerer: reg})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := sp.Drain("maintenance", pfx4); err != nil {
		t.Fatal(err)
	}
	if err := sp.Announce(pfx6, "rise"); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, r1, pfx4, "a route", hasRoute)

	// New attributes: both prefixes re-announced, the draining one still draining.
	med := uint32(7)
	c2 := cfg
	c2.Communities, c2.Prepend, c2.MED = []string{"65001:99"}, 0, &med
	if err := sp.Reconfigure(ctx, c2); err != nil {
		t.Fatal(err)
	}
	rt := waitRoute(t, r1, pfx6, "the new attributes", func(rt bgptest.Route, found bool) bool {
		return found && rt.MED == 7 && slices.Equal(rt.Communities, []uint32{65001<<16 | 99})
	})
	if want := []uint32{nodeAS}; !slices.Equal(rt.ASPath, want) {
		t.Errorf("AS path after prepend 0: got %v, want %v", rt.ASPath, want)
	}
	waitRoute(t, r1, pfx4, "the new attributes, still draining", func(rt bgptest.Route, found bool) bool {
		return found && rt.MED == 7 && slices.Equal(rt.Communities, []uint32{65001<<16 | 99, GracefulShutdown})
	})

	// The peer moves to another router (its port changed): the old one loses
	// the routes, the new one learns them.
	c3 := c2
	c3.Peers = slices.Clone(c2.Peers)
	c3.Peers[0].Port = uint16(r2.Port)
	if err := sp.Reconfigure(ctx, c3); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, r2, pfx6, "a route at the new router", hasRoute)
	waitRoute(t, r1, pfx6, "no route at the old router", noRoute)
	waitFor(t, "the session to the new router", func() bool { return sp.Peers()[0].State == "established" })

	// A prefix removed is withdrawn; one added stays withdrawn until announced.
	pfx7 := netip.MustParsePrefix("192.0.2.7/32")
	c6 := c3
	c6.Prefixes = []netip.Prefix{pfx4, pfx7}
	if err := sp.Reconfigure(ctx, c6); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, r2, pfx6, "the removed prefix withdrawn", noRoute)
	if _, ok := r2.Lookup(t, pfx4); !ok {
		t.Errorf("%v: withdrawn by a reload that kept it", pfx4)
	}
	if _, ok := r2.Lookup(t, pfx7); ok {
		t.Errorf("%v announced by the reload that added it, before any health decision", pfx7)
	}
	if err := sp.Announce(pfx6, "rise"); err == nil {
		t.Errorf("Announce of the removed prefix %v: no error", pfx6)
	}
	if err := sp.Announce(pfx7, "rise"); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, r2, pfx7, "the added prefix, once announced", hasRoute)
	if !slices.Equal(sp.Prefixes(), c6.Prefixes) {
		t.Errorf("Prefixes: got %v, want %v", sp.Prefixes(), c6.Prefixes)
	}
	if _, ok := gauge(t, reg, "anycastdns_bgp_prefix_announced", map[string]string{"prefix": pfx6.String()}); ok {
		t.Errorf("the removed prefix %v kept its gauge", pfx6)
	}

	// Keys that need a restart: refused by name, nothing changes.
	c4 := c6
	c4.RouterID = netip.MustParseAddr("10.255.0.9")
	c4.LocalAS = nodeAS + 1
	c4.Communities = []string{"no-export"}
	err := sp.Reconfigure(ctx, c4)
	if err == nil || !strings.Contains(err.Error(), "router-id") || !strings.Contains(err.Error(), "local-as") {
		t.Errorf("Reconfigure of router-id and local-as: got %v, want an error naming both", err)
	}
	// The speaker's own state says it at once; a re-announcement would reach
	// the router only later.
	sp.mu.Lock()
	kept := slices.Contains(sp.communities, uint32(bgp.COMMUNITY_NO_EXPORT)) || slices.Equal(sp.cfg.Communities, c4.Communities)
	sp.mu.Unlock()
	if kept {
		t.Error("a refused Reconfigure changed the communities")
	}

	// Every peer removed: refused (BGP would be off).
	c5 := c6
	c5.Peers = nil
	if err := sp.Reconfigure(ctx, c5); err == nil {
		t.Error("Reconfigure without peers: no error")
	}
	if v, ok := gauge(t, reg, "anycastdns_bgp_peer_state", map[string]string{"peer": "127.0.0.1"}); !ok || v != 6 {
		t.Errorf("peer_state gauge: got %v %v, want 6 (established)", v, ok)
	}
}

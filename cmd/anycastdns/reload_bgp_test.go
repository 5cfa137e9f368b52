package main

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/bgptest"
)

// A reload changes the BGP peer (the session moves to another router, which
// learns the announced prefix; the old one loses it), the communities and MED
// (announced again with them), and adds a listen address (the probes follow it;
// the prefix stays announced), replaces a prefix (the new one announced only
// once healthy), applies health and drain settings, and moves the service
// address, all checked at the routers; a change of the router id is named as
// needing a restart and changes nothing.
func TestReloadBGP(t *testing.T) {
	r1, r2 := startTestRouter(t), startTestRouter(t)
	base := anycastConfig(r1, "")
	path := writeFile(t, t.TempDir(), "anycast.yaml", base)
	s := startServeArgs(t, "-config", path)
	r1.waitRoute(t, s, routePresent, 10*time.Second)

	second := net.JoinHostPort("127.0.0.1", strconv.Itoa(testutil.FreePort(t, "127.0.0.1")))
	next := strings.NewReplacer(
		"port: "+strconv.Itoa(r1.Port), "port: "+strconv.Itoa(r2.Port),
		`communities: ["65001:53"]`, "communities: [\"65001:99\"]\n  med: 5",
		`listen: ["127.0.0.1:0"]`, `listen: ["127.0.0.1:0", "`+second+`"]`,
	).Replace(base)
	if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rep := s.postReload(t)
	if code != 200 || rep.Config == nil || !slices.Contains(rep.Config.Applied, "bgp.peers") || len(rep.Config.Restart) != 0 {
		t.Fatalf("reload: %d %+v, want 200 with bgp.peers applied and nothing needing a restart\nlogs:\n%s", code, rep.Config, s.logs)
	}
	rt, _, err := r2.Wait(t, testPrefix, 15*time.Second, "the route at the new router, with the new attributes", func(rt bgptest.Route, found bool) bool {
		return found && rt.HasMED && rt.MED == 5 && slices.Equal(rt.Communities, []uint32{65001<<16 | 99})
	})
	if err != nil {
		t.Fatalf("%v (last %+v)\nlogs:\n%s", err, rt, s.logs)
	}
	r1.waitRoute(t, s, routeAbsent, 10*time.Second)
	if _, _, err := soaAt("udp", second, "example.org."); err != nil {
		t.Errorf("the listen address added: %v", err)
	}
	// The probes now ask both addresses and pass: no withdrawal for a while.
	time.Sleep(time.Second)
	if st := r2.State(t, testPrefix); st != routePresent {
		t.Errorf("after the reload the prefix is %v at the router, want present\nlogs:\n%s", st, s.logs)
	}
	if logIndex(s.logs.String(), "bgp withdraw") >= 0 {
		t.Errorf("a withdrawal was logged after the reload\nlogs:\n%s", s.logs)
	}

	// The first listen address removed: the probes follow to the second before
	// the first closes; the prefix stays announced (fall 5 at 100 ms: probes
	// left on the closed socket would withdraw it within a second).
	moved := strings.Replace(next, `listen: ["127.0.0.1:0", "`+second+`"]`, `listen: ["`+second+`"]`, 1)
	if err := os.WriteFile(path, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, rep := s.postReload(t); code != 200 || rep.Config == nil || !slices.Equal(rep.Config.Applied, []string{"listen"}) {
		t.Fatalf("reload removing a listen address: %d %+v", code, rep.Config)
	}
	time.Sleep(1500 * time.Millisecond)
	if st := r2.State(t, testPrefix); st != routePresent || logIndex(s.logs.String(), "bgp withdraw") >= 0 {
		t.Errorf("after the listen address was removed the prefix is %v, want present and never withdrawn\nlogs:\n%s", st, s.logs)
	}
	next = moved

	// The prefix replaced by another: the new one is announced once its probes
	// pass, the old one withdrawn.
	wider := netip.MustParsePrefix("127.0.0.0/24")
	swapped := strings.Replace(next, "prefixes: [127.0.0.1/32]", "prefixes: [127.0.0.0/24]", 1)
	if swapped == next {
		t.Fatal("the test's configuration edit did not apply")
	}
	if err := os.WriteFile(path, []byte(swapped), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, rep := s.postReload(t); code != 200 || rep.Config == nil || !slices.Equal(rep.Config.Applied, []string{"bgp.prefixes"}) {
		t.Fatalf("reload of the prefixes: %d %+v\nlogs:\n%s", code, rep.Config, s.logs)
	}
	if _, err := r2.WaitState(t, wider, routePresent, 10*time.Second); err != nil {
		t.Fatalf("the added prefix: %v\nlogs:\n%s", err, s.logs)
	}
	r2.waitRoute(t, s, routeAbsent, 10*time.Second) // testPrefix, removed
	healthy := logIndex(s.logs.String(), "health transition", `"prefix": "127.0.0.0/24"`, `"to": "healthy"`)
	announced := logIndex(s.logs.String(), "bgp announce", `"prefix": "127.0.0.0/24"`)
	if healthy < 0 || (announced >= 0 && announced < healthy) {
		t.Errorf("the added prefix: healthy at log offset %d, announced at %d; want announced only once healthy\nlogs:\n%s", healthy, announced, s.logs)
	}
	if _, watched := s.node.anycast.mon.State(testPrefix); watched {
		t.Error("the removed prefix is still watched by the health monitor")
	}

	// Health settings and the drain timing apply; the prefix keeps its state.
	retuned := strings.NewReplacer("  fall: 5\n", "  fall: 7\n", "grace: 300ms", "grace: 400ms").Replace(swapped)
	if err := os.WriteFile(path, []byte(retuned), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, rep := s.postReload(t); code != 200 || rep.Config == nil || !slices.Equal(rep.Config.Applied, []string{"health", "bgp.drain"}) {
		t.Errorf("reload of health and bgp.drain: %d %+v, want both applied", code, rep.Config)
	}
	if logIndex(s.logs.String(), "health settings changed", `"fall": 7`) < 0 {
		t.Errorf("logs: want the new health settings\n%s", s.logs)
	}
	if st, _ := s.node.anycast.mon.State(wider); st != health.Healthy {
		t.Errorf("after a reload of health the prefix is %v, want healthy still", st)
	}

	// The router id needs a restart: named (ctl exit 4), the route stays.
	later := strings.Replace(retuned, "router-id: 10.255.0.2", "router-id: 10.255.0.3", 1)
	if err := os.WriteFile(path, []byte(later), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, status := s.ctlRun(t, "reload")
	if status != 4 || !strings.Contains(errOut, "bgp.router-id") {
		t.Errorf("ctl reload of the router id: exit %d, want 4 naming bgp.router-id\n%s%s", status, out, errOut)
	}
	if st := r2.State(t, wider); st != routePresent {
		t.Errorf("after a reload needing a restart the prefix is %v, want present", st)
	}

	// The service address moves: listen and prefix together. The new prefix is
	// announced once its probes pass on the new address, the old one withdrawn.
	third := net.JoinHostPort("127.0.0.2", strconv.Itoa(testutil.FreePort(t, "127.0.0.2")))
	moved2 := strings.NewReplacer(`listen: ["`+second+`"]`, `listen: ["`+third+`"]`,
		"prefixes: [127.0.0.0/24]", "prefixes: [127.0.0.2/32]").Replace(later)
	if err := os.WriteFile(path, []byte(moved2), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, rep := s.postReload(t); code != 200 || rep.Config == nil || !slices.Equal(rep.Config.Applied, []string{"listen", "bgp.prefixes"}) {
		t.Fatalf("reload moving the service address: %d %+v\nlogs:\n%s", code, rep.Config, s.logs)
	}
	if _, err := r2.WaitState(t, netip.MustParsePrefix("127.0.0.2/32"), routePresent, 10*time.Second); err != nil {
		t.Fatalf("the new service prefix: %v\nlogs:\n%s", err, s.logs)
	}
	if _, err := r2.WaitState(t, wider, routeAbsent, 10*time.Second); err != nil {
		t.Fatalf("the old service prefix: %v", err)
	}
	if _, _, err := soaAt("udp", third, "example.org."); err != nil {
		t.Errorf("the new service address: %v", err)
	}
}

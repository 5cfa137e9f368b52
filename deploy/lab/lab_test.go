//go:build linux

package lab

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The lab's addresses: private test ranges inside the namespaces only, and the
// documentation prefixes (RFC 5737, RFC 3849) as the anycast service addresses.
const (
	anycast4 = "198.51.100.53"
	anycast6 = "2001:db8:53::53"
	zoneName = "example.org." // built into the binary; its SOA is what the client asks
)

// Client load: queries per second to each anycast address, and how long an answer may take
// before the query counts as lost.
const (
	queryRate    = 200
	queryTimeout = time.Second
)

// link is one veth pair between the router and a namespace, with both ends' addresses.
type link struct {
	routerIf       string
	router4, peer4 string
	router6, peer6 string
}

var (
	linkA      = link{"ra", "10.250.1.1", "10.250.1.2", "fd00:250:1::1", "fd00:250:1::2"}
	linkB      = link{"rb", "10.250.2.1", "10.250.2.2", "fd00:250:2::1", "fd00:250:2::2"}
	linkClient = link{"rc", "10.250.3.1", "10.250.3.2", "fd00:250:3::1", "fd00:250:3::2"}
	// The hidden primary's link: the PoPs reach it over the routed network, each from
	// its own unicast address.
	linkPrimary = link{"rp", "10.250.4.1", "10.250.4.2", "fd00:250:4::1", "fd00:250:4::2"}
	// The router's sessions: one IPv4 and one IPv6 session to each PoP.
	labNeighbors = []neighbor{
		{"pop_a4", "pop-a", linkA.peer4, false}, {"pop_a6", "pop-a", linkA.peer6, true},
		{"pop_b4", "pop-b", linkB.peer4, false}, {"pop_b6", "pop-b", linkB.peer6, true},
	}
)

// lab is the running topology.
type lab struct {
	out      string // outputs: table, timelines, logs
	routerNS netns
	client   netns
	router   router
	monitor  *routeMonitor
	popA     *pop
	popB     *pop
	primary  *primary
	targets  []target
	nextHops map[string]string // router next hop → PoP
	records  []record
	// What the running scenario measured itself: durations its checks assert, and
	// their summary for the table (see fleetScenarios).
	measured []time.Duration
	figure   string
	cleared  time.Time // when the running scenario's fault ended, if it ends it itself
}

// requireLab skips the test (or fails it under CI=true) when the lab cannot run here
// with the router of the given kind.
func requireLab(t *testing.T, kind string) {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	if os.Geteuid() != 0 {
		if ci {
			t.Fatal("the routed lab needs root (network namespaces); CI runs the tests as root")
		}
		t.Skip("the routed lab needs root (network namespaces): run `sudo make lab`")
	}
	rt := routerTools[kind]
	for _, tool := range append([]string{"ip", "unshare", "nft", "knotd", "knotc"}, rt.tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			if ci {
				t.Fatalf("%s is missing: apt-get install -y %s nftables iproute2 knot", tool, rt.install)
			}
			t.Skipf("%s is missing: apt-get install -y %s nftables iproute2 knot", tool, rt.install)
		}
	}
}

// TestLab runs the routed lab with BIRD as the router: the scenarios of issue 3
// against two PoPs, those of issue 11 with the PoPs as secondaries of a hidden Knot
// primary, and the router's own restart and a link flap, with the table and the
// timelines written to ANYCASTDNS_LAB_OUT.
func TestLab(t *testing.T) { runLab(t, routerBIRD) }

// TestLabFRR runs the same scenarios with the same assertions with FRR as the router,
// its outputs in ANYCASTDNS_LAB_OUT with "-frr" appended.
func TestLabFRR(t *testing.T) { runLab(t, routerFRR) }

// runLab runs every scenario with the router of the given kind.
func runLab(t *testing.T, kind string) {
	requireLab(t, kind)
	began := time.Now()
	l := setUp(t, kind)
	for _, sc := range append(append(scenarios(), fleetScenarios()...), routerScenarios()...) {
		if !t.Run(fmt.Sprintf("%d-%s", sc.num, sc.slug), func(t *testing.T) { l.run(t, sc) }) {
			t.Logf("scenario %d failed; the next scenario starts from a fresh baseline", sc.num)
		}
	}
	tbl := table(l.records)
	if err := os.WriteFile(filepath.Join(l.out, "table.md"), []byte(tbl), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("routed lab, router %s, PoPs run as %s, %d queries/s to each anycast address, health every %v (rise %d, fall %d), hold time %v, in %v:\n%s\noutputs in %s",
		l.router.name(), labRuntime(t), queryRate, healthInterval, healthRise, healthFall, holdTime, time.Since(began).Round(time.Second), tbl, l.out)
}

// setUp builds the binary and the topology, starts the router and both PoPs, and
// waits until PoP A answers on both addresses with PoP B's routes standing by.
func setUp(t *testing.T, kind string) *lab {
	t.Helper()
	work := t.TempDir()
	out := os.Getenv("ANYCASTDNS_LAB_OUT")
	if out == "" {
		out = t.TempDir()
	} else if kind != routerBIRD {
		out += "-" + kind
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := labBinary(t, work)
	image := labImage(t, work, bin) // "" unless ANYCASTDNS_LAB_RUNTIME=podman

	removeStaleNamespaces(t)
	prefix := fmt.Sprintf("%s%d-", nsPrefix, os.Getpid())
	l := &lab{
		out:      out,
		routerNS: newNetns(t, prefix+"router"),
		client:   newNetns(t, prefix+"client"),
		targets: []target{
			{"IPv4", netip.AddrPortFrom(netip.MustParseAddr(anycast4), 53)},
			{"IPv6", netip.AddrPortFrom(netip.MustParseAddr(anycast6), 53)},
		},
		nextHops: map[string]string{linkA.peer4: "pop-a", linkA.peer6: "pop-a", linkB.peer4: "pop-b", linkB.peer6: "pop-b"},
	}
	nsA, nsB := newNetns(t, prefix+"pop-a"), newNetns(t, prefix+"pop-b")
	nsPrimary := newNetns(t, prefix+"primary")

	// The router forwards, and must not drop a PoP's answer that arrives on the link the
	// current route does not use (answers in flight during a failover): no reverse-path
	// filter.
	for _, kv := range [][2]string{
		{"net.ipv4.ip_forward", "1"}, {"net.ipv6.conf.all.forwarding", "1"},
		{"net.ipv4.conf.all.rp_filter", "0"}, {"net.ipv4.conf.default.rp_filter", "0"},
	} {
		l.routerNS.sysctl(t, kv[0], kv[1])
	}
	l.connect(t, nsA, linkA)
	l.connect(t, nsB, linkB)
	l.connect(t, l.client, linkClient)
	l.connect(t, nsPrimary, linkPrimary)
	for _, ns := range []netns{nsA, nsB} {
		ns.ip(t, "addr", "add", anycast4+"/32", "dev", "lo")
		ns.ip(t, "-6", "addr", "add", anycast6+"/128", "dev", "lo")
	}

	l.monitor = startRouteMonitor(t, l.routerNS)
	l.router = startRouter(t, kind, l.routerNS, out, work, routerConfig{
		RouterID:  linkA.router4,
		LocalAS:   routerAS,
		PeerAS:    popAS,
		Hold:      int(holdTime.Seconds()),
		Keepalive: int(keepalive.Seconds()),
		Anycast4:  anycast4 + "/32",
		Anycast6:  anycast6 + "/128",
		Neighbors: labNeighbors,
	})
	secret := newSecret(t)
	l.primary = startPrimary(t, nsPrimary, filepath.Join(work, "primary"), out, primaryConfig{
		Listen: linkPrimary.peer4, Secret: secret, Key: xfrKey, Zone: zoneName, Catalog: catalogZone,
		PoPs:    []primaryPoP{{"pop-a", linkA.peer4}, {"pop-b", linkB.peer4}},
		Members: []string{"m0.lab."},
	})
	l.popA = newPop(t, nsA, bin, image, out, popConfig{identity: "pop-a", local4: linkA.peer4, local6: linkA.peer6,
		router4: linkA.router4, router6: linkA.router6, anycast4: anycast4, anycast6: anycast6,
		primary: linkPrimary.peer4, secret: secret, stateDir: filepath.Join(work, "state-pop-a")})
	l.popB = newPop(t, nsB, bin, image, out, popConfig{identity: "pop-b", local4: linkB.peer4, local6: linkB.peer6,
		router4: linkB.router4, router6: linkB.router6, anycast4: anycast4, anycast6: anycast6, prepend: 2,
		primary: linkPrimary.peer4, secret: secret, stateDir: filepath.Join(work, "state-pop-b")})
	l.popB.start(t)
	l.popA.start(t)
	l.baseline(t)
	return l
}

// labBinary returns the anycastdns binary the PoPs run: ANYCASTDNS_LAB_BIN when set (`make
// lab` passes the one it built), else one built now from this tree into dir.
func labBinary(t *testing.T, dir string) string {
	t.Helper()
	if bin := os.Getenv("ANYCASTDNS_LAB_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("ANYCASTDNS_LAB_BIN: %v", err)
		}
		return abs
	}
	bin := filepath.Join(dir, "anycastdns")
	build := exec.Command("go", "build", "-o", bin, "./cmd/anycastdns")
	build.Dir = filepath.Join("..", "..")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/anycastdns: %v: %s", err, b)
	}
	return bin
}

// connect joins ns to the router with a veth pair: addresses on both ends (IPv6 without
// duplicate address detection, so they are usable at once) and ns's default routes via
// the router.
func (l *lab) connect(t *testing.T, ns netns, k link) {
	t.Helper()
	l.routerNS.ip(t, "link", "add", k.routerIf, "type", "veth", "peer", "name", "eth0", "netns", string(ns))
	l.routerNS.sysctl(t, "net.ipv4.conf."+k.routerIf+".rp_filter", "0")
	// The link flap sets the router's end down: Linux would drop its IPv6 address then.
	l.routerNS.sysctl(t, "net.ipv6.conf."+k.routerIf+".keep_addr_on_down", "1")
	l.routerNS.ip(t, "addr", "add", k.router4+"/24", "dev", k.routerIf)
	l.routerNS.ip(t, "-6", "addr", "add", k.router6+"/64", "dev", k.routerIf, "nodad")
	l.routerNS.ip(t, "link", "set", k.routerIf, "up")
	ns.ip(t, "addr", "add", k.peer4+"/24", "dev", "eth0")
	ns.ip(t, "-6", "addr", "add", k.peer6+"/64", "dev", "eth0", "nodad")
	ns.ip(t, "link", "set", "eth0", "up")
	ns.ip(t, "route", "add", "default", "via", k.router4)
	ns.ip(t, "-6", "route", "add", "default", "via", k.router6)
}

// nftTable is the nftables table the lab adds inside PoP A to blackhole its listener.
const nftTable = "anycastdns_lab"

// blackhole drops DNS (UDP and TCP port 53) arriving at PoP A, for both address families
// or, with ipv6Only, for IPv6 only. The PoP's own health probes go through the same input
// hook, so the PoP sees what its clients see.
func (l *lab) blackhole(t *testing.T, ipv6Only bool) {
	t.Helper()
	match := ""
	if ipv6Only {
		match = "meta nfproto ipv6 "
	}
	rules := fmt.Sprintf(`table inet %[1]s {
	chain input {
		type filter hook input priority 0; policy accept;
		%[2]sudp dport 53 drop
		%[2]stcp dport 53 drop
	}
}
`, nftTable, match)
	l.nftA(t, "blackhole.nft", rules)
}

// nftA loads nftables rules into PoP A's namespace from a file named name in the
// lab's outputs, which keeps them for the reader.
func (l *lab) nftA(t *testing.T, name, rules string) {
	t.Helper()
	f := filepath.Join(l.out, name)
	if err := os.WriteFile(f, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := l.popA.ns.run("nft", "-f", f); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// baseline brings the lab back to its steady state: no blackhole, both PoPs running, PoP A
// answering on both addresses and PoP B's routes present at the router as the backup.
func (l *lab) baseline(t *testing.T) {
	t.Helper()
	_, _ = l.popA.ns.run("nft", "delete", "table", "inet", nftTable)        // absent unless a blackhole is on
	_, _ = l.popA.ns.run("nft", "delete", "table", "inet", nftPrimaryTable) // absent unless the primary is cut off
	for _, p := range []*pop{l.popA, l.popB} {
		if !p.running() {
			p.start(t)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, p := range []*pop{l.popA, l.popB} {
			if !p.running() {
				t.Fatalf("%s exited; its log %s ends:\n%s", p.name, p.logPath, tail(p.logPath, 20))
			}
		}
		who, err := whoAnswers(l.client, l.targets, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		r4, r6 := l.router.routes(anycast4+"/32"), l.router.routes(anycast6+"/128")
		if who["IPv4"] == "pop-a" && who["IPv6"] == "pop-a" && len(r4) == 2 && len(r6) == 2 {
			return
		}
		if time.Now().After(deadline) {
			st := l.router.status()
			t.Fatalf("no steady state after 30 s: answers %v, router's routes %v and %v\n%s\npop-a log:\n%s\npop-b log:\n%s",
				who, r4, r6, st, tail(l.popA.logPath, 15), tail(l.popB.logPath, 15))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// routeEvents turns the router's kernel route changes in [from, to] into timeline events
// such as "IPv4 → pop-b" or "IPv6 withdrawn (pop-a)".
func (l *lab) routeEvents(from, to time.Time) []event {
	var evs []event
	for _, e := range l.monitor.between(from, to) {
		f := strings.Fields(e.line)
		deleted := len(f) > 0 && f[0] == "Deleted"
		if deleted {
			f = f[1:]
		}
		// "PREFIX via ADDR dev ..." (BIRD) or "PREFIX nhid N via ADDR ..." (FRR's zebra).
		via := slices.Index(f, "via")
		if len(f) < 3 || via < 0 || via+1 >= len(f) {
			continue
		}
		fam := ""
		switch f[0] {
		case anycast4, anycast4 + "/32":
			fam = "IPv4"
		case anycast6, anycast6 + "/128":
			fam = "IPv6"
		default:
			continue
		}
		node := l.nextHops[f[via+1]]
		label := fam + " → " + node
		if deleted {
			label = fam + " route via " + node + " deleted"
		}
		evs = append(evs, event{at: e.at, label: label, kind: eventRoute})
	}
	return evs
}

// neighborsOf returns the router's sessions with node.
func (l *lab) neighborsOf(node string) []neighbor {
	var nbs []neighbor
	for _, nb := range labNeighbors {
		if nb.Node == node {
			nbs = append(nbs, nb)
		}
	}
	return nbs
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// signal returns a fault that sends sig to PoP A.
func signal(sig syscall.Signal) func(*testing.T, *lab) {
	return func(t *testing.T, l *lab) { l.popA.signal(t, sig) }
}

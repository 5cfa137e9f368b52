package server_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// The differential test: Knot DNS (knotd, the reference) and our server serve the same
// zone files; the same queries go to both over TCP with EDNS(0), then a sample of them
// over UDP without EDNS (512-byte replies) and with EDNS 1232; rcode, AA, TC, the
// presence of OPT, the question and each section (as a multiset of records, TTLs
// included, names compared case-insensitively) must agree, except for the differences
// listed in acceptedDiffs (differential_accepted_test.go) with the RFC text that
// allows them. The queries are planned from the zone files (differential_query_test.go);
// knotd is started by knot_test.go.

// diffGroup is a set of zones served together by one knotd and one of our servers.
type diffGroup struct {
	name  string
	zones []struct{ origin, file string } // file relative to ../shared/data
	// budget caps the TCP queries of each zone; above it the names holding only
	// A/AAAA are sampled (see zoneNames.plan) to keep the test within its time under
	// -race on two cores.
	budget int
}

var diffGroups = []diffGroup{
	{
		// The IANA root zone, signed: 1,480 delegations with DS, glue for the
		// name servers of every TLD. Of 66k planned queries every one at the apex and
		// the TLDs is sent (about 15k) and the glue names are sampled: 20k in all.
		name:   "root",
		zones:  []struct{ origin, file string }{{".", "root.zone"}},
		budget: 20000,
	},
	{
		// PowerDNS's regression zones: 20,000 hosts, wildcards at several depths,
		// CNAME chains, a referral with DS, 50-record sets, DNAME, TXT escapes,
		// RFC 3597 types.
		name: "pdns",
		zones: []struct{ origin, file string }{
			{"example.com.", "pdns-sanitized/example.com"},
			{"test.com.", "pdns-sanitized/test.com"},
			{"wtest.com.", "pdns-sanitized/wtest.com"},
		},
		budget: 6000,
	},
	{
		// Knot's and NSD's edge cases: DNAME and CNAME loops in and out of zone,
		// wildcards, delegations below empty non-terminals, additional records for
		// NS/MX/SRV, long CNAME chains, an empty non-terminal, TXT records of 512 and
		// 513 bytes of reply, referrals with long NS names whose glue may not fit.
		name: "edge",
		zones: []struct{ origin, file string }{
			{"flags.", "knot-tests-extra/data_flags.zone"},
			{"follow.", "knot-tests-extra/basic_cname-follow_follow.zone"},
			{"test.", "knot-tests-extra/basic_additionals_test.zone"},
			{"miek.nl.", "nsd-tpkg/bug052_ent.zone"},
			{"example.", "knot-tests-extra/data_example.zone"},
			{"tc.test.", "knot-tests-extra/basic_delegation_tc_tc.test.zone.unsigned"},
		},
		budget: 3000,
	},
	{
		// A parent and its children served together: the zone for a query is the
		// longest match, except DS at a child's apex, which the parent answers
		// (RFC 4035 section 3.1.4.1); a CNAME from the parent into a child.
		name: "parent-child",
		zones: []struct{ origin, file string }{
			{"dnssec-parent.com.", "pdns-sanitized/dnssec-parent.com"},
			{"delegated.dnssec-parent.com.", "pdns-sanitized/delegated.dnssec-parent.com"},
			{"secure-delegated.dnssec-parent.com.", "pdns-sanitized/secure-delegated.dnssec-parent.com"},
			{"insecure.dnssec-parent.com.", "pdns-sanitized/insecure.dnssec-parent.com"},
		},
		budget: 3000,
	},
	{
		// Record-level oddities: exact duplicates and duplicates differing only in
		// letter case (RFC 4343), a signed zone with upper-case NSEC rdata, an NSEC3
		// signed zone with a wildcard, SVCB test vectors.
		name: "records",
		zones: []struct{ origin, file string }{
			{"duplicates.", "knot-tests-extra/records_duplicates_duplicates.zone"},
			{"rdatacase.", "knot-tests-extra/records_nsec_lettercase_rdatacase.zone.signed"},
			{"example.com.", "nsd-tpkg/nsec3_wildnodatads.zone.signed"},
			{"test-vectors.", "nsd-tpkg/svcb.test-vectors-wf.zone"},
		},
		budget: 3000,
	},
	{
		// NSD's "screwy wildcard": a parent whose wildcard owner holds NS (a
		// delegation of every name, RFC 4592 section 4.2) beside a child zone named
		// *.example. itself.
		name: "wildcard-zone",
		zones: []struct{ origin, file string }{
			{"example.", "nsd-tpkg/bug095_screwy_wc.zone1"},
			{"*.example.", "nsd-tpkg/bug095_screwy_wc.zone2"},
		},
		budget: 3000,
	},
}

// endpoints are the addresses of one server: with port 0 the UDP and TCP listeners
// get different ports.
type endpoints struct{ udp, tcp string }

// addr returns the address to use over tr.
func (e endpoints) addr(tr transport) string {
	if tr.net == "udp" {
		return e.udp
	}
	return e.tcp
}

// startOurs loads the zones with package zone, publishes them and starts our server on
// 127.0.0.1:0, returning its addresses. The server is shut down when the test ends.
func startOurs(t testing.TB, zones []zoneSpec) endpoints {
	t.Helper()
	return startOursAt(t, zones, "127.0.0.1:0")
}

// startOursAt is startOurs listening on listen.
func startOursAt(t testing.TB, zones []zoneSpec, listen string) endpoints {
	t.Helper()
	return startOursWith(t, zones, server.Config{
		Listen:   []string{listen},
		Identity: "differential",
		TCP:      server.TCPConfig{MaxQueries: 100000},
	})
}

// startOursWith is startOurs with the configuration cfg.
func startOursWith(t testing.TB, zones []zoneSpec, cfg server.Config) endpoints {
	t.Helper()
	var zs []*zone.Zone
	for _, s := range zones {
		z, err := zone.Load(zonefile.FileSource(s.File), s.Origin)
		if err != nil {
			t.Fatalf("zone.Load %s: %v", s.Origin, err)
		}
		zs = append(zs, z)
	}
	set, err := zone.NewSet(zs...)
	if err != nil {
		t.Fatalf("zone.NewSet: %v", err)
	}
	store := new(zone.Store)
	store.Publish(set)
	srv, err := server.New(cfg, store, server.Options{Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server.Shutdown: %v", err)
		}
	})
	var e endpoints
	for _, a := range srv.Addrs() {
		switch a := a.(type) {
		case *net.UDPAddr:
			e.udp = a.String()
		case *net.TCPAddr:
			e.tcp = a.String()
		}
	}
	if e.udp == "" || e.tcp == "" {
		t.Fatalf("server.Addrs() = %v: want a UDP and a TCP address", srv.Addrs())
	}
	return e
}

// udpBudget caps the queries of each UDP pass of a group: the TCP pass covers the
// answers, the UDP passes the size limits and the TC flag.
const udpBudget = 2500

// diffPlan says what one run of the differential asks, and how.
type diffPlan struct {
	budget    int         // TCP queries per zone at most (see zoneNames.plan)
	around    bool        // also names that do not exist below and beside every owner
	outside   bool        // also a name outside every zone of the group
	tcp       transport   // the transport of the full pass
	udp       []transport // the transports of the sampled passes
	udpBudget int         // queries of each sampled pass at most
}

// TestDifferentialKnot serves each group of zones from knotd and from our server, asks
// both the planned queries over TCP, then a sample of them over UDP without EDNS (512
// bytes) and with EDNS 1232, and reports every difference not in acceptedDiffs.
func TestDifferentialKnot(t *testing.T) {
	requireTool(t, "knotd", "/usr/sbin/knotd")
	for _, g := range diffGroups {
		t.Run(g.name, func(t *testing.T) {
			var specs []zoneSpec
			for _, z := range g.zones {
				specs = append(specs, zoneSpec{Origin: z.origin, File: sharedData(t, z.file)})
			}
			// A name outside every zone of the group: REFUSED from both (RFC 8906 section
			// 3.1.3); the root zone holds every name.
			runDifferential(t, specs, diffPlan{budget: g.budget, outside: g.name != "root", tcp: overTCP,
				udp: []transport{overUDP512, overUDP1232}, udpBudget: udpBudget})
		})
	}
}

// runDifferential plans the queries of p for the zones, serves them from knotd and from
// our server, and compares the replies over each transport of p.
func runDifferential(t *testing.T, specs []zoneSpec, p diffPlan) {
	t.Helper()
	var qs []diffQuery
	owners := map[string]bool{}
	for _, s := range specs {
		zn, err := readNames(s)
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		for name := range zn.owners {
			owners[name] = true
		}
		zqs, total := zn.plan(p.budget, p.around)
		t.Logf("zone %s: %d queries planned, %d sent over TCP", s.Origin, total, len(zqs))
		qs = append(qs, zqs...)
	}
	if p.outside {
		qs = append(qs, diffQuery{Name: "outside-every-zone.invalid.", Type: dns.TypeA, Class: dns.ClassINET})
	}
	k := startKnot(t, specs)
	knot := endpoints{udp: k, tcp: k}
	ours := startOurs(t, specs)
	compareAll(t, p.tcp, qs, owners, knot, ours)
	udp := sample(qs, p.udpBudget)
	for _, tr := range p.udp {
		compareAll(t, tr, udp, owners, knot, ours)
	}
}

// maxShapes caps the shapes of difference compareAll shows for one transport.
const maxShapes = 25

// compareAll sends qs to both servers over tr and reports every difference not
// accepted (owners holds every owner name of the zones, lower-case). Differences are
// grouped by their shape (which fields differ, and the types of the records one side
// lacks) and each group is shown once with one example query, so that one bug does not
// hide another in a flood of output.
func compareAll(t *testing.T, tr transport, qs []diffQuery, owners map[string]bool, knot, ours endpoints) {
	t.Helper()
	start := time.Now()
	res, err := askBoth(qs, tr, knot.addr(tr), ours.addr(tr), 4, start.Add(40*time.Second))
	if err != nil {
		t.Errorf("%s: after %d of %d queries: %v", tr.name, len(res), len(qs), err)
	}
	accepted := map[string]int{}
	acceptedExample := map[string]string{}
	type group struct {
		count   int
		example string
	}
	groups := map[string]*group{}
	var order []string
	failed := 0
	for _, r := range res {
		var d []string
		if r.err != nil {
			d = []string{r.err.Error()}
		} else if d = replyDiff(r.knot, r.ours); len(d) == 0 {
			continue
		} else if id := acceptedBy(diffCase{q: r.q, tr: tr, knot: r.knot, ours: r.ours, owners: owners}); id != "" {
			if accepted[id] == 0 {
				acceptedExample[id] = digCommand(tr, ours.addr(tr), r.q)
			}
			accepted[id]++
			continue
		}
		failed++
		sig := diffShape(d)
		g := groups[sig]
		if g == nil {
			g = &group{example: fmt.Sprintf("%s (knot: %s):\n\t%s",
				digCommand(tr, ours.addr(tr), r.q), knot.addr(tr), strings.Join(d, "\n\t"))}
			groups[sig] = g
			order = append(order, sig)
		}
		g.count++
	}
	for i, sig := range order {
		if i == maxShapes {
			t.Errorf("%s: %d more shapes of difference not shown", tr.name, len(order)-maxShapes)
			break
		}
		t.Errorf("%s: %d queries differ as [%s]; first: %s", tr.name, groups[sig].count, sig, groups[sig].example)
	}
	t.Logf("%s: %d queries in %v: %d differ", tr.name, len(res), time.Since(start).Round(time.Millisecond), failed)
	for id, n := range accepted {
		t.Logf("%s: accepted %s: %d queries, e.g. %s", tr.name, id, n, acceptedExample[id])
	}
	if len(res) == 0 {
		t.Errorf("%s: no query was compared", tr.name)
	}
}

// digCommand returns the dig command that asks q of addr over tr.
func digCommand(tr transport, addr string, q diffQuery) string {
	host, port, _ := net.SplitHostPort(addr)
	opt := "+tcp"
	if tr.net == "udp" {
		opt = "+ignore +noedns"
		if tr.edns > 0 {
			opt = fmt.Sprintf("+ignore +bufsize=%d", tr.edns)
		}
	}
	if tr.do {
		opt += " +dnssec"
	}
	return fmt.Sprintf("dig @%s -p %s %s %s %s", host, port, opt, q.Name, dns.TypeToString[q.Type])
}

// diffShape summarises the lines of a replyDiff: the header fields that differ, and
// for records the section, the side that has them and their type.
func diffShape(d []string) string {
	seen := map[string]bool{}
	var shape []string
	for _, line := range d {
		s := line
		if i := strings.Index(line, " has "); i >= 0 {
			if f := strings.Fields(line[i+len(" has "):]); len(f) >= 4 {
				s = line[:i] + " has " + f[3]
			}
		}
		if !seen[s] {
			seen[s] = true
			shape = append(shape, s)
		}
	}
	return strings.Join(shape, "; ")
}

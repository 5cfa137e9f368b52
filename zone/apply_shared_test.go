package zone

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// sharedZone is a zone whose answers read other names: delegations with glue under
// them and beside them, MX, SRV and SVCB targets, CNAMEs, and empty non-terminals.
func sharedZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN ex.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\n@ 3600 IN MX 10 h0\nns1 3600 IN A 192.0.2.1\n")
	for i := range n {
		fmt.Fprintf(&b, "d%d 3600 IN NS ns1.d%d\nns1.d%d 3600 IN A 198.51.100.%d\nns1.d%d 3600 IN AAAA 2001:db8::%x\n", i, i, i, i, i, i)
		if i%3 == 0 {
			fmt.Fprintf(&b, "d%d 3600 IN NS ns1.d%d\nd%d 3600 IN NS h%d\nd%d 3600 IN DS 1 13 2 %064x\n", i, (i+1)%n, i, i, i, i)
		}
		fmt.Fprintf(&b, "h%d 300 IN A 192.0.2.%d\n", i, 10+i)
		fmt.Fprintf(&b, "m%d 300 IN MX 10 h%d\nm%d 300 IN MX 20 ns1.d%d\n", i, (i+2)%n, i, i)
		fmt.Fprintf(&b, "_sip._tcp.s%d 300 IN SRV 0 0 5060 h%d\n", i, (i+5)%n)
		fmt.Fprintf(&b, "c%d 300 IN CNAME h%d\n", i, (i+7)%n)
		fmt.Fprintf(&b, "x.y.z%d 300 IN TXT \"deep %d\"\n", i, i)
		if i%4 == 0 {
			fmt.Fprintf(&b, "svc%d 300 IN HTTPS 1 h%d alpn=h2\n", i, (i+3)%n)
		}
	}
	return b.String()
}

// randomDelta returns a delta from serial to serial+1 of between one and eight
// changes to z's names, of the kinds an IXFR brings.
func randomDelta(t *testing.T, rng *rand.Rand, z *Zone, n int, serial uint32) Diff {
	t.Helper()
	soa := func(s uint32) dns.RR {
		return rr(t, fmt.Sprintf("ex. 3600 IN SOA ns1.ex. host.ex. %d 7200 3600 1209600 300", s))
	}
	d := Diff{Removed: []dns.RR{soa(serial)}, Added: []dns.RR{soa(serial + 1)}}
	var names []string
	for nd := range z.allNodes() {
		if nd.name != z.origin && len(nd.sets) > 0 {
			names = append(names, nd.name)
		}
	}
	slices.Sort(names)
	removedOwner := map[string]bool{}
	for range 1 + rng.IntN(8) {
		name := names[rng.IntN(len(names))]
		if removedOwner[name] {
			continue
		}
		i := rng.IntN(n)
		switch rng.IntN(8) {
		case 0: // an address changes
			for _, r := range z.node(name).records() {
				if a, ok := r.(*dns.A); ok {
					d.Removed = append(d.Removed, a)
					d.Added = append(d.Added, rr(t, fmt.Sprintf("%s %d IN A 203.0.113.%d", name, a.Hdr.Ttl, rng.IntN(250))))
					break
				}
			}
		case 1: // a name goes
			d.Removed = append(d.Removed, z.node(name).records()...)
			removedOwner[name] = true
		case 2: // a new name, with empty non-terminals above it
			d.Added = append(d.Added, rr(t, fmt.Sprintf("a.b.n%d-%d.h%d.ex. 300 IN A 192.0.2.99", serial, rng.IntN(1e6), i)))
		case 3: // a name becomes a delegation, over what is below it
			if z.node(name).cname() == nil {
				d.Added = append(d.Added, rr(t, fmt.Sprintf("%s 3600 IN NS ns1.d%d.ex.", name, i)))
			}
		case 4: // a delegation goes, its glue stays
			if ns := z.node(name).ns; ns != nil && name != z.origin {
				d.Removed = append(d.Removed, ns.Records()...)
			}
		case 5: // a new target, in and out of the zone
			d.Added = append(d.Added, rr(t, fmt.Sprintf("m%d.ex. 300 IN MX %d new%d.h%d.ex.", i, 30+rng.IntN(50), serial, (i+1)%n)),
				rr(t, fmt.Sprintf("new%d.h%d.ex. 300 IN AAAA 2001:db8::beef", serial, (i+1)%n)))
		case 6: // glue appears for a name server that had none
			d.Added = append(d.Added, rr(t, fmt.Sprintf("ns2.d%d.ex. 3600 IN A 198.51.100.200", i)),
				rr(t, fmt.Sprintf("d%d.ex. 3600 IN NS ns2.d%d.ex.", i, i)))
		case 7: // an empty non-terminal gets data
			d.Added = append(d.Added, rr(t, fmt.Sprintf("y.z%d.ex. 300 IN TXT \"now %d\"", i, serial)))
		}
	}
	return d
}

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return r
}

// answers renders the answer of every name of z and a name below each, for the
// types whose answers read other names, so that two versions compare by what they
// answer.
func answers(t *testing.T, z *Zone, names []string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	var a Answer
	for _, name := range names {
		for _, qname := range []string{name, "below." + name} {
			for _, qt := range []uint16{dns.TypeA, dns.TypeNS, dns.TypeMX, dns.TypeSRV, dns.TypeHTTPS, dns.TypeDS} {
				a.Reset()
				z.Lookup(qname, qt, &a)
				key := qname + " " + dns.TypeToString[qt]
				out[key] = fmt.Sprintf("%s rcode=%d aa=%v\nan=%v\nns=%v\nad=%v glue=%v", kindName(a.Kind), a.Rcode, a.Authoritative,
					sectionText(t, a.Answer, false), sectionText(t, a.Authority, false), sectionText(t, a.Additional, false), sortedGlue(a.Additional))
			}
		}
	}
	return out
}

func orderNames(nodes []*node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.name
	}
	return out
}

func sortedGlue(refs []RRsetRef) []string {
	g := glueNames(refs)
	slices.Sort(g)
	return g
}

func recordText(z *Zone) []string {
	var out []string
	for _, r := range z.Records() {
		out = append(out, strings.ToLower(r.String()))
	}
	slices.Sort(out)
	return out
}

func nodeNames(zs ...*Zone) []string {
	seen := map[string]bool{}
	for _, z := range zs {
		for n := range z.allNodes() {
			seen[n.name] = true
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for name := range seen {
			if !yield(name) {
				return
			}
		}
	})
}

// TestApplySharedMatchesWhole applies random chains of deltas both ways, sharing
// the nodes and building the whole zone, and requires the same records, the same
// answers for every name, and the version applied to answering as before.
func TestApplySharedMatchesWhole(t *testing.T) {
	const n, rounds = 12, 50
	// a small zone keeps its changes beside the index, as a large one does
	defer func(was int) { compactBelow = was }(compactBelow)
	compactBelow = 0
	rng := rand.New(rand.NewPCG(11, 1995))
	base := mustCompileText(t, "ex.", sharedZone(n))
	if !base.sharable() {
		t.Fatal("the test zone is not sharable")
	}
	z := base
	serial := uint32(1)
	shared, overlaid := 0, 0 // rounds that shared nodes; that kept changes beside the index
	for round := range rounds {
		var diffs []Diff
		cur := z
		for range 1 + rng.IntN(3) {
			d := randomDelta(t, rng, cur, n, serial)
			diffs = append(diffs, d)
			next, _, err := applyWhole(cur, []Diff{d}, DNSSECOptions{})
			if err != nil {
				diffs = diffs[:len(diffs)-1]
				break
			}
			cur, serial = next, serial+1
		}
		names := nodeNames(z, cur)
		// Every fifth round also requires the version applied to answer as before.
		var before map[string]string
		if round%5 == 0 {
			before = answers(t, z, names)
		}
		got, res, err := Apply(z, diffs, DNSSECOptions{})
		if err != nil {
			t.Fatalf("round %d: Apply: %v", round, err)
		}
		e, _ := foldDeltas(z, diffs)
		if e.shared {
			shared++
		}
		if got.changed != nil {
			overlaid++
		}
		if res.Serial != cur.Serial() || res.Records != cur.RecordCount() || got.RecordCount() != cur.RecordCount() {
			t.Fatalf("round %d: serial %d records %d (result %d), want %d and %d", round, got.Serial(), got.RecordCount(), res.Records, cur.Serial(), cur.RecordCount())
		}
		if g, w := recordText(got), recordText(cur); !slices.Equal(g, w) {
			t.Fatalf("round %d: records differ from a whole build:\n got %d: %v\nwant %d: %v", round, len(g), g, len(w), w)
		}
		if g, w := nodeNames(got), nodeNames(cur); !slices.Equal(g, w) {
			t.Fatalf("round %d: names (empty non-terminals included) differ:\n got %v\nwant %v", round, g, w)
		}
		if g, w := orderNames(got.canonicalNodes()), orderNames(canonicalOrder(slices.Collect(got.allNodes()))); !slices.Equal(g, w) {
			t.Fatalf("round %d: the canonical order kept is not the nodes sorted:\n got %v\nwant %v", round, g, w)
		}
		want := answers(t, cur, names)
		for k, g := range answers(t, got, names) {
			if g != want[k] {
				t.Fatalf("round %d: %s:\n got %s\nwant %s", round, k, g, want[k])
			}
		}
		if before != nil {
			for k, g := range answers(t, z, names) {
				if g != before[k] {
					t.Fatalf("round %d: the version applied to changed its answer to %s:\n got %s\nwas %s", round, k, g, before[k])
				}
			}
		}
		z = got
	}
	if overlaid == 0 || overlaid == shared {
		t.Errorf("%d of %d shared versions kept their changes beside the index, want some but not all (compact)", overlaid, shared)
	}
	if shared < rounds*2/3 {
		t.Errorf("%d of %d rounds took the shared build, want most", shared, rounds)
	}
}

// TestApplySharedWhileServing applies changes to a version that answers queries
// all the while: with -race, a write to anything the two versions share fails it.
func TestApplySharedWhileServing(t *testing.T) {
	const n = 12
	base := mustCompileText(t, "ex.", sharedZone(n))
	names := nodeNames(base)
	done, started, stopped := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var a Answer
		for i := 0; i < 200_000; i++ {
			if i == 1 {
				close(started)
			}
			select {
			case <-done:
				return
			default:
			}
			a.Reset()
			base.Lookup(names[i%len(names)], []uint16{dns.TypeA, dns.TypeNS, dns.TypeMX}[i%3], &a)
		}
	}()
	<-started
	rng := rand.New(rand.NewPCG(3, 5936))
	for range 20 {
		d := randomDelta(t, rng, base, n, 1)
		if _, _, err := Apply(base, []Diff{d}, DNSSECOptions{}); err != nil {
			if _, _, werr := applyWhole(base, []Diff{d}, DNSSECOptions{}); werr == nil {
				t.Fatalf("Apply: %v; a whole build takes the delta", err)
			}
		}
	}
	close(done)
	<-stopped
}

// TestApplySharesWhatItCan: an unsigned zone without wildcards or DNAME shares the
// names a change leaves; a zone with a wildcard, or a delta bringing a DNAME, is
// built whole, with the same result as a whole build.
func TestApplySharesWhatItCan(t *testing.T) {
	soa := func(s int) string { return fmt.Sprintf("@ 3600 IN SOA ns1 host %d 7200 3600 1209600 300", s) }
	parse := func(lines ...string) []dns.RR {
		var out []dns.RR
		for _, l := range lines {
			out = append(out, rr(t, "$ORIGIN ex.\n"+l))
		}
		return out
	}
	tests := []struct {
		name   string
		extra  string // added to sharedZone(4)
		delta  Diff
		shares bool
	}{
		{"plain", "", Diff{Removed: parse(soa(1)), Added: parse(soa(2), "new 300 IN A 192.0.2.7")}, true},
		{"wildcard in the zone", "*.w 300 IN TXT \"any\"\n", Diff{Removed: parse(soa(1)), Added: parse(soa(2), "new 300 IN A 192.0.2.7")}, false},
		{"DNAME in the delta", "", Diff{Removed: parse(soa(1)), Added: parse(soa(2), "dn 300 IN DNAME example.")}, false},
		{"wildcard in the delta", "", Diff{Removed: parse(soa(1)), Added: parse(soa(2), "*.new 300 IN A 192.0.2.7")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := mustCompileText(t, "ex.", sharedZone(4)+tc.extra)
			got, _, err := Apply(base, []Diff{tc.delta}, DNSSECOptions{})
			if err != nil {
				t.Fatal(err)
			}
			whole, _, err := applyWhole(base, []Diff{tc.delta}, DNSSECOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if g, w := recordText(got), recordText(whole); !slices.Equal(g, w) {
				t.Errorf("records differ from a whole build:\n got %v\nwant %v", g, w)
			}
			if shared := got.node("h1.ex.") == base.node("h1.ex."); shared != tc.shares {
				t.Errorf("an unchanged name's node shared: %v, want %v", shared, tc.shares)
			}
		})
	}
}

// TestCanonicalKeyOrder: the keys of appendCanonicalKey sort as RFC 4034 section
// 6.1 orders names (its own example), escaped bytes 0 and 1 included.
func TestCanonicalKeyOrder(t *testing.T) {
	want := []string{"example.", "a.example.", "yljkjljk.a.example.", "z.a.example.",
		"zabc.a.example.", "z.example.", "\\000.z.example.", "\\001.z.example.", "\\001\\000.z.example.",
		"\\002.z.example.", "*.z.example.", "\\200.z.example."}
	nodes := make([]*node, len(want))
	for i := range want {
		nodes[len(want)-1-i] = &node{name: want[i]}
	}
	if got := orderNames(canonicalOrder(nodes)); !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	sorted := newOrder(canonicalOrder(nodes))
	for i, name := range want {
		if p, ok := sorted.search(name); !ok || p != (place{at: i}) {
			t.Errorf("search(%s) = %v, %v; want %d", name, p, ok, i)
		}
	}
	if got := orderNames(sorted.below("a.example.")); !slices.Equal(got, want[2:5]) {
		t.Errorf("below a.example.: %q, want %q", got, want[2:5])
	}
}

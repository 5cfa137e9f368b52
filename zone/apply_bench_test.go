package zone

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// glueChanges is a delta of changes to the zone of zonetest.DelegationZone: the A
// glue of every step-th of the first changes delegations moves, the shape of the
// benchmark's IXFR (cmd/benchdns, transfer suite).
func glueChanges(tb testing.TB, changes, step int) Diff {
	parse := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			tb.Fatal(err)
		}
		return r
	}
	soa := "example. 3600 IN SOA ns1.example. hostmaster.example. %d 7200 3600 1209600 300"
	d := Diff{Removed: []dns.RR{parse(fmt.Sprintf(soa, 1))}, Added: []dns.RR{parse(fmt.Sprintf(soa, 2))}}
	for k := range changes {
		i := k * step
		d.Removed = append(d.Removed, parse(fmt.Sprintf("ns.d%d.example. 3600 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255)))
		d.Added = append(d.Added, parse(fmt.Sprintf("ns.d%d.example. 3600 IN A 198.18.%d.%d", i, i>>8&255, i&255)))
	}
	return d
}

// BenchmarkApply applies 100 changes to zones of delegations with glue: sharing
// the nodes the change leaves (Apply), and, at 100,000 delegations, building the
// whole version (applyWhole, what Apply did before) for comparison.
func BenchmarkApply(b *testing.B) {
	for _, size := range benchSizes {
		z := mustCompileText(b, "example.", zonetest.DelegationZone(4+3*size))
		diffs := []Diff{glueChanges(b, 100, size/100)}
		z.canonicalNodes() // sorted once for a line of versions, by the first
		b.Run(fmt.Sprintf("shared/delegations=%d", size), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Apply(z, diffs, DNSSECOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		if size > 100_000 {
			continue
		}
		b.Run(fmt.Sprintf("whole/delegations=%d", size), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := applyWhole(z, diffs, DNSSECOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchSizes = []int{100_000, 1_000_000}

// BenchmarkCanonicalOrder sorts the 200,001 names of a zone of 100,000
// delegations in canonical order (RFC 4034 section 6.1): once per zone received
// whole, for its persisted copy and its AXFR out.
func BenchmarkCanonicalOrder(b *testing.B) {
	z := mustCompileText(b, "example.", zonetest.DelegationZone(4+3*100_000))
	nodes := make([]*node, 0, len(z.nodes))
	for _, n := range z.nodes {
		nodes = append(nodes, n)
	}
	for b.Loop() {
		canonicalOrder(nodes)
	}
}

// BenchmarkLookupChanged answers from a zone of 100,000 delegations as compiled and
// as Apply left it after 100 changes, its changes kept beside the shared name
// index: the cost of looking at them first.
func BenchmarkLookupChanged(b *testing.B) {
	base := mustCompileText(b, "example.", zonetest.DelegationZone(4+3*100_000))
	changed, _, err := Apply(base, []Diff{glueChanges(b, 100, 1000)}, DNSSECOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if changed.changed == nil {
		b.Fatal("Apply folded its changes into a new index")
	}
	cases := []benchQuery{
		{"glue", "ns.d5.example.", dns.TypeA},
		{"glue-changed", "ns.d1000.example.", dns.TypeA},
		{"referral", "www.d7.example.", dns.TypeA},
		{"nxdomain", "nx.example.", dns.TypeA},
	}
	b.Run("compiled", func(b *testing.B) { benchmarkLookups(b, base, cases) })
	b.Run("applied", func(b *testing.B) { benchmarkLookups(b, changed, cases) })
}

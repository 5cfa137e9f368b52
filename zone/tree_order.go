package zone

import (
	"bytes"
	"slices"

	"github.com/miekg/dns"
)

// canonicalNodes returns the nodes of z in canonical order, sorting them on first use:
// only an NSEC chain or a zone transfer needs the order, so a load need not pay for
// it (the sort was about a tenth of loading a million delegations).
func (z *Zone) canonicalNodes() []*node {
	z.canonicalOnce.Do(func() {
		nodes := make([]*node, 0, len(z.nodes))
		for _, n := range z.nodes {
			nodes = append(nodes, n)
		}
		z.canonical = canonicalOrder(nodes)
	})
	return z.canonical
}

// canonicalOrder returns the nodes sorted in the canonical order of RFC 4034 section
// 6.1 (labels compared right to left as lower-case octet strings, a name before its
// descendants), the order of an NSEC chain and of a zone transfer. Nodes of one name
// keep their order in nodes.
func canonicalOrder(nodes []*node) []*node {
	type keyed struct {
		n      *node
		labels [][]byte // wire-form labels, rightmost first
	}
	ks := make([]keyed, 0, len(nodes))
	buf := make([]byte, maxNameWire+1)
	for _, n := range nodes {
		k := keyed{n: n}
		if off, err := dns.PackDomainName(n.name, buf, 0, nil, false); err == nil {
			wire := buf[:off]
			for i := 0; i < len(wire) && wire[i] != 0; i += int(wire[i]) + 1 {
				k.labels = append(k.labels, bytes.Clone(wire[i+1:i+1+int(wire[i])]))
			}
			slices.Reverse(k.labels)
		}
		ks = append(ks, k)
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		for i := 0; i < len(a.labels) && i < len(b.labels); i++ {
			if c := bytes.Compare(a.labels[i], b.labels[i]); c != 0 {
				return c
			}
		}
		return len(a.labels) - len(b.labels)
	})
	out := make([]*node, len(ks))
	for i, k := range ks {
		out[i] = k.n
	}
	return out
}

package zone

import (
	"bytes"
	"slices"

	"github.com/miekg/dns"
)

// canonicalNodes returns the nodes of z in canonical order (see ordered).
func (z *Zone) canonicalNodes() []*node {
	return slices.Collect(z.ordered().all())
}

// ordered returns the nodes of z in canonical order, sorting them on first use: only
// an NSEC chain or a zone transfer needs the order, so a load need not pay for it
// (the sort was about a tenth of loading a million delegations). A version made by
// Apply has it from the version before.
func (z *Zone) ordered() order {
	z.canonicalOnce.Do(func() {
		if z.canonical.runs != nil {
			return // set by Apply
		}
		nodes := make([]*node, 0, z.nodeCount())
		for n := range z.allNodes() {
			nodes = append(nodes, n)
		}
		z.canonical = newOrder(canonicalOrder(nodes))
	})
	return z.canonical
}

// canonicalOrder returns the nodes sorted in the canonical order of RFC 4034 section
// 6.1 (labels compared right to left as lower-case octet strings, a name before its
// descendants), the order of an NSEC chain and of a zone transfer. Nodes of one name
// keep their order in nodes.
func canonicalOrder(nodes []*node) []*node {
	type keyed struct {
		key []byte
		at  int // the place in nodes, for a stable order
	}
	ks := make([]keyed, len(nodes))
	arena := make([]byte, 0, 24*len(nodes))
	buf := make([]byte, maxNameWire+1)
	for i, n := range nodes {
		start := len(arena)
		arena = appendCanonicalKey(arena, n.name, buf)
		ks[i] = keyed{key: arena[start:len(arena):len(arena)], at: i}
	}
	compared := 0
	slices.SortFunc(ks, func(a, b keyed) int {
		// The sort of a large zone takes a processor for a hundred milliseconds
		// or more, on a node that serves: let the query path in (see yield).
		compared++
		yield(compared)
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.at - b.at
	})
	out := make([]*node, len(ks))
	for i, k := range ks {
		out[i] = nodes[k.at]
	}
	return out
}

// appendCanonicalKey appends to dst the key of the lower-case name in the canonical
// order: keys compare as byte strings (bytes.Compare) as their names do in that
// order. buf is scratch space of at least maxNameWire+1 bytes.
//
// The key is the name's labels in wire form, rightmost first, each ended by a 0
// byte, which sorts a label before every longer label it begins and a name
// before its descendants. A 0 or 1 byte inside a label is written as 1 then 1
// or 2, which keeps the order of the bytes and no 0 inside a label. A name that
// does not pack has the empty key.
func appendCanonicalKey(dst []byte, name string, buf []byte) []byte {
	off, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil {
		return dst
	}
	var starts [maxNameWire / 2]int
	labels := 0
	wire := buf[:off]
	for i := 0; i < len(wire) && wire[i] != 0; i += int(wire[i]) + 1 {
		starts[labels] = i
		labels++
	}
	for l := labels - 1; l >= 0; l-- {
		i := starts[l]
		for _, c := range wire[i+1 : i+1+int(wire[i])] {
			if c < 2 {
				dst = append(dst, 1, c+1)
			} else {
				dst = append(dst, c)
			}
		}
		dst = append(dst, 0)
	}
	return dst
}

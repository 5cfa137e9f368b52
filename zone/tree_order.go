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
		labels [][]byte
	}
	ks := make([]keyed, 0, len(nodes))
	buf := make([]byte, maxNameWire+1)
	for _, n := range nodes {
		ks = append(ks, keyed{n: n, labels: canonicalLabels(n.name, buf)})
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return compareLabels(a.labels, b.labels) })
	out := make([]*node, len(ks))
	for i, k := range ks {
		out[i] = k.n
	}
	return out
}

// canonicalLabels returns the labels of the lower-case name in wire form, rightmost
// first, the key of the canonical order (RFC 4034 section 6.1); buf is scratch space
// of at least maxNameWire+1 bytes. A name that does not pack has no labels.
func canonicalLabels(name string, buf []byte) [][]byte {
	off, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil {
		return nil
	}
	var labels [][]byte
	wire := buf[:off]
	for i := 0; i < len(wire) && wire[i] != 0; i += int(wire[i]) + 1 {
		labels = append(labels, bytes.Clone(wire[i+1:i+1+int(wire[i])]))
	}
	slices.Reverse(labels)
	return labels
}

// compareLabels compares two names by their canonicalLabels: label by label as
// octet strings, a name before its descendants.
func compareLabels(a, b [][]byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := bytes.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// canonicalIndex returns where the lower-case name is, or would be, in nodes sorted
// in canonical order, and whether it is there.
func canonicalIndex(nodes []*node, name string) (int, bool) {
	buf := make([]byte, maxNameWire+1)
	key := canonicalLabels(name, buf)
	return slices.BinarySearchFunc(nodes, key, func(n *node, key [][]byte) int {
		return compareLabels(canonicalLabels(n.name, buf), key)
	})
}

// below returns the nodes strictly below the lower-case name in nodes sorted in
// canonical order: the run that follows where the name is or would be.
func below(nodes []*node, name string) []*node {
	i, found := canonicalIndex(nodes, name)
	if found {
		i++
	}
	j := i
	for j < len(nodes) && inDomain(nodes[j].name, name) {
		j++
	}
	return nodes[i:j]
}

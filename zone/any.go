package zone

import "github.com/miekg/dns"

// anySet returns the single RRset answered to a query of type ANY at the node
// (RFC 8482 section 4.2: "a subset" of the RRsets). Like Knot DNS 3.2, that is the
// RRset with the lowest type number; the union of the node's RRSIGs is used only
// when the node has nothing else. It returns nil for an empty non-terminal.
func (n *node) anySet() *RRset {
	for _, s := range n.sets {
		if s.Type != dns.TypeRRSIG {
			return s
		}
	}
	if len(n.sets) > 0 {
		return n.sets[0]
	}
	return nil
}

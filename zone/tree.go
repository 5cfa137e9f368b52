package zone

import "sync"

// tree is the compiled lookup structure of a zone, embedded in Zone. It is built by
// Compile and never modified afterwards, so any number of lookups may read it at once.
type tree struct {
	// nodes maps every name of the zone (owners and empty non-terminals), lower-case
	// and fully qualified, to its node. A lookup with m[string(b)] does not allocate.
	// In a version made by Apply it is shared with the versions before, and
	// changed holds what differs; read both through node and nodeAt.
	nodes map[string]*node
	// changed is nil, or the names whose nodes differ from nodes: the node now,
	// nil for a name gone (see tree_changed.go).
	changed map[string]*node
	apex    *node
	// negSOA is the SOA written into the authority section of a negative answer: a
	// copy of the SOA whose TTL is min(SOA TTL, SOA MINIMUM) (RFC 2308 section 3).
	negSOA *RRset
	// nsec3 maps the hashed owner names of the NSEC3 chain, lower-case, to nodes
	// holding the NSEC3 RRsets and their signatures. They are not names of the zone
	// (RFC 5155 section 7.2.8); a signed negative answer takes its proofs from here.
	nsec3 map[string]*node
	// canonical lists the nodes in the canonical order of RFC 4034 section 6.1, for
	// the NSEC denial of existence of a later signed-zone answer and for zone
	// transfer; canonicalNodes sorts them on first use, not at load.
	canonical     order
	canonicalOnce sync.Once
	// sec is the denial-of-existence index of a signed zone (dnssec.go).
	sec signedIndex
	// referrers maps a lower-case name of the zone to the owners of the records
	// whose additional data or glue read it (targets of NS, MX, SRV, SVCB and
	// HTTPS records) when the owner is not the name or above it: sibling glue, a
	// mail server elsewhere in the zone. Apply finds the others by walking up from
	// the name. It may name owners that no longer read the name.
	referrers map[string][]string
	// wildcards and dnames say whether any node is a wildcard owner or a DNAME
	// owner: their effects reach beyond their own names (synthesis, RFC 4592;
	// redirection, RFC 6672), which an incremental Apply leaves to a full build.
	wildcards, dnames bool
	// fresh holds, while a compile's version is built, its nodes in the order the
	// compile made them (which is the order of their RRsets in memory), for
	// shedRecords; nil afterwards.
	fresh []*node
}

// find returns the node for the lower-case name, or the closest encloser (RFC 4592
// section 3.3.1: the longest existing ancestor) with exact false. name must be at
// or below the origin, so the walk ends at the apex at the latest.
func (t *tree) find(name []byte) (n *node, exact bool) {
	if n := t.nodeAt(name); n != nil {
		return n, true
	}
	for off := nextLabel(name, 0); off < len(name); off = nextLabel(name, off) {
		if n := t.nodeAt(name[off:]); n != nil {
			return n, false
		}
	}
	if n := t.node("."); n != nil {
		return n, false
	}
	return t.apex, false
}

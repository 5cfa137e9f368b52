package zone

import "github.com/miekg/dns"

// nodeFlags are the facts about a name decided once at compile time.
type nodeFlags uint8

const (
	// flagApex marks the zone's origin.
	flagApex nodeFlags = 1 << iota
	// flagDelegation marks a delegation point: NS records at a name other than the
	// apex (RFC 1034 section 4.2.1). Data at and below it is not authoritative,
	// except DS at the cut itself (RFC 4035 section 3.1.4.1).
	flagDelegation
	// flagDNAME marks an owner of a DNAME record (RFC 6672 section 2.3): names below
	// it are redirected, and data there is occluded.
	flagDNAME
	// flagTargets marks a node with an RRset that carries additional data read from
	// other names: NS, MX, SRV, SVCB or HTTPS (resolveAdditional).
	flagTargets
	// flagCNAME marks an owner of a CNAME record (RFC 1034 section 3.6.2).
	flagCNAME
)

// node is one name of the zone: an owner of records, or an empty non-terminal that
// exists because a name below it does (RFC 4592 section 2.2.2).
type node struct {
	name  string   // lower-case, fully qualified
	sets  []*RRset // sorted by type; an RRSIG-type set unions all signatures here
	flags nodeFlags
	// glueIn marks, at a delegation point, which of the first 32 RRsets of the NS
	// RRset's Extra (the referral's glue: the in-zone A and AAAA RRsets of the NS
	// targets, occluded ones included) are in-domain glue, bit i for Extra[i]
	// (inDomainGlue).
	glueIn uint32

	// cut is the topmost delegation point or DNAME owner at or above this node,
	// below the apex (RFC 1034 section 4.3.2 step 3b, RFC 6672 section 3.3), or nil
	// when the node is authoritative. A node whose cut is not itself is occluded.
	cut *node
	// wild is the wildcard child "*.name" of this node, if the zone has one
	// (RFC 4592 section 2.1.1), the source of synthesis when this node is the
	// closest encloser.
	wild *node

	ns *RRset // the NS RRset, if any

	// proof is, in a signed zone, the RRset that says which types the node owns:
	// its NSEC RRset, or the NSEC3 RRset whose owner hash is the node's name's
	// (RFC 5155 section 7.2.3). It is nil for a name outside the chain: an empty
	// non-terminal under NSEC, one in an Opt-Out span under NSEC3.
	proof *RRset
}

// rrset returns the RRset of type t at the node, or nil.
func (n *node) rrset(t uint16) *RRset {
	for _, s := range n.sets {
		if s.Type == t {
			return s
		}
	}
	return nil
}

func (n *node) is(f nodeFlags) bool { return n.flags&f != 0 }

// cname returns the CNAME RRset of the node, if any: the flag spares the nodes
// without one (most) the search, and every node a pointer.
func (n *node) cname() *RRset {
	if !n.is(flagCNAME) {
		return nil
	}
	return n.rrset(dns.TypeCNAME)
}

// dname returns the DNAME RRset of the node, if any (RFC 6672), as cname does.
func (n *node) dname() *RRset {
	if !n.is(flagDNAME) {
		return nil
	}
	return n.rrset(dns.TypeDNAME)
}

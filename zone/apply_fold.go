package zone

import (
	"fmt"

	"github.com/miekg/dns"
)

// edits are the deltas of an IXFR folded into the names they change: for each
// owner, its records once every delta is applied.
type edits struct {
	soa    *dns.SOA          // the new version's SOA
	owners map[string]*owner // by lower-case owner name
	order  []string          // the owners in order of first change
	// shared is false when a record of the deltas is one whose effect reaches
	// other names than its own (see sharedType), or is owned by a wildcard: the
	// new version is then built whole.
	shared bool
}

// owner is one name the deltas change.
type owner struct {
	old *node        // the name's node in the version applied to; nil when none
	rrs *recordIndex // its records after the deltas so far
}

// foldDeltas applies diffs to the records of the names they touch in z, checking
// that they chain and apply as RFC 1995 section 4 describes; a delta that does not
// is an error wrapping ErrDiffMismatch, naming the delta.
func foldDeltas(z *Zone, diffs []Diff) (*edits, error) {
	e := &edits{soa: z.soa, owners: make(map[string]*owner), shared: true}
	for i, d := range diffs {
		if err := e.fold(z, d); err != nil {
			return nil, fmt.Errorf("zone %s: IXFR delta %d of %d: %w", z.Origin(), i+1, len(diffs), err)
		}
	}
	// The apex trades the SOA held for the new one.
	apex := e.owner(z, z.origin)
	apex.rrs.remove(z.soa)
	apex.rrs.add(e.soa)
	return e, nil
}

// fold applies one delta, as recordIndex.apply does for a whole zone.
func (e *edits) fold(z *Zone, d Diff) error {
	if len(d.Removed) == 0 || len(d.Added) == 0 {
		return fmt.Errorf("%w: a delta without its SOAs", ErrDiffMismatch)
	}
	from, ok1 := d.Removed[0].(*dns.SOA)
	to, ok2 := d.Added[0].(*dns.SOA)
	if !ok1 || !ok2 {
		return fmt.Errorf("%w: a delta that does not start with SOA records", ErrDiffMismatch)
	}
	if from.Serial != e.soa.Serial {
		return fmt.Errorf("%w: the delta is from serial %d, the version held has serial %d", ErrDiffMismatch, from.Serial, e.soa.Serial)
	}
	for _, rr := range d.Removed[1:] {
		if rr.Header().Rrtype == dns.TypeSOA || !e.touch(z, rr).rrs.remove(rr) {
			return fmt.Errorf("%w: the removed record %s is not in serial %d", ErrDiffMismatch, rr, e.soa.Serial)
		}
	}
	for _, rr := range d.Added[1:] {
		if rr.Header().Rrtype == dns.TypeSOA || !e.touch(z, rr).rrs.add(rr) {
			return fmt.Errorf("%w: the added record %s is already in serial %d", ErrDiffMismatch, rr, to.Serial)
		}
	}
	e.soa = to
	return nil
}

// touch returns the owner of rr, noting whether rr keeps the change sharable.
func (e *edits) touch(z *Zone, rr dns.RR) *owner {
	name := canonicalName(rr.Header().Name)
	if !sharedType(rr.Header().Rrtype) || isWildcardName(name) {
		e.shared = false
	}
	return e.owner(z, name)
}

// owner returns the edit of the lower-case name, starting from its records in z.
func (e *edits) owner(z *Zone, name string) *owner {
	if o := e.owners[name]; o != nil {
		return o
	}
	o := &owner{old: z.node(name)}
	var rrs []dns.RR
	if o.old != nil {
		rrs = o.old.records()
	}
	o.rrs = newRecordIndex(rrs)
	e.owners[name] = o
	e.order = append(e.order, name)
	return o
}

// sharedType reports whether a record of type t changes only what its own name
// answers, and the referrals and additional data that read that name: not the
// DNSSEC records (signatures, the denial chains and the keys, whose checks and
// indexes span the zone) and not DNAME (which redirects every name below it, RFC
// 6672 section 2.3).
func sharedType(t uint16) bool {
	switch t {
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeDNAME:
		return false
	}
	return true
}

// records returns the records of n, each once: an RRSIG-type RRset holds every
// signature of the node, so the signatures kept beside each RRset are not repeated.
func (n *node) records() []dns.RR {
	var out []dns.RR
	for _, s := range n.sets {
		out = append(out, s.Records()...)
	}
	return out
}

package zone

import (
	"maps"
	"slices"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// applyShared builds the version that e describes from z, sharing z's nodes
// wherever the change leaves them as they are. A node of z is never modified:
// queries in flight keep reading z whole, and the new version is published in one
// pointer store as every other (RFC 1995 section 5: the change is atomic).
//
// What a node precomputes from other names decides which nodes are built again
// besides the changed names themselves (see compile.go):
//   - the additional data of its NS, MX, SRV, SVCB and HTTPS RRsets, and a
//     delegation's glue, read the addresses of their targets: a node naming a
//     changed name as a target is copied and resolved again. It is above the name
//     (found by walking up) or among the name's referrers (Zone.referrers);
//   - cut points at the topmost delegation at or above the node (RFC 1034 section
//     4.3.2): the names below a changed delegation point, or below one copied for
//     its glue, are copied with their cut found again;
//   - empty non-terminals exist while a name below them does (RFC 4592 section
//     2.2.2): they come and go with the names under them.
//
// The names below a name are a run of the canonical order (RFC 4034 section 6.1),
// which every version keeps (canonicalNodes): z's is sorted once, and each new
// version's is z's with the change merged in. The work is that of the change,
// plus copying the name index and the order, which holds pointers only.
func applyShared(z *Zone, e *edits) (*Zone, LoadResult, error) {
	res := LoadResult{Origin: z.origin}
	ix := newCheckIndex(z.origin, e.records())
	if err := ix.check(); err != nil {
		res.Err = err
		return nil, res, err
	}
	b := &sharedBuild{
		old: z, e: e, order: z.ordered(),
		z:        &Zone{origin: z.origin, records: z.records},
		built:    make(map[string]*node),
		gone:     make(map[string]bool),
		cutNames: make(map[string]bool),
		reach:    make(map[*node]*reached),
	}
	b.z.sharing(&z.tree)
	b.buildOwners()
	b.addAncestors()
	b.decideGone()
	b.findReached()
	b.swap()
	b.finish()
	ix.rest = &b.z.tree
	res.Serial, res.Records = b.z.Serial(), b.z.records
	res.Warnings = ix.warnings()
	for _, n := range b.built {
		shedNode(n)
	}
	b.z.negSOA.shed()
	return b.z, res, nil
}

// records returns the records of the changed names (the apex among them), owner by
// owner, for the checks of Check and Warnings.
func (e *edits) records() []zonefile.Record {
	var recs []zonefile.Record
	for _, name := range e.order {
		for _, rr := range e.owners[name].rrs.records() {
			recs = append(recs, zonefile.Record{RR: rr})
		}
	}
	return recs
}

// sharedBuild is one run of applyShared.
type sharedBuild struct {
	old, z *Zone
	e      *edits
	order  order // the old version's nodes in canonical order
	// built holds the nodes made for the new version: the changed names with
	// records, new empty non-terminals, and the copies of nodes the change reaches.
	built map[string]*node
	added []*node // the nodes of built whose names are new
	// gone holds the names that may leave the zone, true when they do: changed
	// names left without records and the empty non-terminals above them. A name
	// below one of them that stays keeps it, as an empty non-terminal.
	gone map[string]bool
	// cutNames are the changed names that were or become delegation points: the
	// nodes below them find their cut again.
	cutNames map[string]bool
	// reach holds the unchanged nodes of the old version the change reaches.
	reach map[*node]*reached
	// recut are the nodes whose cut is found again; resolve those whose additional
	// data and glue are resolved again (their RRsets are their own).
	recut, resolve []*node
}

// reached is what the change reaches of an unchanged node of the old version.
type reached struct {
	extra, cut bool // its additional data or glue, its cut
}

// buildOwners builds a node for every changed name that keeps records, and notes
// the names left without any.
func (b *sharedBuild) buildOwners() {
	for _, name := range b.e.order {
		o := b.e.owners[name]
		if o.old != nil {
			b.z.records -= len(o.old.records())
			if o.old.is(flagDelegation) {
				b.cutNames[name] = true
			}
		}
		rrs := o.rrs.records()
		if len(rrs) == 0 {
			if o.old != nil {
				b.mayGo(name)
			}
			continue
		}
		s := &staged{node: &node{name: name}, rrs: rrs}
		b.z.records += s.freeze()
		n := s.node
		switch {
		case name == b.z.origin:
			n.flags |= flagApex
		case n.ns != nil:
			n.flags |= flagDelegation
			b.cutNames[name] = true
		}
		b.add(n, true)
	}
}

// add makes n the new version's node of its name; with resolve, its additional
// data and glue are resolved at the end.
func (b *sharedBuild) add(n *node, resolve bool) {
	b.built[n.name] = n
	if b.old.node(n.name) == nil {
		b.added = append(b.added, n)
	}
	b.recut = append(b.recut, n)
	if resolve {
		b.resolve = append(b.resolve, n)
	}
}

// mayGo notes that the changed name, left without records, leaves the zone unless
// a name below it stays, and so may each empty non-terminal above it.
func (b *sharedBuild) mayGo(name string) {
	b.gone[name] = true
	for p, ok := parentName(name); ok && p != b.z.origin; p, ok = parentName(p) {
		n := b.old.node(p)
		if n == nil || len(n.sets) > 0 || b.e.owners[p] != nil {
			return
		}
		b.gone[p] = true
	}
}

// addAncestors makes an empty non-terminal for every missing name between a new
// name and the origin (RFC 4592 section 2.2.2).
func (b *sharedBuild) addAncestors() {
	for _, name := range b.e.order {
		if b.e.owners[name].old != nil || b.built[name] == nil {
			continue
		}
		for p, ok := parentName(name); ok && inDomain(p, b.z.origin); p, ok = parentName(p) {
			if b.old.node(p) != nil || b.built[p] != nil {
				break
			}
			b.add(&node{name: p}, false)
		}
	}
}

// decideGone decides which names that may go do: those with no name below them
// that stays. The deepest are decided first, so that a name's fate is known
// before the names above it look at it.
func (b *sharedBuild) decideGone() {
	for _, n := range b.added {
		b.keepAbove(n.name)
	}
	names := slices.Collect(maps.Keys(b.gone))
	slices.SortFunc(names, func(x, y string) int { return labelCount(y) - labelCount(x) })
	for _, name := range names {
		if !b.gone[name] {
			continue
		}
		for _, n := range b.order.below(name) {
			if goes, may := b.gone[n.name]; !may || !goes {
				b.keepAbove(n.name)
				break
			}
		}
	}
}

// keepAbove keeps every name that may go strictly above name.
func (b *sharedBuild) keepAbove(name string) {
	for p, ok := parentName(name); ok && p != b.z.origin && inDomain(p, b.z.origin); p, ok = parentName(p) {
		if _, may := b.gone[p]; may {
			b.gone[p] = false
		}
	}
}

// findReached finds the unchanged nodes the change reaches: those whose records
// name a changed name as a target, and those below a changed delegation point or
// below a delegation point reached for its glue.
func (b *sharedBuild) findReached() {
	for _, name := range b.e.order {
		for p, ok := parentName(name); ok && inDomain(p, b.z.origin); p, ok = parentName(p) {
			if n := b.old.node(p); n != nil && n.is(flagTargets) && b.e.owners[p] == nil && targets(n, name) {
				b.reached(n).extra = true
			}
		}
		for _, r := range b.old.referrers[name] {
			if n := b.old.node(r); n != nil && b.e.owners[r] == nil {
				b.reached(n).extra = true
			}
		}
	}
	cuts := slices.Collect(maps.Keys(b.cutNames))
	for n, r := range b.reach {
		if r.extra && n.is(flagDelegation) {
			cuts = append(cuts, n.name)
		}
	}
	for _, cut := range cuts {
		for _, n := range b.order.below(cut) {
			if b.e.owners[n.name] == nil {
				b.reached(n).cut = true
			}
		}
	}
}

// reached returns what the change reaches of the unchanged node n.
func (b *sharedBuild) reached(n *node) *reached {
	r := b.reach[n]
	if r == nil {
		r = &reached{}
		b.reach[n] = r
	}
	return r
}

// targets reports whether a record of n that carries additional data names the
// lower-case target.
func targets(n *node, target string) bool {
	for _, s := range n.sets {
		if !hasExtra(s.Type) {
			continue
		}
		for _, rr := range s.Records() {
			if canonicalName(targetOf(rr)) == target {
				return true
			}
		}
	}
	return false
}

// hasExtra reports whether an RRset of type t carries additional data
// (resolveAdditional).
func hasExtra(t uint16) bool {
	switch t {
	case dns.TypeNS, dns.TypeMX, dns.TypeSRV, dns.TypeSVCB, dns.TypeHTTPS:
		return true
	}
	return false
}

// swap puts the new nodes in the new version's name index in place of the old
// ones: the names that go leave it, a changed name that stays without records
// becomes an empty non-terminal, and each node the change reaches is copied.
func (b *sharedBuild) swap() {
	for name, goes := range b.gone {
		switch {
		case goes:
			b.z.remove(name)
		case b.e.owners[name] != nil:
			b.add(&node{name: name}, false)
		}
	}
	for n, r := range b.reach {
		if b.gone[n.name] {
			continue
		}
		b.add(n.copyFor(r.extra), r.extra)
	}
	for _, n := range b.built {
		b.z.set(n)
	}
}

// copyFor returns a copy of n; with extra, the RRsets that carry additional data
// are copied too, to be resolved again.
func (n *node) copyFor(extra bool) *node {
	c := *n
	if !extra {
		return &c
	}
	c.sets = make([]*RRset, len(n.sets))
	for i, s := range n.sets {
		if hasExtra(s.Type) {
			cp := *s
			s = &cp
		}
		c.sets[i] = s
		if s.Type == dns.TypeNS {
			c.ns = s
		}
	}
	return &c
}

// finish completes the new version: the apex and its SOA, the cut of every node
// built, their additional data and glue (which read the cuts), the index of
// referrers and the canonical order.
func (b *sharedBuild) finish() {
	z := b.z
	z.apex = z.node(z.origin)
	soaSet := z.apex.rrset(dns.TypeSOA)
	z.soa = soaSet.first().(*dns.SOA)
	z.negSOA = negativeSOA(soaSet)
	for _, n := range b.recut {
		n.cut = z.topCut(n.name)
	}
	z.referrers = indexReferrers(b.old.referrers, z.resolveAdditional(newResolver(z), b.resolve))
	z.canonical = b.mergeOrder()
	z.compact()
}

// mergeOrder returns the new version's canonical order: the old one without the
// names that went, the nodes built in place of their old ones, and the new names
// merged in, each placed by a binary search (order.edit).
func (b *sharedBuild) mergeOrder() order {
	var edits []orderEdit
	for _, n := range canonicalOrder(b.added) {
		p, _ := b.order.search(n.name)
		edits = append(edits, orderEdit{p: p, put: n, add: true})
	}
	for name, n := range b.built {
		if b.old.node(name) != nil {
			p, _ := b.order.search(name)
			edits = append(edits, orderEdit{p: p, put: n})
		}
	}
	for name, goes := range b.gone {
		if goes {
			p, _ := b.order.search(name)
			edits = append(edits, orderEdit{p: p})
		}
	}
	return b.order.edit(edits)
}

// topCut returns the topmost delegation point at or above the lower-case name,
// below the apex, or nil (RFC 1034 section 4.3.2 step 3b), as markNodes finds it.
func (z *Zone) topCut(name string) *node {
	var cut *node
	for p, ok := name, true; ok && p != z.origin && inDomain(p, z.origin); p, ok = parentName(p) {
		if n := z.node(p); n != nil && (n.is(flagDelegation) || n.is(flagDNAME)) {
			cut = n
		}
	}
	return cut
}

package zone

import (
	"slices"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// Compile checks the records of the zone at origin (see Check) and compiles them into
// an immutable Zone.
//
// Everything the query path would otherwise decide is decided here, once (the way
// NSD and Knot DNS compile a zone): names are lower-cased; every owner gets a node
// and so does every empty non-terminal between it and the origin; RRsets are grouped
// with their RRSIGs; delegation points, names below a zone cut or a DNAME, and
// wildcard children are marked; the glue of every delegation and the in-zone
// addresses of NS, MX and SRV targets are resolved; the negative-answer SOA is built.
//
// The zone keeps recs as they are, for CheckDNSSEC to name the file and line of
// each record it reports; Load, Build and the Loader keep only the wire forms once
// the checks are done (held.go).
func Compile(origin string, recs []zonefile.Record) (*Zone, error) {
	z, _, err := compile(origin, recs, false)
	if z != nil {
		z.fresh = nil
	}
	return z, err
}

// compile is Compile, also returning the Warnings of the zone when warn is set (the
// Loader's case): they come from the index Check built, so the records are grouped by
// owner once.
//
// The checks and the staging of the records read recs side by side (see
// compile_parallel.go); a problem Check finds is reported before one of staging, as
// if Check had run first.
func compile(origin string, recs []zonefile.Record, warn bool) (*Zone, []*zonefile.Error, error) {
	var (
		checkErr error
		warnings []*zonefile.Error
		checked  = make(chan struct{})
	)
	// The Warnings come after the checks, beside the rest of the compile.
	warned := beside(func() {
		ix := newCheckIndex(origin, recs)
		checkErr = ix.check()
		close(checked)
		if checkErr == nil && warn {
			warnings = ix.warnings()
		}
	})
	defer warned()
	// two staged nodes per three records, as newCheckIndex sizes its names
	b := &builder{origin: canonicalName(origin), staged: make(map[string]*staged, len(recs)*2/3),
		nsec3: make(map[string]*staged), chunk: min(max(len(recs)/2, 8), 256)}
	var addErr error
	for i := range recs {
		if addErr = b.add(recs, i); addErr != nil {
			break
		}
		yield(i)
	}
	<-checked
	if checkErr != nil {
		return nil, nil, checkErr
	}
	if addErr != nil {
		return nil, nil, addErr
	}
	z, err := b.finish()
	if err != nil {
		return nil, nil, err
	}
	warned()
	return z, warnings, nil
}

// builder collects the records of a zone before they are frozen into nodes.
type builder struct {
	origin string
	file   string             // the file of the first record, for errors about the whole zone
	staged map[string]*staged // by lower-case owner, ENTs included
	order  []*staged          // in order of first appearance, for a stable build
	// last and lastName are the node and owner spelling of the previous record: a
	// master file lists an owner's records together, so most records skip the map.
	last     *staged
	lastName string
	// nsec3 holds the NSEC3 records and their signatures, apart from the names of
	// the zone (RFC 5155 section 7.2.8).
	nsec3      map[string]*staged
	nsec3Order []*staged

	// Staged nodes and the nodes they build are allocated chunk at a time.
	chunk       int
	stagedChunk []staged
	nodeChunk   []node
	rrChunk     []dns.RR
}

// staged is a node under construction: its records, in file order. They are
// grouped by type when the node is frozen, which the nodes do side by side.
type staged struct {
	node *node
	rrs  []dns.RR
}

// group is the records of one type (or the RRSIGs covering one type) at an owner.
// While its records are adjacent in the staged node's list (a master file lists an
// RRset's records together), rrs shares that list and next is the index after them;
// otherwise next is -1 and rrs is a list of its own.
type group struct {
	typ  uint16
	rrs  []dns.RR
	next int
}

// newStaged returns a new staged node for the lower-case name.
func (b *builder) newStaged(name string) *staged {
	if len(b.stagedChunk) == cap(b.stagedChunk) {
		b.stagedChunk = make([]staged, 0, b.chunk)
		b.nodeChunk = make([]node, 0, b.chunk)
	}
	b.stagedChunk = append(b.stagedChunk, staged{})
	b.nodeChunk = append(b.nodeChunk, node{name: name})
	s := &b.stagedChunk[len(b.stagedChunk)-1]
	s.node = &b.nodeChunk[len(b.nodeChunk)-1]
	return s
}

// add stages the record recs[i].
func (b *builder) add(recs []zonefile.Record, i int) error {
	r := &recs[i]
	if r.RR == nil {
		return nil
	}
	if b.file == "" {
		b.file = r.File
	}
	var s *staged
	if nsec3 := isNSEC3Data(r.RR); !nsec3 && b.last != nil && r.RR.Header().Name == b.lastName {
		s = b.last
	} else {
		owner := canonicalName(r.RR.Header().Name)
		if !inDomain(owner, b.origin) {
			return r.Errorf("out-of-zone", "%s is outside the zone %s", r.RR.Header().Name, b.origin)
		}
		if nsec3 {
			s = b.stageNSEC3(owner)
		} else {
			s = b.stage(owner)
			b.last, b.lastName = s, r.RR.Header().Name
		}
	}
	if s.rrs == nil {
		// The owner's first record: room for the run of records that follow it with
		// the same owner, cut from a shared chunk (carve) rather than grown by append
		// one record at a time. An owner met again later grows its list by append.
		s.rrs = carve(&b.rrChunk, runLength(recs, i), rrChunk)
	}
	s.rrs = append(s.rrs, r.RR)
	return nil
}

// addTo adds rrs[i], of type t, to the group of t in gs, creating the group when
// needed. A group shares rrs while its records are adjacent there; the first record
// that is not makes append copy the group (its capacity ends with its records).
func addTo(gs []group, t uint16, rrs []dns.RR, i int) []group {
	for k := range gs {
		g := &gs[k]
		if g.typ != t {
			continue
		}
		if g.next == i {
			g.next++
			g.rrs = rrs[i-len(g.rrs) : i+1 : i+1]
		} else {
			g.rrs = append(g.rrs, rrs[i])
			g.next = -1
		}
		return gs
	}
	return append(gs, group{typ: t, rrs: rrs[i : i+1 : i+1], next: i + 1})
}

// isNSEC3Data reports whether rr belongs to the NSEC3 chain: an NSEC3 record or a
// signature over one.
func isNSEC3Data(rr dns.RR) bool {
	switch rr := rr.(type) {
	case *dns.NSEC3:
		return true
	case *dns.RRSIG:
		return rr.TypeCovered == dns.TypeNSEC3
	}
	return false
}

// stageNSEC3 returns the staged NSEC3 node of the lower-case hashed owner. NSEC3
// owner names are not names of the zone: a query for one is answered as if it did
// not exist (RFC 5155 section 7.2.8), so they get no node in the tree and create no
// empty non-terminal; a later denial-of-existence answer finds them here.
func (b *builder) stageNSEC3(owner string) *staged {
	if s := b.nsec3[owner]; s != nil {
		return s
	}
	s := b.newStaged(owner)
	b.nsec3[owner] = s
	b.nsec3Order = append(b.nsec3Order, s)
	return s
}

// stage returns the staged node of the lower-case owner, creating it and every
// missing ancestor up to the origin: those ancestors are empty non-terminals until
// a record of theirs arrives (RFC 4592 section 2.2.2).
func (b *builder) stage(owner string) *staged {
	if s := b.staged[owner]; s != nil {
		return s
	}
	s := b.newStaged(owner)
	b.staged[owner] = s
	b.order = append(b.order, s)
	for name := owner; name != b.origin; {
		parent, ok := parentName(name)
		if !ok || b.staged[parent] != nil {
			break
		}
		p := b.newStaged(parent)
		b.staged[parent] = p
		b.order = append(b.order, p)
		name = parent
	}
	return s
}

// finish freezes the staged records into the compiled zone.
func (b *builder) finish() (*Zone, error) {
	z := &Zone{origin: b.origin}
	// The name index depends on the names alone: it is built while the nodes are
	// frozen.
	nodes := make([]*node, len(b.order))
	for i, s := range b.order {
		nodes[i] = s.node
	}
	indexed := beside(func() {
		z.nodes = make(map[string]*node, len(nodes))
		for i, n := range nodes {
			z.nodes[n.name] = n
			yield(i)
		}
	})
	z.records = freezeAll(b.order)
	z.fresh = nodes
	if len(b.nsec3Order) > 0 {
		z.nsec3 = make(map[string]*node, len(b.nsec3Order))
		for _, s := range b.nsec3Order {
			z.records += s.freeze()
			z.nsec3[s.node.name] = s.node
			z.fresh = append(z.fresh, s.node)
		}
	}
	indexed()
	// Check reports these first; Compile stays safe without it.
	z.apex = z.nodes[b.origin]
	var soaSet *RRset
	if z.apex != nil {
		soaSet = z.apex.rrset(dns.TypeSOA)
	}
	if soaSet == nil {
		return nil, &zonefile.Error{File: b.file, Rule: "no-soa", Msg: "no SOA record at the apex " + b.origin}
	}
	z.apex.flags |= flagApex
	z.soa = soaSet.first().(*dns.SOA)
	z.negSOA = negativeSOA(soaSet)

	z.markNodes(nodes)
	// The denial-of-existence index and the signature expiry read the records and
	// the cuts, and set only node.proof and z.sec: built beside the additional data.
	signed := beside(func() {
		z.indexDNSSEC(nodes)
		z.sec.expiry = z.earliestExpiry(nodes)
	})
	resolveAll(z, nodes)
	signed()
	return z, nil
}

// freeze turns the groups of s into the node's RRsets and returns how many records
// the node holds after duplicates are removed.
func (s *staged) freeze() int {
	// by type in order of first appearance, and the RRSIGs by type covered
	var groupBuf, sigBuf [8]group
	groups, sigs := groupBuf[:0], sigBuf[:0]
	for i, rr := range s.rrs {
		if sig, ok := rr.(*dns.RRSIG); ok {
			sigs = addTo(sigs, sig.TypeCovered, s.rrs, i)
		} else {
			groups = addTo(groups, rr.Header().Rrtype, s.rrs, i)
		}
	}
	for i := range sigs {
		sigs[i].rrs = dedupe(sigs[i].rrs)
	}
	e := getEncoder()
	defer encoders.Put(e)
	n := s.node
	if len(groups)+len(sigs) > 0 {
		n.sets = carve(&e.ptrs, len(groups)+min(len(sigs), 1), ptrChunk)
	}
	count := 0
	for _, g := range groups {
		if g.typ == dns.TypeNSEC || g.typ == dns.TypeNSEC3 {
			sortBitmaps(g.rrs)
		}
		set := e.newRRset(g.rrs)
		for _, sg := range sigs {
			if sg.typ == g.typ {
				set.held.sigs = sg.rrs
			}
		}
		set.encodeWith(e)
		n.sets = append(n.sets, set)
		count += len(set.held.rrs)
		if hasExtra(g.typ) {
			n.flags |= flagTargets
		}
		switch g.typ {
		case dns.TypeCNAME:
			n.flags |= flagCNAME
			set.setAux(set.SigWire(), set.first().(*dns.CNAME).Target)
		case dns.TypeDNAME:
			n.flags |= flagDNAME
			set.setAux(set.SigWire(), set.first().(*dns.DNAME).Target)
		case dns.TypeNS:
			n.ns = set
		}
	}
	// A query of type RRSIG is answered with every signature at the node, whatever
	// type it covers (RFC 4035 section 3.1.5 leaves RRSIG queries to ordinary lookup).
	var all []dns.RR
	for _, sg := range sigs {
		all = append(all, sg.rrs...)
	}
	if len(all) > 0 {
		set := e.newRRset(all)
		set.encodeWith(e)
		n.sets = append(n.sets, set)
		count += len(all)
	}
	slices.SortStableFunc(n.sets, func(a, b *RRset) int { return int(a.Type) - int(b.Type) })
	return count
}

// newRRset builds the RRset of rrs (all of one owner and type), cut from e's chunk,
// duplicates removed. The TTL of the set is the lowest of its records, and records
// with another TTL are copied with that one: an RRset has one TTL (RFC 2181 section
// 5.2). The union of RRSIGs at a node keeps each signature's own TTL, which follows
// the covered set.
func (e *encoder) newRRset(rrs []dns.RR) *RRset {
	set := &carve(&e.sets, 1, setChunk)[:1][0]
	set.held = &carve(&e.helds, 1, setChunk)[:1][0]
	set.fill(rrs)
	return set
}

// fill makes set, a zero RRset but for an empty held, the RRset of rrs, as
// newRRset says. It sets the fields one by one: a composite literal would copy the
// whole struct, with a write barrier for each of its pointer words while the
// collector runs.
func (set *RRset) fill(rrs []dns.RR) {
	rrs = dedupe(rrs)
	h := rrs[0].Header()
	set.Name, set.Type, set.TTL = h.Name, h.Rrtype, h.Ttl
	set.held.rrs = rrs
	for _, rr := range rrs[1:] {
		set.TTL = min(set.TTL, rr.Header().Ttl)
	}
	if set.Type == dns.TypeRRSIG {
		return
	}
	for i, rr := range rrs {
		if rr.Header().Ttl != set.TTL {
			c := dns.Copy(rr)
			c.Header().Ttl = set.TTL
			rrs[i] = c
		}
	}
}

// dedupe removes duplicate records (RFC 2181 section 5: an RRset is a set), keeping
// the first of each in file order. A list of up to 32 records without duplicates is
// returned as it is.
func dedupe(rrs []dns.RR) []dns.RR {
	if len(rrs) < 2 {
		return rrs
	}
	if len(rrs) <= 32 {
		// zonefile.Read has removed the duplicates of a file already: look for one before
		// copying anything.
		first := 0
	find:
		for i := 1; i < len(rrs); i++ {
			for _, o := range rrs[:i] {
				if dns.IsDuplicate(rrs[i], o) {
					first = i
					break find
				}
			}
		}
		if first == 0 {
			return rrs
		}
		out := slices.Clone(rrs[:first])
	next:
		for _, rr := range rrs[first:] {
			for _, o := range out {
				if dns.IsDuplicate(rr, o) {
					continue next
				}
			}
			out = append(out, rr)
		}
		return out
	}
	out := rrs[:0:0]
	seen := make(map[string]struct{}, len(rrs))
	for _, rr := range rrs {
		h := *rr.Header()
		key := canonicalName(h.Name) + " " + rr.String()[len(h.String()):]
		if _, ok := seen[key]; ok {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, rr)
	}
	return out
}

// byDepth returns the nodes ordered by their number of labels, shallowest first,
// in their order otherwise: a counting sort, which yields as it goes (a sort of
// a large zone would hold its processor for tens of milliseconds).
func byDepth(nodes []*node) []*node {
	depths := make([]uint8, len(nodes))
	var counts [maxNameWire/2 + 2]int
	for i, n := range nodes {
		yield(i)
		d := min(dns.CountLabel(n.name), len(counts)-2)
		depths[i] = uint8(d)
		counts[d+1]++
	}
	for d := 1; d < len(counts); d++ {
		counts[d] += counts[d-1]
	}
	out := make([]*node, len(nodes))
	for i, n := range nodes {
		yield(i)
		out[counts[depths[i]]] = n
		counts[depths[i]]++
	}
	return out
}

// markNodes sets the wildcard child and zone-cut facts of every node.
func (z *Zone) markNodes(nodes []*node) {
	for i, n := range nodes {
		yield(i)
		if n.ns != nil && n != z.apex {
			n.flags |= flagDelegation
		}
		z.dnames = z.dnames || n.is(flagDNAME)
		if isWildcardName(n.name) {
			z.wildcards = true
			if p, ok := parentName(n.name); ok {
				if parent := z.nodes[p]; parent != nil {
					parent.wild = n
				}
			}
		}
	}
	// Cuts are inherited top-down: the topmost delegation point or DNAME owner wins,
	// as the walk down the tree of RFC 1034 section 4.3.2 step 3 meets it first.
	for i, n := range byDepth(nodes) {
		yield(i)
		if n != z.apex {
			if p, ok := parentName(n.name); ok {
				if parent := z.nodes[p]; parent != nil && parent.cut != nil {
					n.cut = parent.cut
					continue
				}
			}
		}
		if n.is(flagDelegation) || n.is(flagDNAME) {
			n.cut = n
		}
	}
}

package zone

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Diff is one delta of an incremental zone transfer (RFC 1995 section 4): the
// records the new version no longer holds, then the records it gains. Removed
// starts with the old version's SOA and Added with the new version's SOA.
type Diff struct {
	Removed, Added []dns.RR
}

// ErrDiffMismatch is wrapped by the error of Apply when the deltas do not fit the
// version they are applied to: a removed record is absent, an added record is
// already there, or the SOA serials do not chain. The zone must then be transferred
// whole (AXFR), as NSD and Knot DNS do when an IXFR is out of sync.
var ErrDiffMismatch = errors.New("the IXFR deltas do not apply to the zone version held")

// DiffOf returns the delta that turns old into new, the smallest there is: the
// records only old holds (a record whose TTL changed among them), then those only
// new holds, each list in the order of Records and led by the version's SOA. It is
// what the primary side journals for IXFR (RFC 1995 section 4).
//
// It walks the names of the two versions side by side in that order and compares
// their RRsets (diffWalk): an RRset the versions share (a version made by Apply
// shares every name the change left alone) or whose wire forms are the same costs
// a pointer or byte compare, and only the RRsets that differ are decoded and
// compared record by record. The work is one pass over the names, and what it
// allocates follows the change, not the zone.
func DiffOf(old, new *Zone) Diff {
	w := diffWalk{d: Diff{Removed: []dns.RR{old.soa}, Added: []dns.RR{new.soa}}}
	o, n := slices.Collect(old.recordNodes()), slices.Collect(new.recordNodes())
	buf := make([]byte, maxNameWire+1)
	var ko, kn []byte
	for i, j := 0, 0; i < len(o) || j < len(n); {
		switch {
		case j == len(n):
			w.nodes(o[i], nil)
			i++
		case i == len(o):
			w.nodes(nil, n[j])
			j++
		case o[i] == n[j] || o[i].name == n[j].name:
			w.nodes(o[i], n[j])
			i, j = i+1, j+1
		default:
			ko = appendCanonicalKey(ko[:0], o[i].name, buf)
			kn = appendCanonicalKey(kn[:0], n[j].name, buf)
			if bytes.Compare(ko, kn) < 0 {
				w.nodes(o[i], nil)
				i++
			} else {
				w.nodes(nil, n[j])
				j++
			}
		}
	}
	return w.d
}

// diffWalk is one run of DiffOf.
type diffWalk struct {
	d  Diff
	sr setSorter
}

// nodes adds the differences between a, a name of the old version, and b, the
// same name in the new one; either is nil when the version lacks the name. The
// RRsets of a node are sorted by type, so they pair up in one pass.
func (w *diffWalk) nodes(a, b *node) {
	if a == b {
		return // shared by Apply: nothing changed
	}
	var as, bs []*RRset
	if a != nil {
		as = a.sets
	}
	if b != nil {
		bs = b.sets
	}
	for len(as) > 0 || len(bs) > 0 {
		switch {
		case len(bs) == 0 || len(as) > 0 && as[0].Type < bs[0].Type:
			w.sets(as[0], nil)
			as = as[1:]
		case len(as) == 0 || bs[0].Type < as[0].Type:
			w.sets(nil, bs[0])
			bs = bs[1:]
		default:
			w.sets(as[0], bs[0])
			as, bs = as[1:], bs[1:]
		}
	}
}

// sets adds the differences between a and b, the RRsets of one owner and type in
// the old and the new version (either nil when absent). The SOA is the delta's
// first record on each side, not compared here.
func (w *diffWalk) sets(a, b *RRset) {
	if a == b || (a != nil && a.Type == dns.TypeSOA) || (b != nil && b.Type == dns.TypeSOA) ||
		(a != nil && b != nil && sameWire(a, b)) {
		return
	}
	var ra, rb []dns.RR
	if a != nil {
		ra = w.sr.appendSorted(nil, a)
	}
	if b != nil {
		rb = w.sr.appendSorted(nil, b)
	}
	inB, inA := newRecordIndex(rb), newRecordIndex(ra)
	for _, rr := range ra {
		if same, ok := inB.find(rr); !ok || same.Header().Ttl != rr.Header().Ttl {
			w.d.Removed = append(w.d.Removed, rr)
		}
	}
	for _, rr := range rb {
		if same, ok := inA.find(rr); !ok || same.Header().Ttl != rr.Header().Ttl {
			w.d.Added = append(w.d.Added, rr)
		}
	}
}

// sameWire reports whether a and b hold the same records with the same TTLs in
// the same order, by their wire forms. False is not a difference: the records
// are then compared one by one, which tells letter case and order apart.
func sameWire(a, b *RRset) bool {
	if a.holds() || b.holds() || a.OwnerWire == nil || b.OwnerWire == nil || len(a.Wire) != len(b.Wire) {
		return false
	}
	for i := range a.Wire {
		x, y := &a.Wire[i], &b.Wire[i]
		if x.Type != y.Type || x.Class != y.Class || x.TTL != y.TTL || !bytes.Equal(x.RData, y.RData) {
			return false
		}
	}
	return true
}

// apply takes the delta d out of and into the index, whose version has the SOA soa,
// and returns the new SOA.
func (ix *recordIndex) apply(soa *dns.SOA, d Diff) (*dns.SOA, error) {
	if len(d.Removed) == 0 || len(d.Added) == 0 {
		return nil, fmt.Errorf("%w: a delta without its SOAs", ErrDiffMismatch)
	}
	from, ok1 := d.Removed[0].(*dns.SOA)
	to, ok2 := d.Added[0].(*dns.SOA)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: a delta that does not start with SOA records", ErrDiffMismatch)
	}
	if from.Serial != soa.Serial {
		return nil, fmt.Errorf("%w: the delta is from serial %d, the version held has serial %d", ErrDiffMismatch, from.Serial, soa.Serial)
	}
	for _, rr := range d.Removed[1:] {
		if rr.Header().Rrtype == dns.TypeSOA || !ix.remove(rr) {
			return nil, fmt.Errorf("%w: the removed record %s is not in serial %d", ErrDiffMismatch, rr, soa.Serial)
		}
	}
	for _, rr := range d.Added[1:] {
		if rr.Header().Rrtype == dns.TypeSOA || !ix.add(rr) {
			return nil, fmt.Errorf("%w: the added record %s is already in serial %d", ErrDiffMismatch, rr, to.Serial)
		}
	}
	return to, nil
}

// recordIndex is a list of records that finds a record by its identity: owner name
// (ASCII case ignored, RFC 4343), class, type and RDATA, never the TTL. Two records
// are one when their wire forms are equal that way, or when dns.IsDuplicate says so
// (it ignores the case of names in RDATA too): a record read from a master file and
// the same record received in a transfer may differ in how miekg/dns holds them
// (the case of a DS digest in hex, say), never in their wire form.
type recordIndex struct {
	rrs   []dns.RR         // nil where a record was removed
	exact []string         // the wire form of each, owner lower-cased and TTL zeroed
	byID  map[string][]int // identity key -> indexes in rrs
	pack  wirePacker
}

// newRecordIndex indexes rrs, which must hold no two records of one identity.
func newRecordIndex(rrs []dns.RR) *recordIndex {
	ix := &recordIndex{byID: make(map[string][]int, len(rrs))}
	for _, rr := range rrs {
		ix.add(rr)
	}
	return ix
}

// keys returns the wire form of rr with the owner lower-cased and the TTL zeroed,
// and the bucket of its identity: the same with every octet ASCII lower-cased, so
// that records differing in the case of names in RDATA share it.
func (ix *recordIndex) keys(rr dns.RR) (exact, bucket string) {
	w, rdata := ix.pack.wire(rr)
	if w == nil {
		h := rr.Header()
		text := strings.ToLower(h.Name) + " " + rr.String()[len(h.String()):] // unpackable: its text
		return text, text
	}
	clear(w[rdata-6 : rdata-2]) // the TTL, before RDLENGTH (RFC 1035 section 4.1.3)
	lowerASCII(w[:rdata])
	exact = string(w)
	lowerASCII(w[rdata:])
	return exact, string(w)
}

// lowerASCII lower-cases the ASCII letters of b.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// lookup returns the keys of rr and the position in its bucket of the record of
// rr's identity, -1 when none is held.
func (ix *recordIndex) lookup(rr dns.RR) (exact, bucket string, at int) {
	exact, bucket = ix.keys(rr)
	for j, i := range ix.byID[bucket] {
		if ix.exact[i] == exact || dns.IsDuplicate(ix.rrs[i], rr) {
			return exact, bucket, j
		}
	}
	return exact, bucket, -1
}

// find returns the record of rr's identity held, if any.
func (ix *recordIndex) find(rr dns.RR) (dns.RR, bool) {
	_, bucket, j := ix.lookup(rr)
	if j < 0 {
		return nil, false
	}
	return ix.rrs[ix.byID[bucket][j]], true
}

// add adds rr unless a record of its identity is held, and reports whether it did.
func (ix *recordIndex) add(rr dns.RR) bool {
	exact, bucket, j := ix.lookup(rr)
	if j >= 0 {
		return false
	}
	ix.byID[bucket] = append(ix.byID[bucket], len(ix.rrs))
	ix.rrs = append(ix.rrs, rr)
	ix.exact = append(ix.exact, exact)
	return true
}

// remove removes the record of rr's identity and reports whether one was held.
func (ix *recordIndex) remove(rr dns.RR) bool {
	_, bucket, j := ix.lookup(rr)
	if j < 0 {
		return false
	}
	idxs := ix.byID[bucket]
	ix.rrs[idxs[j]], ix.exact[idxs[j]] = nil, ""
	ix.byID[bucket] = append(idxs[:j:j], idxs[j+1:]...)
	return true
}

// records returns the records held, in the order they were added.
func (ix *recordIndex) records() []dns.RR {
	out := make([]dns.RR, 0, len(ix.rrs))
	for _, rr := range ix.rrs {
		if rr != nil {
			out = append(out, rr)
		}
	}
	return out
}

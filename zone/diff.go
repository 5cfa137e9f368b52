package zone

import (
	"errors"
	"fmt"
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
func DiffOf(old, new *Zone) Diff {
	o, n := old.Records(), new.Records()
	d := Diff{Removed: []dns.RR{o[0]}, Added: []dns.RR{n[0]}}
	inNew := newRecordIndex(n[1:])
	inOld := newRecordIndex(o[1:])
	for _, rr := range o[1:] {
		if same, ok := inNew.find(rr); !ok || same.Header().Ttl != rr.Header().Ttl {
			d.Removed = append(d.Removed, rr)
		}
	}
	for _, rr := range n[1:] {
		if same, ok := inOld.find(rr); !ok || same.Header().Ttl != rr.Header().Ttl {
			d.Added = append(d.Added, rr)
		}
	}
	return d
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

package zone

import (
	"hash/maphash"
	"strings"

	"github.com/miekg/dns"
)

// dedup finds records that repeat an earlier one. RFC 2181 section 5 makes an RRset a
// set: a record that equals another in owner name (case-insensitively, RFC 4343), class,
// type and RDATA adds nothing, so the first one read is kept and its TTL wins, as in NSD.
//
// Records are bucketed by owner, type and a hash of their RDATA in wire form with ASCII
// letters folded to lower case (so that names in RDATA that differ only in case land in
// the same bucket); dns.IsDuplicate then decides within the bucket. This keeps a huge
// RRset (a $GENERATE of 65,536 TXT records at one owner) linear instead of quadratic.
type dedup struct {
	byKey map[dedupKey][]int // indexes into the kept records
	seed  maphash.Seed
	buf   []byte
}

type dedupKey struct {
	name  string // lower-case owner
	rtype uint16
	rdata uint64 // hash of the case-folded RDATA
}

// newDedup returns a dedup sized for about n records.
func newDedup(n int) *dedup {
	return &dedup{
		byKey: make(map[dedupKey][]int, n),
		seed:  maphash.MakeSeed(),
	}
}

// duplicate reports whether rr repeats one of kept; if not, it remembers that rr will
// be kept at index i. A repeated SOA is not a duplicate here: a zone has exactly one
// SOA record (RFC 1035 section 5.2) and Check reports the second one, as nsd-checkzone
// does ("this SOA record was already encountered").
func (d *dedup) duplicate(i int, rr dns.RR, kept []Record) bool {
	h := rr.Header()
	k := dedupKey{name: strings.ToLower(h.Name), rtype: h.Rrtype, rdata: d.hash(rr)}
	if h.Rrtype != dns.TypeSOA {
		for _, j := range d.byKey[k] {
			if dns.IsDuplicate(kept[j].RR, rr) {
				return true
			}
		}
	}
	d.byKey[k] = append(d.byKey[k], i)
	return false
}

// hash returns the hash of rr's case-folded RDATA.
func (d *dedup) hash(rr dns.RR) uint64 {
	var rdata []byte
	if need := dns.Len(rr); len(d.buf) < need {
		d.buf = make([]byte, max(need, 2*len(d.buf), 512))
	}
	end, err := dns.PackRR(rr, d.buf, 0, nil, false)
	start := dns.Len(rr.Header()) // the uncompressed header: owner, type, class, TTL, RDLENGTH
	if err == nil && start <= end {
		rdata = d.buf[start:end]
	} else {
		// cannot be packed: hash the text of the RDATA instead
		text, hdr := rr.String(), rr.Header().String()
		rdata = []byte(strings.TrimPrefix(text, hdr))
	}
	for i, c := range rdata {
		if 'A' <= c && c <= 'Z' {
			rdata[i] = c + 'a' - 'A'
		}
	}
	return maphash.Bytes(d.seed, rdata)
}

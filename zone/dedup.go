package zone

import (
	"encoding/binary"
	"hash/maphash"
	"strings"

	"github.com/miekg/dns"
)

// dedup finds records that repeat an earlier one. RFC 2181 section 5 makes an RRset a
// set: a record that equals another in owner name (case-insensitively, RFC 4343), class,
// type and RDATA adds nothing, so the first one read is kept and its TTL wins, as in NSD.
//
// Each record is reduced to one 64-bit hash of its wire form without the TTL, with ASCII
// letters folded to lower case (so that owners and names in RDATA that differ only in
// case hash alike); dns.IsDuplicate then decides among the kept records of equal hash.
// This keeps a huge RRset (a $GENERATE of 65,536 TXT records at one owner) linear
// instead of quadratic, and costs one integer-keyed map entry per record: no owner
// string is copied and nothing is allocated per record.
//
// The hashes are computed where the records are parsed (a hasher per parser, all with
// one seed), so that the parts of a file parsed side by side hash theirs side by side.
type dedup struct {
	head map[uint64]int32 // hash -> index of the last kept record with that hash
	next []int32          // kept record index -> previous kept record of equal hash, or -1
}

// newDedup returns a dedup sized for about n records.
func newDedup(n int) *dedup {
	return &dedup{
		head: make(map[uint64]int32, n),
		next: make([]int32, 0, n),
	}
}

// duplicate reports whether rr, whose hash is k, repeats one of kept; if not, it
// remembers that rr will be kept at index i, which must be len(kept). A repeated SOA
// is not a duplicate here: a zone has exactly one SOA record (RFC 1035 section 5.2)
// and Check reports the second one, as nsd-checkzone does ("this SOA record was
// already encountered").
func (d *dedup) duplicate(i int, k uint64, rr dns.RR, kept []Record) bool {
	prev, ok := d.head[k]
	if !ok {
		prev = -1
	}
	if rr.Header().Rrtype != dns.TypeSOA {
		for j := prev; j >= 0; j = d.next[j] {
			if dns.IsDuplicate(kept[j].RR, rr) {
				return true
			}
		}
	}
	d.head[k] = int32(i)
	d.next = append(d.next, prev)
	return false
}

// hasher computes the dedup hash of records; one is used by one goroutine at a time.
type hasher struct {
	seed maphash.Seed
	buf  []byte
}

func newHasher(seed maphash.Seed) *hasher { return &hasher{seed: seed} }

// hash returns the hash of rr's owner, type, class and RDATA, case-folded: its
// uncompressed wire form (RFC 1035 section 4.1.3) with the TTL zeroed.
//
// An RRSIG is hashed from its fields instead, with the signature as the base64 text
// it was read as: dns.IsDuplicate compares that text, and packing would decode it for
// half the records of a signed zone.
func (d *hasher) hash(rr dns.RR) uint64 {
	var b []byte
	if sig, ok := rr.(*dns.RRSIG); ok {
		b = d.rrsig(sig)
	} else {
		b = d.wire(rr)
	}
	// Label lengths (at most 63) and the fixed fields may be folded too: the fold
	// only has to map equal records to equal bytes.
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return maphash.Bytes(d.seed, b)
}

// wire returns rr's uncompressed wire form with the TTL zeroed, or its owner, type
// and RDATA text when it cannot be packed.
func (d *hasher) wire(rr dns.RR) []byte {
	if need := dns.Len(rr); len(d.buf) < need {
		d.buf = make([]byte, max(need, 2*len(d.buf), 512))
	}
	end, err := dns.PackRR(rr, d.buf, 0, nil, false)
	start := dns.Len(rr.Header()) // the header: owner, type, class, TTL, RDLENGTH
	if err == nil && start >= 10 && start <= end {
		b := d.buf[:end]
		clear(b[start-6 : start-2]) // the TTL
		return b
	}
	h := rr.Header()
	b := append(d.buf[:0], h.Name...)
	b = binary.BigEndian.AppendUint16(b, h.Rrtype)
	b = append(b, strings.TrimPrefix(rr.String(), h.String())...)
	d.buf = b[:cap(b)]
	return b
}

// rrsig returns the fields of sig that dns.IsDuplicate compares, names and
// signature as text (a name in text form holds no 0 byte: it would be "\000").
func (d *hasher) rrsig(sig *dns.RRSIG) []byte {
	h := sig.Header()
	b := append(d.buf[:0], h.Name...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, h.Rrtype)
	b = binary.BigEndian.AppendUint16(b, h.Class)
	b = binary.BigEndian.AppendUint16(b, sig.TypeCovered)
	b = append(b, sig.Algorithm, sig.Labels)
	b = binary.BigEndian.AppendUint32(b, sig.OrigTtl)
	b = binary.BigEndian.AppendUint32(b, sig.Expiration)
	b = binary.BigEndian.AppendUint32(b, sig.Inception)
	b = binary.BigEndian.AppendUint16(b, sig.KeyTag)
	b = append(b, sig.SignerName...)
	b = append(b, 0)
	b = append(b, sig.Signature...)
	d.buf = b[:cap(b)]
	return b
}

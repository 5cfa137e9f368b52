package zonefile

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
// and zone.Check reports the second one, as nsd-checkzone does ("this SOA record was
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
// The types that make up large zones (delegations, glue, DNSSEC) are hashed from
// the fields dns.IsDuplicate compares instead, names as the text they were read as
// (it compares names as text, ASCII case-folded): packing would convert every name
// to wire form, and decode the base64 signature of an RRSIG. Either way, records
// that dns.IsDuplicate calls equal hash alike, which is all the index needs.
func (d *hasher) hash(rr dns.RR) uint64 {
	var b []byte
	switch r := rr.(type) {
	case *dns.RRSIG:
		b = d.rrsig(r)
	case *dns.NS:
		b = appendFold(d.header(rr), r.Ns)
	case *dns.A:
		b = append(d.header(rr), r.A.To16()...) // net.IP.Equal: 4 and 16 octet forms alike
	case *dns.AAAA:
		b = append(d.header(rr), r.AAAA.To16()...)
	case *dns.DS:
		b = binary.BigEndian.AppendUint16(d.header(rr), r.KeyTag)
		b = append(b, r.Algorithm, r.DigestType)
		b = append(b, r.Digest...)
	case *dns.NSEC:
		b = appendFold(d.header(rr), r.NextDomain)
		b = append(b, 0)
		for _, t := range r.TypeBitMap {
			b = binary.BigEndian.AppendUint16(b, t)
		}
	default:
		// Label lengths (at most 63) and the fixed fields are folded too: the fold
		// only has to map equal records to equal bytes.
		b = d.wire(rr)
		foldASCII(b)
	}
	d.buf = b[:cap(b)]
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

// header returns, in the hasher's buffer, the header fields of rr that
// dns.IsDuplicate compares: owner as text, then a 0 octet (a name in text form holds
// none: it would be "\000"), type and class.
func (d *hasher) header(rr dns.RR) []byte {
	h := rr.Header()
	b := appendFold(d.buf[:0], h.Name)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, h.Rrtype)
	return binary.BigEndian.AppendUint16(b, h.Class)
}

// appendFold appends s to b with ASCII letters in lower case.
func appendFold(b []byte, s string) []byte {
	n := len(b)
	b = append(b, s...)
	foldASCII(b[n:])
	return b
}

// foldASCII turns the ASCII letters of b to lower case.
func foldASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// rrsig returns the fields of sig that dns.IsDuplicate compares, names (case-folded)
// and signature (as read: compared exactly) as text.
func (d *hasher) rrsig(sig *dns.RRSIG) []byte {
	b := d.header(sig)
	b = binary.BigEndian.AppendUint16(b, sig.TypeCovered)
	b = append(b, sig.Algorithm, sig.Labels)
	b = binary.BigEndian.AppendUint32(b, sig.OrigTtl)
	b = binary.BigEndian.AppendUint32(b, sig.Expiration)
	b = binary.BigEndian.AppendUint32(b, sig.Inception)
	b = binary.BigEndian.AppendUint16(b, sig.KeyTag)
	b = appendFold(b, sig.SignerName)
	b = append(b, 0)
	return append(b, sig.Signature...)
}

package zone

import (
	"bytes"
	"encoding/hex"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// denial says how a signed zone proves that a name or a type does not exist.
type denial uint8

const (
	// noDenial: the zone is not signed, and negative answers carry no proof.
	noDenial denial = iota
	// nsecDenial: an NSEC chain (RFC 4034 section 4, RFC 4035 section 3.1.3).
	nsecDenial
	// nsec3Denial: an NSEC3 chain of hashed names (RFC 5155).
	nsec3Denial
)

// String names the denial of existence in logs and tests.
func (d denial) String() string {
	switch d {
	case nsecDenial:
		return "NSEC"
	case nsec3Denial:
		return "NSEC3"
	}
	return "unsigned"
}

// signedIndex is what a signed zone needs, beyond its records, to answer a query
// with the DO bit set (RFC 4035 section 3.1): the chain that proves names and
// types absent, searchable without allocating. It is built once, at compile time
// (see indexDNSSEC); each node that the chain names points at its own NSEC or
// matching NSEC3 RRset (node.proof).
type signedIndex struct {
	denial denial
	nsec   keyTable    // NSEC: the owners' canonical keys, in canonical order
	nsec3  hashTable   // NSEC3: the owner hashes, ascending
	params nsec3Params // NSEC3: the parameters of the chain served
	expiry time.Time   // the earliest expiration of a signature (SignatureExpiry)
}

// Denial returns how the zone proves non-existence: "NSEC", "NSEC3" or "unsigned".
func (z *Zone) Denial() string { return z.sec.denial.String() }

// indexDNSSEC learns, once the nodes are marked, whether the zone is signed and how
// it denies existence, and indexes its chain. Like Knot DNS, a zone is signed when
// its apex SOA is; it uses NSEC3 when the apex has an NSEC3PARAM record (RFC 5155
// section 4: the parameters of the chain an authoritative server uses), NSEC
// otherwise.
func (z *Zone) indexDNSSEC(nodes []*node) {
	if soa := z.apex.rrset(dns.TypeSOA); soa == nil || len(soa.Signatures()) == 0 {
		return
	}
	if p, ok := z.apexNSEC3Params(); ok {
		z.sec.denial = nsec3Denial
		z.sec.params = p
		z.indexNSEC3(nodes)
		return
	}
	z.sec.denial = nsecDenial
	z.indexNSEC(nodes)
}

// apexNSEC3Params returns the parameters of the first NSEC3PARAM record at the apex
// that a server may use: flags 0 (RFC 5155 section 4.1.2: others "MUST be ignored")
// and hash algorithm SHA-1.
func (z *Zone) apexNSEC3Params() (nsec3Params, bool) {
	set := z.apex.rrset(dns.TypeNSEC3PARAM)
	if set == nil {
		return nsec3Params{}, false
	}
	for _, rr := range set.Records() {
		p := rr.(*dns.NSEC3PARAM)
		if p.Flags != 0 || p.Hash != nsec3SHA1 {
			continue
		}
		salt, ok := decodeSalt(p.Salt)
		if !ok {
			continue
		}
		return nsec3Params{iterations: p.Iterations, salt: salt}, true
	}
	return nsec3Params{}, false
}

// decodeSalt decodes the salt of an NSEC3 or NSEC3PARAM record as miekg/dns holds
// it: hex, "" or "-" for none (RFC 5155 section 3.3).
func decodeSalt(s string) ([]byte, bool) {
	if s == "" || s == "-" {
		return nil, true
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// authoritative reports whether the node is on the chain's side of the zone: not
// below a zone cut or a DNAME (RFC 4035 section 2.3: names below a cut have no NSEC;
// RFC 5155 section 7.1 likewise for NSEC3). A delegation point is.
func (n *node) authoritative() bool { return n.cut == nil || n.cut == n }

// indexNSEC points every node that has an NSEC RRset at it and lists those RRsets
// in the canonical order of their owners (RFC 4034 section 6.1), the order of the
// chain, keyed for a byte-compare binary search.
func (z *Zone) indexNSEC(nodes []*node) {
	type entry struct {
		key []byte
		set *RRset
	}
	var entries []entry
	var wire [maxNameWire + 1]byte
	for _, n := range nodes {
		set := n.rrset(dns.TypeNSEC)
		if set == nil || !n.authoritative() {
			continue
		}
		w, ok := NameToWire(wire[:0], n.name)
		if !ok {
			continue
		}
		n.proof = set
		entries = append(entries, entry{canonicalKey(nil, w), set})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	t := &z.sec.nsec
	size := 0
	for _, e := range entries {
		size += len(e.key)
	}
	t.keys = make([]byte, 0, size)
	t.ends = make([]uint32, len(entries))
	t.sets = make([]*RRset, len(entries))
	for i, e := range entries {
		t.keys = append(t.keys, e.key...)
		t.ends[i] = uint32(len(t.keys))
		t.sets[i] = e.set
	}
}

// indexNSEC3 sorts the NSEC3 RRsets of the chain the apex names by owner hash, then
// hashes the name of every authoritative node once and points it at its matching
// NSEC3 RRset, if any: empty non-terminals have one too, except those that exist
// only because of insecure delegations under Opt-Out (RFC 5155 section 7.1), and so
// do delegations outside Opt-Out spans.
func (z *Zone) indexNSEC3(nodes []*node) {
	type entry struct {
		hash []byte
		set  *RRset
	}
	var entries []entry
	for _, n := range z.nsec3 {
		set := n.rrset(dns.TypeNSEC3)
		if set == nil || !z.sec.params.matches(set.first().(*dns.NSEC3)) {
			continue // another chain's, during a change of parameters
		}
		if h, ok := ownerHash(n.name); ok {
			entries = append(entries, entry{h, set})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.hash, b.hash) })
	t := &z.sec.nsec3
	t.hashes = make([]byte, 0, len(entries)*hashLen)
	t.sets = make([]*RRset, len(entries))
	for i, e := range entries {
		t.hashes = append(t.hashes, e.hash...)
		t.sets[i] = e.set
	}
	z.hashNodes(nodes)
}

// matches reports whether the NSEC3 record belongs to the chain of p (RFC 5155
// section 4: the NSEC3PARAM record names the chain by its parameters).
func (p *nsec3Params) matches(r *dns.NSEC3) bool {
	if r.Hash != nsec3SHA1 || r.Iterations != p.iterations {
		return false
	}
	salt, ok := decodeSalt(strings.ToLower(r.Salt))
	return ok && bytes.Equal(salt, p.salt)
}

// hashNodes sets node.proof to the matching NSEC3 RRset of every authoritative node,
// hashing the names on every CPU: with iterations, hashing is most of the cost of
// compiling a large NSEC3 zone.
func (z *Zone) hashNodes(nodes []*node) {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(nodes)/4096))
	var wg sync.WaitGroup
	per := (len(nodes) + workers - 1) / workers
	for lo := 0; lo < len(nodes); lo += per {
		part := nodes[lo:min(lo+per, len(nodes))]
		wg.Go(func() {
			var buf hashBuf
			var wire [maxNameWire + 1]byte
			for _, n := range part {
				if !n.authoritative() {
					continue
				}
				w, ok := NameToWire(wire[:0], n.name)
				if !ok {
					continue
				}
				h := z.sec.params.hash(&buf, w)
				if set, match := z.sec.nsec3.lookup(h[:]); match {
					n.proof = set
				}
			}
		})
	}
	wg.Wait()
}

// sortBitmaps puts the type bitmap of each NSEC or NSEC3 record in rrs in ascending
// order without repeats, replacing the records that need it by sorted copies. The
// bitmap is a set (RFC 4034 section 4.1.2), and master files may list its types in
// any order (RFC 5155 appendix A's zone does), but miekg/dns packs only a sorted one.
func sortBitmaps(rrs []dns.RR) {
	for i, rr := range rrs {
		var bitmap *[]uint16
		switch r := rr.(type) {
		case *dns.NSEC:
			bitmap = &r.TypeBitMap
		case *dns.NSEC3:
			bitmap = &r.TypeBitMap
		default:
			continue
		}
		if isStrictlySorted(*bitmap) {
			continue
		}
		c := dns.Copy(rr)
		switch r := c.(type) {
		case *dns.NSEC:
			r.TypeBitMap = slices.Compact(slices.Sorted(slices.Values(r.TypeBitMap)))
		case *dns.NSEC3:
			r.TypeBitMap = slices.Compact(slices.Sorted(slices.Values(r.TypeBitMap)))
		}
		rrs[i] = c
	}
}

// isStrictlySorted reports whether types is ascending without repeats.
func isStrictlySorted(types []uint16) bool {
	for i := 1; i < len(types); i++ {
		if types[i] <= types[i-1] {
			return false
		}
	}
	return true
}

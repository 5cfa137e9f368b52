package zone

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/miekg/dns"
)

// WireRR is one record of an RRset in wire form, encoded once at compile time so
// that the query path copies bytes instead of packing records (as NSD and Knot DNS
// store RDATA in wire form).
//
// The owner name is not part of it (it is the RRset's, or a name the lookup
// synthesized). RData is uncompressed; NameAt says where the domain names inside
// it start, so that a writer can compress them (when Compress is set) or offer
// them as compression targets for later names (RFC 1035 section 4.1.4). It takes
// 40 octets, with its offsets inline: a zone holds millions.
type WireRR struct {
	Type  uint16
	Class uint16
	TTL   uint32
	// RData is the record's RDATA with every domain name uncompressed.
	RData []byte
	// NameAt[:NameCount] are the offsets in RData of the domain names it contains,
	// in order: all of them for the types a writer may compress, which have at
	// most two (SOA and MINFO); the first two for other types (a HIP record's
	// rendezvous servers can be more), whose names are only offered as compression
	// targets, so that one beyond them is written as it is and offered to no later
	// name: the reply is as valid, at most a few octets longer.
	NameAt    [2]uint16
	NameCount uint8
	// Compress is true for the types whose RDATA names a server may compress: the
	// well-known types of RFC 1035 (RFC 3597 section 4). Names in the RDATA of
	// any other type must be sent as they are.
	Compress bool
}

// addName appends off to the names of w, beyond the first two only for a type
// whose names may be compressed (which has none there).
func (w *WireRR) addName(off int) {
	if int(w.NameCount) < len(w.NameAt) {
		w.NameAt[w.NameCount] = uint16(off)
		w.NameCount++
	}
}

// compressible reports whether a server may compress the domain names in the
// RDATA of type t: only those of the types defined in RFC 1035 (RFC 3597 section
// 4, which names NS, CNAME, SOA, MX and PTR among them; RFC 1035 also defines MD,
// MF, MB, MG, MR and MINFO).
func compressible(t uint16) bool {
	switch t {
	case dns.TypeNS, dns.TypeMD, dns.TypeMF, dns.TypeCNAME, dns.TypeSOA, dns.TypeMB,
		dns.TypeMG, dns.TypeMR, dns.TypePTR, dns.TypeMINFO, dns.TypeMX:
		return true
	}
	return false
}

// encodeWire computes the wire forms of s: its owner name and every record and
// signature. A record that does not pack leaves s without wire forms (OwnerWire
// nil), and the server then packs the reply with miekg/dns instead.
func (s *RRset) encodeWire() {
	e := getEncoder()
	defer encoders.Put(e)
	s.encodeWith(e)
}

// encodeWith is encodeWire with the encoder e, whose chunks the wire forms are
// cut from.
func (s *RRset) encodeWith(e *encoder) {
	target := s.target()
	s.OwnerWire, s.Wire = nil, nil
	s.setAux(nil, target)
	// The RRsets of a node are encoded one after the other with one encoder and
	// are usually written with one spelling of the owner: they share its wire form.
	owner := e.owner
	if owner == nil || e.ownerName != s.Name {
		// The wire form of a name is at most one octet longer than its text:
		// escapes only shorten it.
		var ok bool
		if owner, ok = NameToWire(carve(&e.bytes, len(s.Name)+1, byteChunk), s.Name); !ok {
			return
		}
		e.owner, e.ownerName = owner, s.Name
	}
	e.slab = nil
	// Every record of the set has the owner s.Name but for letter case, so the
	// same length on the wire.
	wire, ok := e.encodeRRs(s.Records(), len(owner))
	if !ok {
		return
	}
	sigs, ok := e.encodeRRs(s.Signatures(), len(owner))
	if !ok {
		return
	}
	s.OwnerWire, s.Wire = owner, wire
	s.setAux(sigs, target)
}

// encoders holds the memory reused from one RRset to the next while compiling.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

// getEncoder takes an encoder from encoders for the RRsets of one node: it shares
// no owner wire form with an earlier node's (or an earlier zone's).
func getEncoder() *encoder {
	e := encoders.Get().(*encoder)
	e.owner, e.ownerName = nil, ""
	return e
}

// encoder packs records. The RDATA and name offsets of one RRset go into two
// shared arrays (slab, names), so that an RRset costs a few allocations however
// many records it has.
type encoder struct {
	buf  []byte
	comp map[string]int
	slab []byte
	// owner is the wire form of ownerName, the owner of the RRset encoded last.
	owner     []byte
	ownerName string
	// The chunks the wire forms and RRsets are cut from (carve).
	bytes []byte
	wires []WireRR
	sets  []RRset
	helds []heldRecords
	ptrs  []*RRset
}

// encodeRRs returns the wire forms of rrs, whose owner takes ownerLen octets.
func (e *encoder) encodeRRs(rrs []dns.RR, ownerLen int) ([]WireRR, bool) {
	if len(rrs) == 0 {
		return nil, true
	}
	size := 0
	for _, rr := range rrs {
		// Len is the uncompressed length: owner, 10 octets of fixed fields, RDATA.
		size += max(0, dns.Len(rr)-ownerLen-10)
	}
	e.slab = carve(&e.bytes, size, byteChunk)
	out := carve(&e.wires, len(rrs), wireChunk)
	for _, rr := range rrs {
		w, ok := e.encodeRR(rr, ownerLen)
		if !ok {
			return nil, false
		}
		out = append(out, w)
	}
	return out, true
}

// hasNames reports whether records of type t may hold domain names in their RDATA:
// false only for the common types known to hold none.
func hasNames(t uint16) bool {
	switch t {
	case dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeDS, dns.TypeDNSKEY, dns.TypeCDS,
		dns.TypeCDNSKEY, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeCAA, dns.TypeTLSA,
		dns.TypeSSHFP, dns.TypeZONEMD, dns.TypeSPF:
		return false
	}
	return true
}

// encodeRR packs rr uncompressed and finds the domain names in its RDATA.
// miekg/dns is asked where the names are: given a compression map it records the
// offset of every name suffix it writes, and the names of the RDATA are the
// maximal runs of labels starting at those offsets. A name equal to a suffix of
// the owner is not found that way, which does not matter: the owner is written
// first, so such a name is already a compression target. For the compressible
// types the names are found by their layout instead.
func (e *encoder) encodeRR(rr dns.RR, ownerLen int) (WireRR, bool) {
	h := rr.Header()
	if n := dns.Len(rr) + 64; cap(e.buf) < n {
		e.buf = make([]byte, n)
	}
	buf := e.buf[:cap(e.buf)]
	var comp map[string]int
	names := hasNames(h.Rrtype) && !compressible(h.Rrtype)
	if names {
		if e.comp == nil {
			e.comp = make(map[string]int)
		}
		comp = e.comp
		clear(comp)
	}
	end, err := dns.PackRR(rr, buf, 0, comp, false)
	if err != nil {
		return WireRR{}, false
	}
	// The owner, then TYPE, CLASS, TTL and RDLENGTH (RFC 1035 section 4.1.3).
	rdStart := ownerLen + 10
	if end < rdStart || int(binary.BigEndian.Uint16(buf[rdStart-2:])) != end-rdStart {
		return WireRR{}, false
	}
	from := len(e.slab)
	e.slab = append(e.slab, buf[rdStart:end]...)
	w := WireRR{
		Type:     h.Rrtype,
		Class:    h.Class,
		TTL:      h.Ttl,
		RData:    e.slab[from:len(e.slab):len(e.slab)],
		Compress: compressible(h.Rrtype),
	}
	switch {
	case w.Compress:
		layoutNames(&w, h.Rrtype)
	case names:
		var starts []int
		for _, off := range comp {
			if off >= rdStart {
				starts = append(starts, off-rdStart)
			}
		}
		slices.Sort(starts)
		next := 0 // the first offset not inside a name found already
		for _, off := range starts {
			if off < next {
				continue
			}
			end, ok := nameEnd(w.RData, off)
			if !ok {
				return WireRR{}, false
			}
			w.addName(off)
			next = end
		}
	}
	return w, true
}

// layoutNames sets the names of w, whose RDATA is of the compressible type t,
// by the layout of that type (RFC 1035 section 3.3): one name at the start, after
// the 16-bit preference of MX, and two names in a row for SOA and MINFO.
func layoutNames(w *WireRR, t uint16) {
	switch t {
	case dns.TypeMX:
		w.addName(2)
	case dns.TypeSOA, dns.TypeMINFO:
		if e, ok := nameEnd(w.RData, 0); ok {
			w.addName(0)
			w.addName(e)
		}
	default:
		w.addName(0)
	}
}

// nameEnd returns the offset just after the uncompressed name at off in b.
func nameEnd(b []byte, off int) (int, bool) {
	for off < len(b) {
		c := int(b[off])
		if c == 0 {
			return off + 1, true
		}
		if c&0xC0 != 0 {
			return 0, false
		}
		off += 1 + c
	}
	return 0, false
}

// NameToWire appends to dst the uncompressed wire form of the fully qualified
// presentation-format name s, as miekg/dns writes it ("\." and "\DDD" escapes
// read), and reports false when s is not a valid name: not fully qualified, an
// empty or too long label, or longer than 255 octets (RFC 1035 section 2.3.4).
// It allocates only when dst is too small.
func NameToWire(dst []byte, s string) ([]byte, bool) {
	if s == "" || s[len(s)-1] != '.' {
		return dst, false
	}
	start := len(dst)
	if s == "." {
		return append(dst, 0), true
	}
	lenAt := len(dst)
	dst = append(dst, 0)
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '.':
			if label == 0 || label > 63 {
				return dst[:start], false
			}
			dst[lenAt] = byte(label)
			lenAt = len(dst)
			dst = append(dst, 0)
			label = 0
			continue
		case '\\':
			if i+1 >= len(s) {
				return dst[:start], false
			}
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
				if v > 255 {
					return dst[:start], false
				}
				c = byte(v)
				i += 3
			} else {
				c = s[i+1]
				i++
			}
		}
		dst = append(dst, c)
		label++
	}
	if label != 0 || len(dst)-start > maxNameWire {
		// A last label without its dot: "a\." ends in an escaped dot.
		return dst[:start], false
	}
	return dst, true
}

package server

import (
	"encoding/binary"

	"github.com/anycastdns/anycastdns/zone"
)

// compTableSize is the number of names (and name suffixes) a reply can compress
// against. A referral with 13 name servers and their glue needs about 20; once the
// table is full, later names are still written correctly, only less compressed.
const compTableSize = 128

// maxPointerOffset is the first offset a compression pointer cannot reach: it has
// 14 bits (RFC 1035 section 4.1.4).
const maxPointerOffset = 0x4000

// writer writes a DNS message into a fixed buffer, compressing names against the
// ones it wrote before (RFC 1035 section 4.1.4). It never allocates: a write that
// does not fit in the buffer fails and leaves the writer where it was.
//
// Names are compared ignoring ASCII case (RFC 4343 section 3), so a zone name
// compresses against the question in whatever case the client wrote it, as Knot
// DNS and NSD compress; the case of the question is then what the client sees.
type writer struct {
	b    []byte // the message; its length is the most the writer may write
	off  int
	comp [compTableSize]uint16 // offsets in b where names (suffixes) begin
	n    int                   // entries of comp in use
}

// mark is a position of the writer, to go back to when an RRset does not fit.
type mark struct{ off, n int }

func (w *writer) reset(b []byte) {
	w.b, w.off, w.n = b, 0, 0
}

func (w *writer) mark() mark { return mark{w.off, w.n} }

func (w *writer) rewind(m mark) { w.off, w.n = m.off, m.n }

// bytes appends p; false when it does not fit.
func (w *writer) bytes(p []byte) bool {
	if w.off+len(p) > len(w.b) {
		return false
	}
	w.off += copy(w.b[w.off:], p)
	return true
}

// u16 appends v in network order.
func (w *writer) u16(v uint16) bool {
	if w.off+2 > len(w.b) {
		return false
	}
	binary.BigEndian.PutUint16(w.b[w.off:], v)
	w.off += 2
	return true
}

// u32 appends v in network order.
func (w *writer) u32(v uint32) bool {
	if w.off+4 > len(w.b) {
		return false
	}
	binary.BigEndian.PutUint32(w.b[w.off:], v)
	w.off += 4
	return true
}

// name appends the uncompressed wire name. With compress, its longest suffix
// already in the message is replaced by a pointer; either way its suffixes not yet
// in the message become targets for the names written later. That is what
// miekg/dns does for the names in RDATA it must not compress, so replies keep the
// size they had when miekg/dns packed them.
func (w *writer) name(name []byte, compress bool) bool {
	start := w.off
	hit, at := -1, len(name)-1 // the suffix at name[at:] matches offset hit
	for i := 0; i < len(name) && name[i] != 0; i += 1 + int(name[i]) {
		if p := w.find(name[i:]); p >= 0 {
			if compress {
				hit, at = p, i
				break
			}
		}
	}
	if hit >= 0 {
		if w.off+at+2 > len(w.b) {
			return false
		}
		copy(w.b[w.off:], name[:at])
		binary.BigEndian.PutUint16(w.b[w.off+at:], 0xC000|uint16(hit))
		w.off += at + 2
	} else if !w.bytes(name) {
		return false
	}
	// Offer the labels written out as targets, each suffix once.
	for i := 0; i < at && name[i] != 0; i += 1 + int(name[i]) {
		pos := start + i
		if w.n == compTableSize || pos >= maxPointerOffset {
			break
		}
		if compress || w.find(name[i:]) < 0 {
			w.comp[w.n] = uint16(pos)
			w.n++
		}
	}
	return true
}

// find returns the offset of a name in the message equal to the uncompressed
// wire name suffix (ignoring ASCII case), or -1.
func (w *writer) find(suffix []byte) int {
	for _, p := range w.comp[:w.n] {
		// Entries begin with a label written out, never with a pointer.
		if w.b[p] == suffix[0] && w.equalAt(int(p), suffix) {
			return int(p)
		}
	}
	return -1
}

// equalAt reports whether the name at offset p of the message, following
// pointers, equals the uncompressed wire name suffix ignoring ASCII case.
func (w *writer) equalAt(p int, suffix []byte) bool {
	i := 0
	for hops := 0; hops < maxPointers; {
		c := int(w.b[p])
		if c&0xC0 == 0xC0 {
			p = (c&0x3F)<<8 | int(w.b[p+1])
			hops++
			continue
		}
		if i >= len(suffix) || int(suffix[i]) != c {
			return false
		}
		if c == 0 {
			return true
		}
		if !foldEqual(w.b[p+1:p+1+c], suffix[i+1:i+1+c]) {
			return false
		}
		p += 1 + c
		i += 1 + c
	}
	return false
}

// foldEqual reports whether a and b (of the same length) are equal but for ASCII
// case (RFC 4343 section 3).
func foldEqual(a, b []byte) bool {
	for k := range a {
		x, y := a[k], b[k]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// rr appends one resource record: owner, the fixed fields, and the RDATA with
// its names compressed when the type allows it (RFC 3597 section 4) and offered
// as compression targets otherwise.
func (w *writer) rr(owner []byte, r *zone.WireRR) bool {
	if !w.name(owner, true) || !w.u16(r.Type) || !w.u16(r.Class) || !w.u32(r.TTL) || !w.u16(0) {
		return false
	}
	rdStart := w.off
	from := 0
	for _, o := range r.NameAt[:r.NameCount] {
		end := nameEndAt(r.RData, int(o))
		if end < 0 || !w.bytes(r.RData[from:o]) || !w.name(r.RData[o:end], r.Compress) {
			return false
		}
		from = end
	}
	if !w.bytes(r.RData[from:]) {
		return false
	}
	binary.BigEndian.PutUint16(w.b[rdStart-2:], uint16(w.off-rdStart))
	return true
}

// nameEndAt returns the offset after the uncompressed name at off in b, or -1.
func nameEndAt(b []byte, off int) int {
	for off < len(b) {
		c := int(b[off])
		if c == 0 {
			return off + 1
		}
		off += 1 + c
	}
	return -1
}

package zone

import "bytes"

// Canonical keys put domain names in the canonical order of RFC 4034 section 6.1
// with a plain byte compare: the labels rightmost first, each label's octets
// lower-cased (ASCII letters only, RFC 4034 section 6.2) and followed by a 0x00
// separator. So that the separator sorts before every octet of a label, the octets
// 0x00 and 0x01 are written as 0x01 0x01 and 0x01 0x02; every other octet stands
// for itself. A name then sorts before its descendants (its key is their prefix), and
// a label before the longer labels it begins.

// maxKeyLen is the longest canonical key: every octet of a 255-octet name escaped.
const maxKeyLen = 2 * maxNameWire

// maxLabels is the most labels a wire-form name holds (RFC 1035 section 2.3.4: 255
// octets, at least two per label but for the root).
const maxLabels = 128

// canonicalKey appends the canonical key of the uncompressed wire-form name to dst.
// It allocates nothing when dst has room for maxKeyLen octets.
func canonicalKey(dst, wire []byte) []byte {
	var starts [maxLabels]uint16
	n := 0
	for i := 0; i < len(wire) && wire[i] != 0 && n < maxLabels; i += int(wire[i]) + 1 {
		starts[n] = uint16(i)
		n++
	}
	for k := n - 1; k >= 0; k-- {
		at := int(starts[k])
		end := min(at+1+int(wire[at]), len(wire))
		for _, c := range wire[at+1 : end] {
			switch {
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+'a'-'A')
			case c <= 1:
				dst = append(dst, 1, c+1)
			default:
				dst = append(dst, c)
			}
		}
		dst = append(dst, 0)
	}
	return dst
}

// keyTable holds canonical keys back to back, in canonical order, with the RRset
// that goes with each: the NSEC chain of a zone.
type keyTable struct {
	keys []byte
	ends []uint32 // ends[i] is where key i ends in keys; it begins where key i-1 ends
	sets []*RRset
}

// key returns key i.
func (t *keyTable) key(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.keys[start:t.ends[i]]
}

// floor returns the index of the greatest key at or before k and whether it equals
// k; -1 when k sorts before every key.
func (t *keyTable) floor(k []byte) (int, bool) {
	lo, hi := 0, len(t.ends)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(t.key(m), k) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	return i, i >= 0 && bytes.Equal(t.key(i), k)
}

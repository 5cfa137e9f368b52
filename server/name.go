package server

import "unsafe"

// Domain names of the query are decoded into presentation format (the form the
// compiled zone is keyed by) in the scratch memory of the worker, not on the heap.

const (
	// maxNameWire is the longest domain name on the wire, in octets (RFC 1035
	// section 2.3.4).
	maxNameWire = 255
	// maxNamePresentation bounds the presentation form of a name: every octet of
	// the longest name escaped as \DDD, and the dots.
	maxNamePresentation = 4*maxNameWire + 4
	// maxPointers bounds the compression pointers followed in one name, as miekg/dns
	// does: more than a name of 255 octets could need is a loop.
	maxPointers = (maxNameWire+1)/2 - 2
)

// decodeName reads the possibly compressed name at off in msg (RFC 1035 section
// 4.1.4) and appends its presentation form to dst, escaping as miekg/dns does
// ("\." and the other special characters with a backslash, other non-printable
// octets as \DDD). It returns the name, the offset after it in msg, and whether
// it followed a compression pointer. Like miekg/dns, it rejects a name of more
// than 255 octets, reserved label types and pointer loops. dst must have room for
// maxNamePresentation octets, or the result is allocated.
func decodeName(msg []byte, off int, dst []byte) (name []byte, next int, compressed bool, err error) {
	name = dst[:0]
	budget := maxNameWire
	ptrs := 0
	next = -1
	for {
		if off >= len(msg) {
			return nil, 0, false, errFormat
		}
		c := int(msg[off])
		off++
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off
				}
				if len(name) == 0 {
					name = append(name, '.')
				}
				return name, next, ptrs > 0, nil
			}
			if off+c > len(msg) {
				return nil, 0, false, errFormat
			}
			budget -= c + 1
			if budget <= 0 {
				return nil, 0, false, errFormat
			}
			label := msg[off : off+c]
			if plainLabel(label) {
				name = append(name, label...)
				name = append(name, '.')
				off += c
				continue
			}
			for _, b := range label {
				switch {
				case isSpecial(b):
					name = append(name, '\\', b)
				case b < ' ' || b > '~':
					name = append(name, '\\', '0'+b/100, '0'+b/10%10, '0'+b%10)
				default:
					name = append(name, b)
				}
			}
			name = append(name, '.')
			off += c
		case 0xC0:
			if off >= len(msg) {
				return nil, 0, false, errFormat
			}
			if ptrs == 0 {
				next = off + 1
			}
			if ptrs++; ptrs > maxPointers {
				return nil, 0, false, errFormat
			}
			off = (c&0x3F)<<8 | int(msg[off])
		default:
			// Extended label types (0x40, 0x80) are not supported (RFC 6891 section 5).
			return nil, 0, false, errFormat
		}
	}
}

// plainOctet marks the octets a label of a presentation-format name holds as they
// are: printable ASCII other than the special characters.
var plainOctet = func() (t [256]bool) {
	for b := ' ' + 1; b <= '~'; b++ {
		t[b] = !isSpecial(byte(b))
	}
	return t
}()

// plainLabel reports whether every octet of label is written as it is, as in
// nearly every query name, so that the label can be copied whole.
func plainLabel(label []byte) bool {
	for _, b := range label {
		if !plainOctet[b] {
			return false
		}
	}
	return true
}

// isSpecial reports whether the octet b is written with a backslash in a label of
// a presentation-format name, as miekg/dns writes it.
func isSpecial(b byte) bool {
	switch b {
	case '.', ' ', '\'', '@', ';', '(', ')', '"', '\\':
		return true
	}
	return false
}

// bytesString returns b as a string sharing b's memory. The string is valid only
// while b is not written to: the query path uses it for the query name, which
// lives in the worker's scratch until the next query.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

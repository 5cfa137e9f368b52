package zone

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"strings"
)

// nsec3SHA1 is the only NSEC3 hash algorithm defined (RFC 5155 section 11).
const nsec3SHA1 = 1

// hashLen is the length of a SHA-1 NSEC3 hash in octets.
const hashLen = sha1.Size

// nsec3Params are the parameters of the NSEC3 chain a zone serves (RFC 5155 section
// 4): those of its NSEC3PARAM record, which every NSEC3 record of the chain repeats.
type nsec3Params struct {
	iterations uint16
	salt       []byte
}

// hashBuf is the scratch space of one NSEC3 hash: a name and the salt, or a hash and
// the salt (RFC 5155 section 5).
type hashBuf [maxNameWire + 1 + 255]byte

// hash returns the NSEC3 hash of the uncompressed wire-form name (RFC 5155 section
// 5): IH(salt, x, 0) = H(x || salt), IH(salt, x, k) = H(IH(salt, x, k-1) || salt),
// for k = iterations, with x the name in canonical (lower-case) form. It allocates
// nothing.
func (p *nsec3Params) hash(buf *hashBuf, wire []byte) [hashLen]byte {
	n := copy(buf[:], wire)
	for i, c := range buf[:n] {
		if 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	n += copy(buf[n:], p.salt)
	h := sha1.Sum(buf[:n])
	for range p.iterations {
		n = copy(buf[:], h[:])
		n += copy(buf[n:], p.salt)
		h = sha1.Sum(buf[:n])
	}
	return h
}

// base32Hex decodes the first label of an NSEC3 owner name ("Base 32 Encoding with
// Extended Hex Alphabet" without padding, RFC 5155 section 3.3, RFC 4648 section 7).
var base32Hex = base32.HexEncoding.WithPadding(base32.NoPadding)

// ownerHash returns the hash an NSEC3 owner name (lower-case, presentation format)
// stands for, or false when its first label is not one.
func ownerHash(owner string) ([]byte, bool) {
	label, _, ok := strings.Cut(owner, ".")
	if !ok {
		return nil, false
	}
	h, err := base32Hex.DecodeString(strings.ToUpper(label))
	if err != nil || len(h) != hashLen {
		return nil, false
	}
	return h, true
}

// hashTable holds the NSEC3 chain of a zone: the owner hashes back to back in
// ascending order (the canonical order of the owner names, RFC 5155 section 3.3:
// base32hex keeps the order of what it encodes) and the NSEC3 RRset of each.
type hashTable struct {
	hashes []byte // hashLen octets each
	sets   []*RRset
}

func (t *hashTable) at(i int) []byte { return t.hashes[i*hashLen : (i+1)*hashLen] }

// lookup returns the NSEC3 RRset whose owner hash is h (match true), or the one
// that covers h (RFC 5155 section 1.3: h falls between its owner hash and its Next
// Hashed Owner Name, the last one covering past the end and before the first).
func (t *hashTable) lookup(h []byte) (set *RRset, match bool) {
	if len(t.sets) == 0 {
		return nil, false
	}
	lo, hi := 0, len(t.sets)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(t.at(m), h) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 {
		return t.sets[len(t.sets)-1], false
	}
	return t.sets[i], bytes.Equal(t.at(i), h)
}

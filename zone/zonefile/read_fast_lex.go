package zonefile

import (
	"bytes"
	"unsafe"

	"github.com/miekg/dns"
)

// The lexical pieces of the fast parser (read_fast.go): tokens, numbers, TTLs, type
// mnemonics and domain names, each read exactly as miekg/dns v1.1.73 reads them for the
// inputs the fast parser accepts. Whatever miekg/dns would read differently, or reject,
// makes these return false, and the fast parser declines the part.

// fastStop marks the bytes that end the part of a line the fast parser tokenizes
// plainly: a comment (";"), a quoted string ('"'), and the bytes it declines outside
// quoted strings: parentheses (an entry over several lines), "\" (escapes) and a
// carriage return not at the end of the line (miekg/dns drops it inside a token).
var fastStop = [256]bool{';': true, '"': true, '(': true, ')': true, '\\': true, '\r': true}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// appendTokens appends to toks the blank-separated tokens of b.
func appendTokens(toks [][]byte, b []byte) [][]byte {
	for i := 0; i < len(b); {
		for i < len(b) && isBlank(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isBlank(b[j]) {
			j++
		}
		if j > i {
			toks = append(toks, b[i:j:j])
		}
		i = j
	}
	return toks
}

// shortComment reports whether miekg/dns's lexer reads the comment c (from its ";"
// to the end of the line) without error: it copies a comment into a buffer grown by
// 512 octets, writing a blank before each ";" after the first two octets, and fails
// ("comment length insufficient for parsing") when that blank fills the buffer. A
// comment that cannot reach 511 octets so is safe; a longer one is declined.
func shortComment(c []byte) bool {
	return len(c)+bytes.Count(c, []byte{';'}) < 511
}

// view returns b as a string without copying it, for functions that read a string
// and keep nothing of it (net.ParseIP, dns.StringToTime, map look-ups).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseUint is strconv.ParseUint(b, 10, bits) without its error value: decimal digits
// only (no sign, no underscore), and the value must fit in bits.
func parseUint(b []byte, bits uint) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	limit := uint64(1)<<bits - 1
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v > limit { // bits <= 32: v*10 cannot overflow before this catches it
			return 0, false
		}
	}
	return v, true
}

// ttlValue is miekg/dns's stringToTTL (scan.go), byte for byte: a decimal TTL or one
// with the units s, m, h, d and w ("1h30m"), in seconds, at most 2^32-1. A byte outside
// those is an error, as a rune outside them is to stringToTTL.
func ttlValue(b []byte) (uint32, bool) {
	var s, i uint
	for _, c := range b {
		switch c {
		case 's', 'S':
			s += i
			i = 0
		case 'm', 'M':
			s += i * 60
			i = 0
		case 'h', 'H':
			s += i * 60 * 60
			i = 0
		case 'd', 'D':
			s += i * 60 * 60 * 24
			i = 0
		case 'w', 'W':
			s += i * 60 * 60 * 24 * 7
			i = 0
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			i *= 10
			i += uint(c) - '0'
		default:
			return 0, false
		}
	}
	if s+i > 1<<32-1 {
		return 0, false
	}
	return uint32(s + i), true
}

// upperASCII writes b in upper case (ASCII letters only) to buf and returns it, or
// nil when b is longer than buf.
func upperASCII(buf []byte, b []byte) []byte {
	if len(b) > len(buf) {
		return nil
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(b)]
}

// typeCode returns the type a mnemonic names ("a", "NSEC3"), as miekg/dns's
// StringToType looks it up in upper case. A byte outside ASCII makes it fail: miekg/dns
// upper-cases Unicode ("nſ" is NS to it), and the caller declines what fails.
func typeCode(b []byte) (uint16, bool) {
	var buf [16]byte
	u := upperASCII(buf[:], b)
	if u == nil {
		return 0, false
	}
	for _, c := range u {
		if c >= 0x80 {
			return 0, false
		}
	}
	t, ok := dns.StringToType[string(u)]
	return t, ok
}

// fieldKind is how miekg/dns's lexer classifies a token that ends in a blank before
// the RR type of an entry.
type fieldKind uint8

const (
	fieldString  fieldKind = iota // a plain string: a TTL there, or a directive's value
	fieldType                     // an RR type mnemonic, its code in the second result
	fieldClassIN                  // the class IN
	fieldKeyword                  // TYPEnnn, CLASSnnn or a class other than IN: declined
)

// classify returns what miekg/dns's lexer makes of the token b: a type mnemonic
// (typeCode) first, then a class, else a string. A token with a byte outside ASCII is
// a keyword: miekg/dns upper-cases Unicode, to which "ın" is IN and "claſſ" CLASS.
func classify(b []byte) (fieldKind, uint16) {
	if len(b) > 0 && '0' <= b[0] && b[0] <= '9' {
		return fieldString, 0 // no type or class mnemonic starts with a digit
	}
	for _, c := range b {
		if c >= 0x80 {
			return fieldKeyword, 0
		}
	}
	if t, ok := typeCode(b); ok {
		return fieldType, t
	}
	var buf [5]byte
	u := upperASCII(buf[:], b[:min(len(b), len(buf))])
	switch {
	case string(u) == "IN" && len(b) == 2:
		return fieldClassIN, 0
	case len(u) >= 4 && string(u[:4]) == "TYPE", len(u) >= 5 && string(u) == "CLASS":
		return fieldKeyword, 0
	case len(b) <= len(buf):
		if _, ok := dns.StringToClass[string(u)]; ok {
			return fieldKeyword, 0
		}
	}
	return fieldString, 0
}

// validName is dns.IsDomainName for a name without "\": each label at most 63 octets,
// no empty label but the root's, and at most 255 octets as if fully qualified.
func validName(s []byte) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	total := n
	if s[n-1] != '.' {
		total++ // dns.Fqdn's "."
	}
	off, begin, wasDot := 0, 0, false
	for i := 0; i < total; i++ {
		if i < n && s[i] != '.' {
			wasDot = false
			continue
		}
		if i == 0 && total > 1 || wasDot {
			return false
		}
		wasDot = true
		label := i - begin
		if label >= 64 {
			return false
		}
		off += 1 + label
		if off > 256 {
			return false
		}
		begin = i + 1
	}
	return true
}

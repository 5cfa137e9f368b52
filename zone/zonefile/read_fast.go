package zonefile

import (
	"bytes"

	"github.com/miekg/dns"
)

// The fast parser reads the plain form in which almost every large master file is
// written (the root zone, a TLD's delegations, a signer's output): one entry per line
// (RFC 1035 section 5.1), blank-separated tokens, an optional ";" comment, and the RR
// types that make up such zones. It yields the very records miekg/dns's ZoneParser
// yields for the same text (same fields, same header, same file and line, same
// duplicate hashes) at a fraction of the cost: no lexer behind an interface call per
// byte, no token strings, the owner of consecutive entries shared.
//
// It never reports an error. At the first entry it does not handle exactly as
// miekg/dns does, or that miekg/dns would reject, it declines the whole part, which
// the ZoneParser then reads from its start (read.go, parsePart): errors, $INCLUDE,
// $GENERATE, parentheses, escapes and every other type keep the one implementation.
//
// Declined: "(" or ")" outside a comment but as joinParens takes them
// (read_fast_paren.go); "\" outside a comment; a carriage return but before the
// newline; a quoted string but in TXT RDATA, or one that does not end on its line; a
// comment of 511 octets or more; any "$" entry but "$ORIGIN name" and "$TTL ttl"; a
// first entry without owner; a class but IN; TYPEnnn and CLASSnnn; a byte outside
// ASCII in a TTL, class or type; a type other than A, AAAA, NS, CNAME, DNAME, PTR,
// MX, SOA, SRV, TXT, DS, CDS, DNSKEY, CDNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM, TLSA
// and ZONEMD; and in RDATA, a number written otherwise than in decimal (an algorithm
// mnemonic; SOA timers may have units, as in a TTL), a time other than
// YYYYMMDDHHmmSS or decimal seconds, TYPEnnn in a type list, unquoted TXT strings,
// and too few or too many fields (read_fast_rdata.go). TTLs are read with
// miekg/dns's own rules, units included.

// fastParser is the state miekg/dns's ZoneParser keeps between entries, for the
// entries the fast parser handles.
type fastParser struct {
	file   string // the display path the records carry
	origin string // the $ORIGIN in force
	h      *hasher
	out    parsed

	// The TTL of an entry that states none (scan.go, ttlState): DefaultTTL, then the
	// last TTL stated on a record until a $TTL, then the $TTL's (RFC 1035 section 5.1,
	// RFC 2308 section 4).
	defTTL      uint32
	byDirective bool

	// owner is the previous record's owner, which an entry starting with a blank
	// takes; ownerTok and ownerOrigin are the token and origin it was made from, so
	// that the same token under the same origin shares the string.
	owner       string
	ownerTok    []byte
	ownerOrigin string

	toks   [][]byte // the tokens of the line being read
	joined []byte   // an entry in parentheses made one line (read_fast_paren.go)
}

// newFastParser returns a parser of the master file (or the part of one) whose
// records carry file, with origin as the initial origin. out is where the records
// go (newParsed), and h hashes them.
func newFastParser(file, origin string, out parsed, h *hasher) *fastParser {
	return &fastParser{file: file, origin: origin, h: h, out: out, defTTL: DefaultTTL, toks: make([][]byte, 0, 32)}
}

// lines parses the lines of b, the first of which is line *line, advancing *line. It
// parses each line that ends in "\n", and the last one without it too when final. It
// returns the number of bytes parsed, and false when it declines.
func (p *fastParser) lines(b []byte, line *int, final bool) (int, bool) {
	pos := 0
	for pos < len(b) {
		text := b[pos:]
		next := len(b)
		if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
			text, next = text[:nl], pos+nl+1
		} else if !final {
			break
		}
		ok, paren := p.entry(text, *line)
		if paren {
			joined, n, count, more := p.joinParens(b[pos:], final)
			if more {
				break // the entry goes on past b: parse it with the rest
			}
			if ok = joined != nil; ok {
				ok, _ = p.entry(joined, *line)
			}
			*line += count - 1
			next = pos + n
		}
		if !ok {
			return pos, false
		}
		*line++
		pos = next
	}
	return pos, true
}

// entry parses one line, text, without its newline, and reports whether it took it.
// When the line opens a parenthesis before any comment or quote, it returns paren
// true instead, for joinParens to make one line of the entry.
func (p *fastParser) entry(text []byte, line int) (ok, paren bool) {
	if n := len(text); n > 0 && text[n-1] == '\r' {
		text = text[:n-1]
	}
	plain, quoted := text, []byte(nil)
	for i, c := range text {
		if !fastStop[c] {
			continue
		}
		switch c {
		case ';':
			if !shortComment(text[i:]) {
				return false, false
			}
			plain = text[:i]
		case '"':
			plain, quoted = text[:i], text[i:]
		case '(':
			return false, true
		default:
			return false, false
		}
		break
	}
	p.toks = appendTokens(p.toks[:0], plain)
	toks := p.toks
	if len(toks) == 0 {
		return quoted == nil, false // a blank or comment line
	}
	if quoted != nil && !isBlank(plain[len(plain)-1]) {
		return false, false // miekg/dns does not classify a token ending in '"'
	}
	owner := p.owner
	if isBlank(plain[0]) {
		if owner == "" {
			return false, false // no previous owner: miekg/dns would use an empty name
		}
	} else {
		if toks[0][0] == '$' {
			return quoted == nil && p.directive(toks), false
		}
		var ok bool
		if owner, ok = p.ownerName(toks[0]); !ok {
			return false, false
		}
		toks = toks[1:]
	}

	// TTL and class in either order, each at most once, then the type (scan.go,
	// zExpectAny and the states after it).
	hdr := dns.RR_Header{Name: owner, Class: dns.ClassINET, Ttl: p.defTTL}
	hasTTL, hasClass := false, false
	for hdr.Rrtype == 0 {
		if len(toks) == 0 {
			return false, false
		}
		tok := toks[0]
		toks = toks[1:]
		switch kind, code := classify(tok); kind {
		case fieldType:
			if code == 0 {
				return false, false
			}
			hdr.Rrtype = code
		case fieldClassIN:
			if hasClass {
				return false, false
			}
			hasClass = true
		case fieldString:
			ttl, ok := ttlValue(tok)
			if !ok || hasTTL {
				return false, false
			}
			hasTTL, hdr.Ttl = true, ttl
			if !p.byDirective {
				p.defTTL = ttl
			}
		default:
			return false, false
		}
	}
	// the type must be followed by a blank and RDATA
	if len(toks) == 0 && quoted == nil {
		return false, false
	}
	rr, ok := p.rdata(&hdr, toks, quoted)
	if !ok {
		return false, false
	}
	p.out.recs = append(p.out.recs, Record{RR: rr, File: p.file, Line: line})
	p.out.hashes = append(p.out.hashes, p.h.hash(rr))
	return true, false
}

// directive parses a "$ORIGIN name" or "$TTL ttl" entry (RFC 1035 section 5.1, RFC
// 2308 section 4), as scan.go does, and declines any other.
func (p *fastParser) directive(toks [][]byte) bool {
	if len(toks) != 2 {
		return false
	}
	if kind, _ := classify(toks[1]); kind != fieldString {
		return false // the lexer would hand the parser a type or class, not a value
	}
	var buf [8]byte
	switch string(upperASCII(buf[:], toks[0])) {
	case "$TTL":
		ttl, ok := ttlValue(toks[1])
		if !ok {
			return false
		}
		p.defTTL, p.byDirective = ttl, true
		return true
	case "$ORIGIN":
		name, ok := p.name(toks[1])
		if !ok {
			return false
		}
		p.origin = name
		return true
	}
	return false
}

// ownerName returns the owner an entry's first token names, sharing the previous
// owner's string when the token and the origin are the same.
func (p *fastParser) ownerName(tok []byte) (string, bool) {
	if p.owner != "" && p.ownerOrigin == p.origin && bytes.Equal(tok, p.ownerTok) {
		return p.owner, true
	}
	name, ok := p.name(tok)
	if !ok {
		return "", false
	}
	p.owner, p.ownerOrigin = name, p.origin
	p.ownerTok = append(p.ownerTok[:0], tok...)
	return name, true
}

// name is miekg/dns's toAbsoluteName (scan.go) for a token without "": "@" is the
// origin, a name ending in "." is absolute, any other is relative to the origin
// (RFC 1035 section 5.1). The token is checked alone, as dns.IsDomainName checks it.
func (p *fastParser) name(tok []byte) (string, bool) {
	if len(tok) == 1 && tok[0] == '@' {
		return p.origin, true
	}
	if !validName(tok) {
		return "", false
	}
	if tok[len(tok)-1] == '.' {
		return string(tok), true
	}
	if p.origin == "." {
		return string(tok) + ".", true
	}
	return string(tok) + "." + p.origin, true
}

// part parses a part of a master file: header, the $ORIGIN and $TTL entries it
// replays (read_split.go), then body, whose first line is line. Only body[:safe] may
// be read at first; end returns where the part ends in body, waiting for it if need
// be. It reports whether it parsed the whole part; false means it declined.
func (p *fastParser) part(header, body []byte, line, safe int, end func() int) bool {
	hline := 1
	if _, ok := p.lines(header, &hline, true); !ok || len(p.out.recs) > 0 {
		return false
	}
	n, ok := p.lines(body[:safe], &line, false)
	if !ok {
		return false
	}
	_, ok = p.lines(body[n:end()], &line, true)
	return ok
}

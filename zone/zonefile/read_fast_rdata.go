package zonefile

import (
	"bytes"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// rdata builds the record of header h from the RDATA tokens rd, or from quoted, the
// rest of the line from its first '"' (TXT only), field by field as the parse methods
// of miekg/dns v1.1.73 (scan_rr.go) read them. Where those accept more than one
// blank-separated token per field, take a mnemonic or a unit, or would fail, it
// returns false.
func (p *fastParser) rdata(h *dns.RR_Header, rd [][]byte, quoted []byte) (dns.RR, bool) {
	if h.Rrtype == dns.TypeTXT {
		if len(rd) != 0 || quoted == nil {
			return nil, false // unquoted TXT strings: declined
		}
		txt, ok := quotedStrings(quoted)
		if !ok {
			return nil, false
		}
		return &dns.TXT{Hdr: *h, Txt: txt}, true
	}
	if quoted != nil {
		return nil, false
	}
	switch h.Rrtype {
	case dns.TypeA, dns.TypeAAAA:
		// An IPv4 address has no ":" and an IPv6 address has one; net.ParseIP
		// gives both in their 16-octet form.
		if len(rd) != 1 || (bytes.IndexByte(rd[0], ':') >= 0) != (h.Rrtype == dns.TypeAAAA) {
			return nil, false
		}
		ip := net.ParseIP(view(rd[0]))
		if ip == nil {
			return nil, false
		}
		if h.Rrtype == dns.TypeA {
			return &dns.A{Hdr: *h, A: ip}, true
		}
		return &dns.AAAA{Hdr: *h, AAAA: ip}, true
	case dns.TypeNS, dns.TypeCNAME, dns.TypeDNAME, dns.TypePTR:
		if len(rd) != 1 {
			return nil, false
		}
		name, ok := p.name(rd[0])
		if !ok {
			return nil, false
		}
		switch h.Rrtype {
		case dns.TypeNS:
			return &dns.NS{Hdr: *h, Ns: name}, true
		case dns.TypeCNAME:
			return &dns.CNAME{Hdr: *h, Target: name}, true
		case dns.TypeDNAME:
			return &dns.DNAME{Hdr: *h, Target: name}, true
		}
		return &dns.PTR{Hdr: *h, Ptr: name}, true
	case dns.TypeMX:
		if len(rd) != 2 {
			return nil, false
		}
		pref, ok1 := parseUint(rd[0], 16)
		name, ok2 := p.name(rd[1])
		if !ok1 || !ok2 {
			return nil, false
		}
		return &dns.MX{Hdr: *h, Preference: uint16(pref), Mx: name}, true
	case dns.TypeSOA:
		return p.soa(h, rd)
	case dns.TypeDS, dns.TypeCDS:
		ds, ok := fastDS(h, rd)
		if !ok {
			return nil, false
		}
		if h.Rrtype == dns.TypeCDS {
			return &dns.CDS{DS: ds}, true
		}
		return &ds, true
	case dns.TypeDNSKEY, dns.TypeCDNSKEY:
		key, ok := fastDNSKEY(h, rd)
		if !ok {
			return nil, false
		}
		if h.Rrtype == dns.TypeCDNSKEY {
			return &dns.CDNSKEY{DNSKEY: key}, true
		}
		return &key, true
	case dns.TypeRRSIG:
		return p.rrsig(h, rd)
	case dns.TypeZONEMD, dns.TypeTLSA:
		// "serial scheme hash-algorithm digest" (RFC 8976 section 2.3) and
		// "usage selector matching-type data" (RFC 6698 section 2.2); the digest
		// and data are the rest of the line without its blanks
		if h.Rrtype == dns.TypeZONEMD {
			v, ok := leadingUints(rd, 3, 32, 8, 8)
			if !ok {
				return nil, false
			}
			return &dns.ZONEMD{Hdr: *h, Serial: uint32(v[0]), Scheme: uint8(v[1]), Hash: uint8(v[2]), Digest: joinTokens(rd[3:])}, true
		}
		v, ok := leadingUints(rd, 3, 8, 8, 8)
		if !ok {
			return nil, false
		}
		return &dns.TLSA{Hdr: *h, Usage: uint8(v[0]), Selector: uint8(v[1]), MatchingType: uint8(v[2]), Certificate: joinTokens(rd[3:])}, true
	case dns.TypeSRV:
		// "priority weight port target" (RFC 2782)
		if len(rd) != 4 {
			return nil, false
		}
		v, ok1 := leadingUints(rd, 4, 16, 16, 16)
		target, ok2 := p.name(rd[3])
		if !ok1 || !ok2 {
			return nil, false
		}
		return &dns.SRV{Hdr: *h, Priority: uint16(v[0]), Weight: uint16(v[1]), Port: uint16(v[2]), Target: target}, true
	case dns.TypeNSEC:
		if len(rd) < 1 {
			return nil, false
		}
		next, ok1 := p.name(rd[0])
		types, ok2 := typeBitmap(rd[1:])
		if !ok1 || !ok2 {
			return nil, false
		}
		return &dns.NSEC{Hdr: *h, NextDomain: next, TypeBitMap: types}, true
	case dns.TypeNSEC3:
		return fastNSEC3(h, rd)
	case dns.TypeNSEC3PARAM:
		v, ok := leadingUints(rd, 4, 8, 8, 16)
		if !ok || len(rd) != 4 {
			return nil, false
		}
		rr := &dns.NSEC3PARAM{Hdr: *h, Hash: uint8(v[0]), Flags: uint8(v[1]), Iterations: uint16(v[2])}
		if salt := rd[3]; string(salt) != "-" {
			rr.SaltLength = uint8(len(salt) / 2) // as scan_rr.go computes it
			rr.Salt = string(salt)
		}
		return rr, true
	}
	return nil, false
}

// soa reads "mname rname serial refresh retry expire minimum" (RFC 1035 section
// 3.3.13): the serial in decimal, the timers in decimal or as TTLs with units.
func (p *fastParser) soa(h *dns.RR_Header, rd [][]byte) (dns.RR, bool) {
	if len(rd) != 7 {
		return nil, false
	}
	ns, ok1 := p.name(rd[0])
	mbox, ok2 := p.name(rd[1])
	if !ok1 || !ok2 {
		return nil, false
	}
	var v [5]uint32
	for i := range v {
		n, ok := parseUint(rd[2+i], 32)
		v[i] = uint32(n)
		if !ok && i > 0 {
			// the timers may be written with units, "1h" (scan_rr.go)
			v[i], ok = ttlValue(rd[2+i])
		}
		if !ok {
			return nil, false
		}
	}
	return &dns.SOA{Hdr: *h, Ns: ns, Mbox: mbox, Serial: v[0], Refresh: v[1], Retry: v[2], Expire: v[3], Minttl: v[4]}, true
}

// fastDS reads "key-tag algorithm digest-type digest" (RFC 4034 section 5.3), the
// algorithm in decimal; the digest is the rest of the line without its blanks.
func fastDS(h *dns.RR_Header, rd [][]byte) (dns.DS, bool) {
	v, ok := leadingUints(rd, 3, 16, 8, 8)
	if !ok {
		return dns.DS{}, false
	}
	return dns.DS{Hdr: *h, KeyTag: uint16(v[0]), Algorithm: uint8(v[1]), DigestType: uint8(v[2]), Digest: joinTokens(rd[3:])}, true
}

// fastDNSKEY reads "flags protocol algorithm public-key" (RFC 4034 section 2.2); the
// key is the rest of the line without its blanks.
func fastDNSKEY(h *dns.RR_Header, rd [][]byte) (dns.DNSKEY, bool) {
	v, ok := leadingUints(rd, 3, 16, 8, 8)
	if !ok {
		return dns.DNSKEY{}, false
	}
	return dns.DNSKEY{Hdr: *h, Flags: uint16(v[0]), Protocol: uint8(v[1]), Algorithm: uint8(v[2]), PublicKey: joinTokens(rd[3:])}, true
}

// rrsig reads "type-covered algorithm labels original-ttl expiration inception key-tag
// signer signature" (RFC 4034 section 3.2); the signature is the rest of the line
// without its blanks.
func (p *fastParser) rrsig(h *dns.RR_Header, rd [][]byte) (dns.RR, bool) {
	if len(rd) < 8 {
		return nil, false
	}
	covered, ok := typeCode(rd[0])
	if !ok {
		return nil, false
	}
	var n [7]uint64
	for i, bits := range [...]uint{1: 8, 2: 8, 3: 32, 6: 16} {
		if bits == 0 {
			continue
		}
		if n[i], ok = parseUint(rd[i], bits); !ok {
			return nil, false
		}
	}
	exp, ok1 := sigTime(rd[4])
	inc, ok2 := sigTime(rd[5])
	signer, ok3 := p.name(rd[7])
	if !ok1 || !ok2 || !ok3 {
		return nil, false
	}
	return &dns.RRSIG{
		Hdr: *h, TypeCovered: covered, Algorithm: uint8(n[1]), Labels: uint8(n[2]), OrigTtl: uint32(n[3]),
		Expiration: exp, Inception: inc, KeyTag: uint16(n[6]), SignerName: signer, Signature: joinTokens(rd[8:]),
	}, true
}

// leadingUints reads the first three RDATA fields of rd as decimal numbers of the
// given bit widths: the fixed fields that open DS, DNSKEY, NSEC3, NSEC3PARAM, SRV,
// TLSA and ZONEMD. It fails when rd holds fewer than least fields (or three).
func leadingUints(rd [][]byte, least int, bits0, bits1, bits2 uint) ([3]uint64, bool) {
	var v [3]uint64
	if len(rd) < max(least, 3) {
		return v, false
	}
	var ok0, ok1, ok2 bool
	v[0], ok0 = parseUint(rd[0], bits0)
	v[1], ok1 = parseUint(rd[1], bits1)
	v[2], ok2 = parseUint(rd[2], bits2)
	return v, ok0 && ok1 && ok2
}

// sigTime reads an RRSIG time as scan_rr.go does: YYYYMMDDHHmmSS through
// dns.StringToTime (RFC 4034 section 3.2), failing that a decimal number of seconds.
// A time written otherwise is declined.
func sigTime(b []byte) (uint32, bool) {
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if len(b) == 14 {
		if t, err := dns.StringToTime(view(b)); err == nil {
			return t, true
		}
	}
	v, ok := parseUint(b, 32)
	return uint32(v), ok
}

// fastNSEC3 reads "hash flags iterations salt next-hashed types..." (RFC 5155 section
// 3.3); salt and next hashed owner are kept as written, as scan_rr.go keeps them.
func fastNSEC3(h *dns.RR_Header, rd [][]byte) (dns.RR, bool) {
	v, ok1 := leadingUints(rd, 5, 8, 8, 16)
	if !ok1 {
		return nil, false
	}
	types, ok2 := typeBitmap(rd[5:])
	if !ok2 {
		return nil, false
	}
	rr := &dns.NSEC3{Hdr: *h, Hash: uint8(v[0]), Flags: uint8(v[1]), Iterations: uint16(v[2]),
		HashLength: 20, NextDomain: string(rd[4]), TypeBitMap: types}
	if salt := rd[3]; string(salt) != "-" {
		rr.SaltLength = uint8(len(salt)) / 2 // as scan_rr.go computes it
		rr.Salt = string(salt)
	}
	return rr, true
}

// typeBitmap reads the type mnemonics of an NSEC or NSEC3 record (RFC 4034 section
// 4.1.2) into a non-nil list, as scan_rr.go does; TYPEnnn is declined.
func typeBitmap(rd [][]byte) ([]uint16, bool) {
	types := make([]uint16, 0, len(rd))
	for _, tok := range rd {
		t, ok := typeCode(tok)
		if !ok {
			return nil, false
		}
		types = append(types, t)
	}
	return types, true
}

// joinTokens is scan_rr.go's endingToString for tokens without quotes: their text
// joined without the blanks between them, "" when there are none.
func joinTokens(rd [][]byte) string {
	switch len(rd) {
	case 0:
		return ""
	case 1:
		return string(rd[0])
	}
	var b strings.Builder
	for _, t := range rd {
		b.Write(t)
	}
	return b.String()
}

// quotedStrings reads the TXT RDATA q, one or more quoted strings separated by
// blanks and optionally followed by a comment, as scan_rr.go's endingToTxtSlice does:
// a string longer than 255 octets becomes several of 255 octets and a last shorter
// one (RFC 1035 section 3.3.14 limits a <character-string> to 255). A string holding
// "\", a carriage return or no closing quote on its line is declined, as is text
// touching a closing quote.
func quotedStrings(q []byte) ([]string, bool) {
	var out []string
	for i := 0; ; {
		if i == len(q) || q[i] == ';' && shortComment(q[i:]) {
			return out, len(out) > 0
		}
		if q[i] != '"' {
			return nil, false // an unquoted string
		}
		end := bytes.IndexByte(q[i+1:], '"')
		if end < 0 {
			return nil, false // the string goes on on the next line
		}
		text := q[i+1 : i+1+end]
		if bytes.IndexByte(text, '\\') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
			return nil, false
		}
		s := string(text)
		for len(s) > 255 {
			out = append(out, s[:255])
			s = s[255:]
		}
		out = append(out, s)
		i += end + 2
		if i < len(q) && !isBlank(q[i]) && q[i] != ';' {
			return nil, false
		}
		for i < len(q) && isBlank(q[i]) {
			i++
		}
	}
}

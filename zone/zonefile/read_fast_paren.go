package zonefile

import "bytes"

// An entry may span lines inside parentheses (RFC 1035 section 5.1), as an SOA record
// usually does:
//
//	@ IN SOA ns1 hostmaster (
//	        2024010101 ; serial
//	        7200 3600 1209600 300 )
//
// miekg/dns's lexer drops "(" and ")" and, inside them, the newline, without ending the
// token they touch, so "7200\n3600" inside parentheses is the one token "72003600";
// and it drops comments, which end a token without the blank the RDATA parsers skip.
// joinParens takes the entries where none of that can join or split tokens otherwise
// than blanks would, and makes one line of them, each parenthesis, comment and newline
// turned into a blank; entry then reads that line as any other.

// joinParens joins the entry at the start of b, whose first line opens a parenthesis,
// into one line (in p.joined), and returns it with the number of bytes and lines the
// entry takes. It returns a nil line to decline the entry, and more true when b ends
// before the entry does and more of the file is to come (final false).
//
// It takes an entry with one "(" on its first line and one ")" after it, each with a
// blank (or the start or end of the line, or a comment) on either side, whose lines
// after the first start with a blank, ";" or ")" (or are empty), and that holds no
// quote, "\" or carriage return but before a newline. Its comments together must stay
// short: miekg/dns gathers the comments of an entry in parentheses into one buffer
// (see shortComment).
func (p *fastParser) joinParens(b []byte, final bool) (joined []byte, n, count int, more bool) {
	out := p.joined[:0]
	opened, closed := false, false
	comments := 0
	for pos := 0; ; count++ {
		if pos >= len(b) {
			return nil, 0, 0, !final // the file ends inside the parentheses
		}
		text := b[pos:]
		next := len(b)
		if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
			text, next = text[:nl], pos+nl+1
		} else if !final {
			return nil, 0, 0, true
		}
		if k := len(text); k > 0 && text[k-1] == '\r' {
			text = text[:k-1]
		}
		if count > 0 && len(text) > 0 && !isBlank(text[0]) && text[0] != ';' && text[0] != ')' {
			return nil, 0, 0, false // a token at the start of the line would join the last one
		}
	scan:
		for i, c := range text {
			switch c {
			case ';':
				comments += len(text) - i + bytes.Count(text[i:], []byte{';'})
				break scan
			case '(', ')':
				if c == '(' && (opened || count > 0) || c == ')' && (!opened || closed) {
					return nil, 0, 0, false
				}
				if i > 0 && !isBlank(text[i-1]) || i+1 < len(text) && !isBlank(text[i+1]) && text[i+1] != ';' {
					return nil, 0, 0, false
				}
				opened, closed = opened || c == '(', c == ')'
				out = append(out, ' ')
			case '"', '\\', '\r':
				return nil, 0, 0, false
			default:
				out = append(out, c)
			}
		}
		out = append(out, ' ')
		pos = next
		if closed {
			p.joined = out
			if comments >= 511 {
				return nil, 0, 0, false
			}
			return out, pos, count + 1, false
		}
	}
}

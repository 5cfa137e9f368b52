package zone

import "github.com/miekg/dns"

// Domain names are handled in presentation format as miekg/dns produces them: fully
// qualified, with "\." and "\DDD" escapes inside labels. The compiled zone keys its
// nodes by the lower-case form (RFC 4343: names compare case-insensitively, ASCII
// letters only), so that a lookup is a byte compare after one lowering pass.

// maxNameWire is the longest domain name on the wire, in octets (RFC 1035 section 2.3.4).
const maxNameWire = 255

// lowerInto writes the ASCII lower-case form of name into dst and returns the used
// part, or false when dst is too small.
func lowerInto(dst []byte, name string) ([]byte, bool) {
	if len(name) > len(dst) {
		return nil, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return dst[:len(name)], true
}

// nextLabel returns the offset of the label after the one starting at off in the
// presentation-format name b, or len(b) when the label at off is the last one
// (or b is the root name ".").
func nextLabel(b []byte, off int) int {
	if len(b) == 1 && b[0] == '.' {
		return len(b)
	}
	for i := off; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped character (or the first digit of \DDD) is never a separator
		case '.':
			return i + 1
		}
	}
	return len(b)
}

// parentName returns the name one label up from name, and false for the root.
func parentName(name string) (string, bool) {
	if name == "." || name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++
		case '.':
			if i+1 == len(name) {
				return ".", true
			}
			return name[i+1:], true
		}
	}
	return ".", true
}

// inDomain reports whether the lower-case name is at or below the lower-case
// domain: a suffix that starts at a label boundary (RFC 1034 section 3.1).
func inDomain[N ~string | ~[]byte](name N, domain string) bool {
	if domain == "." {
		return true
	}
	if len(name) < len(domain) || string(name[len(name)-len(domain):]) != domain {
		return false
	}
	return startsLabel(name, len(name)-len(domain))
}

// inDomainFold is inDomain for a name in any case: its ASCII letters compare equal
// to their lower case (domain is lower-case, RFC 4343 section 3).
func inDomainFold(name, domain string) bool {
	if domain == "." {
		return true
	}
	if len(name) < len(domain) || !foldEqualLower(name[len(name)-len(domain):], domain) {
		return false
	}
	return startsLabel(name, len(name)-len(domain))
}

// startsLabel reports whether a label of the presentation-format name starts at
// offset i: i is 0, or the byte before it is an unescaped dot.
func startsLabel[N ~string | ~[]byte](name N, i int) bool {
	if i == 0 {
		return true
	}
	i--
	if name[i] != '.' {
		return false
	}
	backslashes := 0
	for j := i - 1; j >= 0 && name[j] == '\\'; j-- {
		backslashes++
	}
	return backslashes%2 == 0
}

// foldEqualLower reports whether a, lower-cased, equals the lower-case b.
func foldEqualLower(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// wireLen returns the length on the wire of the labels of the presentation-format
// name s (its label octets plus one length octet each), without the final root
// octet: a fully qualified name takes wireLen(s)+1 octets.
func wireLen(s string) int {
	if s == "." || s == "" {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				i += 3
			} else {
				i++
			}
			n++
		case c == '.':
			n++ // the length octet of the label this dot ends
		default:
			n++
		}
	}
	if s[len(s)-1] != '.' {
		n++ // not fully qualified: the last label has its length octet too
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWildcardName reports whether the lower-case name is a wildcard owner "*.parent"
// (RFC 4592 section 2.1.1: the asterisk label is the whole first label).
func isWildcardName(name string) bool {
	return len(name) >= 2 && name[0] == '*' && name[1] == '.'
}

// canonicalName returns the lower-case, fully qualified form of name (RFC 4034
// section 6.2), without allocating when name already is in that form.
func canonicalName(name string) string {
	if name == "" || name[len(name)-1] != '.' {
		return dns.CanonicalName(name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			return dns.CanonicalName(name)
		}
	}
	return name
}

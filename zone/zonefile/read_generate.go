package zonefile

import (
	"strings"

	"github.com/miekg/dns"
)

// miekg/dns v1.1.73 gives a record of a $GENERATE entry that states no TTL the TTL
// 3600, ignoring the $TTL in force, where BIND (whose extension $GENERATE is) uses the
// $TTL. The reader restores that: lineReader sees every "$" entry of its file, keeps
// the $TTL in force (an $INCLUDE'd file starts with its includer's, RFC 1035 section
// 5.1), and Read sets that TTL on the records of a $GENERATE that states none. Without
// a $TTL they keep DefaultTTL, the value NSD gives such records.

// endDirective is called when a "$" entry of the file ends; it records a $TTL.
func (lr *lineReader) endDirective() {
	f := strings.Fields(string(lr.directive))
	if len(f) < 2 || !strings.EqualFold(f[0], "$TTL") {
		return
	}
	if ttl, ok := parseTTL(f[1]); ok {
		lr.ttl, lr.ttlSet = ttl, true
	}
}

// generateRest returns the fields of the $GENERATE entry being read after its range
// and owner ("[ttl] [class] type rdata...", up to a comment), or ok false when the
// current entry is not a $GENERATE.
func (lr *lineReader) generateRest() (rest []string, ok bool) {
	if len(lr.directive) == 0 {
		return nil, false
	}
	f := strings.Fields(string(lr.directive))
	if len(f) < 3 || !strings.EqualFold(f[0], "$GENERATE") {
		return nil, false
	}
	rest = f[3:]
	for i, x := range rest {
		if strings.HasPrefix(x, ";") {
			return rest[:i], true
		}
	}
	return rest, true
}

// generatedTTL returns the TTL a record of the $GENERATE entry being read should get
// when the entry states no TTL; ok is false when the record keeps its TTL: the current
// entry is not a $GENERATE, it states a TTL, or no $TTL is in force.
func (lr *lineReader) generatedTTL() (ttl uint32, ok bool) {
	rest, gen := lr.generateRest()
	if !gen || !lr.ttlSet || len(rest) < 2 {
		return 0, false
	}
	// TTL and class in either order; a type or class never starts with a digit
	if startsWithDigit(rest[0]) || isClass(rest[0]) && startsWithDigit(rest[1]) {
		return 0, false
	}
	return lr.ttl, true
}

// generateLacksRDATA reports whether the $GENERATE entry being read ends at its RR
// type. miekg/dns returns the last record of such an entry as an RFC 2136 update
// record with empty RDATA (and fails the others with "unexpected newline"); a zone
// record always has RDATA (RFC 1035 section 5.1).
func (lr *lineReader) generateLacksRDATA() bool {
	rest, gen := lr.generateRest()
	if !gen {
		return false
	}
	for skip := 0; skip < 2 && len(rest) > 0 && (startsWithDigit(rest[0]) || isClass(rest[0])); skip++ {
		rest = rest[1:]
	}
	return len(rest) < 2
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func isClass(s string) bool {
	u := strings.ToUpper(s)
	_, known := dns.StringToClass[u]
	return known || strings.HasPrefix(u, "CLASS")
}

// parseTTL reads a $TTL value ("300", "1h30m") with miekg/dns's own parser, so that
// it means exactly what it means to the records of the file.
func parseTTL(s string) (uint32, bool) {
	zp := dns.NewZoneParser(strings.NewReader("$TTL "+s+"\n. A 192.0.2.0\n"), ".", "")
	rr, ok := zp.Next()
	if !ok || zp.Err() != nil {
		return 0, false
	}
	return rr.Header().Ttl, true
}

package zone

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestNSEC3Hash compares our allocation-free NSEC3 hash with miekg/dns's HashName on
// the names of RFC 5155 appendix A (salt aabbccdd, 12 iterations) and others.
func TestNSEC3Hash(t *testing.T) {
	for _, tc := range []struct {
		name, salt string
		iter       uint16
	}{
		{"example.", "aabbccdd", 12},
		{"ai.example.", "aabbccdd", 12},
		{"*.w.example.", "aabbccdd", 12},
		{"XX.Example.", "aabbccdd", 12},
		{"example.test.", "", 0},
		{"a.b.c.example.test.", "", 0},
		{".", "ff", 3},
	} {
		salt, _ := hex.DecodeString(tc.salt)
		p := nsec3Params{iterations: tc.iter, salt: salt}
		wire, ok := NameToWire(nil, tc.name)
		if !ok {
			t.Fatal(tc.name)
		}
		var buf hashBuf
		h := p.hash(&buf, wire)
		got := strings.ToLower(base32Hex.EncodeToString(h[:]))
		want := strings.ToLower(dns.HashName(tc.name, dns.SHA1, tc.iter, tc.salt))
		if got != want {
			t.Errorf("hash(%s, %s, %d) = %s, want %s", tc.name, tc.salt, tc.iter, got, want)
		}
	}
}

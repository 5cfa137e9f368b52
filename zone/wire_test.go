package zone

import (
	"bytes"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// TestNameToWire checks the wire form of names against miekg/dns's packer.
func TestNameToWire(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{".", true}, {"example.", true}, {"WWW.Example.", true}, {`a\.b.example.`, true},
		{`\000\255.x.`, true}, {`a\\.`, true}, {"example", false}, {"a..b.", false},
		{`a\.`, false}, {"", false}, {`\256.`, false},
		{string(bytes.Repeat([]byte("a"), 64)) + ".", false},
		{string(bytes.Repeat([]byte("abcdefg."), 32)), false},
	}
	for _, tc := range tests {
		got, ok := NameToWire(nil, tc.name)
		if ok != tc.ok {
			t.Errorf("%q: got ok %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		want := make([]byte, 256)
		n, err := dns.PackDomainName(tc.name, want, 0, nil, false)
		if err != nil {
			t.Fatalf("%q: miekg/dns: %v", tc.name, err)
		}
		if !bytes.Equal(got, want[:n]) {
			t.Errorf("%q: got %x, want %x", tc.name, got, want[:n])
		}
	}
}

// TestEncodeRR checks the RDATA names found in records and whether they may be
// compressed (RFC 3597 section 4).
func TestEncodeRR(t *testing.T) {
	tests := []struct {
		rr       string
		names    []uint16
		compress bool
	}{
		{"x. 60 IN A 192.0.2.1", nil, false},
		{"x. 60 IN NS ns.example.", []uint16{0}, true},
		{"x. 60 IN MX 10 mail.example.", []uint16{2}, true},
		{"x. 60 IN SOA ns.example. ns.example. 1 2 3 4 5", []uint16{0, 12}, true},
		{"x. 60 IN SRV 0 5 5060 sip.example.", []uint16{6}, false},
		{"x. 60 IN NSEC b.example. A RRSIG", []uint16{0}, false},
		{"x. 60 IN TXT \"a.example.\"", nil, false},
		// names beyond the first two of a type not compressed are not kept: HIT
		// and key end at 41
		{"x. 60 IN HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPC a.example. b.example. c.example.", []uint16{41, 52}, false},
		{"x. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 4711 example. AAAA", []uint16{18}, false},
	}
	for _, tc := range tests {
		rr, err := dns.NewRR(tc.rr)
		if err != nil {
			t.Fatal(err)
		}
		var e encoder
		w, ok := e.encodeRR(rr, 3) // "x." takes 3 octets
		if !ok {
			t.Fatalf("%s: does not encode", tc.rr)
		}
		if got := w.NameAt[:w.NameCount]; !slices.Equal(got, tc.names) || w.Compress != tc.compress {
			t.Errorf("%s: got names %v compress %v, want %v %v", tc.rr, got, w.Compress, tc.names, tc.compress)
		}
		buf := make([]byte, 512)
		end, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(buf[:end], w.RData) || w.Type != rr.Header().Rrtype || w.TTL != 60 {
			t.Errorf("%s: got rdata %x type %d ttl %d, want the end of %x", tc.rr, w.RData, w.Type, w.TTL, buf[:end])
		}
	}
}

package zonefile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// writeAndRead writes rrs as a master file and reads it back with Read.
func writeAndRead(t *testing.T, origin string, rrs []dns.RR) ([]Record, string) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, origin, rrs); err != nil {
		t.Fatalf("Write: %v", err)
	}
	path := filepath.Join(t.TempDir(), "copy.zone")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(FileSource(path), origin)
	if err != nil {
		t.Fatalf("Read of the written file: %v\n%s", err, firstLines(b.String(), 20))
	}
	return recs, b.String()
}

// firstLines returns the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// sameRecords fails unless got holds want's records in order, in the same wire
// form, TTLs included: how miekg/dns holds a record read by one parser or the other
// may differ (the case of hex digits), its wire form may not.
func sameRecords(t *testing.T, got []Record, want []dns.RR) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read back %d records, wrote %d", len(got), len(want))
	}
	for i, r := range got {
		g, gok := wireOf(r.RR)
		w, wok := wireOf(want[i])
		if gok != wok || !bytes.Equal(g, w) || (!gok && r.RR.String() != want[i].String()) {
			t.Fatalf("record %d: read back %q, wrote %q", i, r.RR, want[i])
		}
	}
}

// wireOf returns the uncompressed wire form of rr, false when it does not pack (an
// NSEC3 bitmap out of order, which the text form then shows).
func wireOf(rr dns.RR) ([]byte, bool) {
	buf := make([]byte, dns.Len(rr)+1)
	n, err := dns.PackRR(dns.Copy(rr), buf, 0, nil, false)
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}

func TestWriteReadsBack(t *testing.T) {
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 53) + ".example."
	lines := []string{
		"example. 3600 IN SOA ns.example. hostmaster.example. 1 7200 3600 1209600 300",
		"example. 3600 IN NS ns.example.",
		`txt.example. 300 IN TXT "quoted \"inner\" text" "semi;colon" "back\\slash" "tab\009and\255byte" "" "(paren)"`,
		`spf.example. 300 IN TXT "v=spf1 include:example.net ~all"`,
		`\@\(odd\).\;name.example. 300 IN A 192.0.2.7`,
		`sp\032ace.example. 300 IN TXT "x"`,
		"unknown.example. 300 IN TYPE65280 \\# 4 0A000001",
		"empty.example. 300 IN TYPE65281 \\# 0",
		"null.example. 300 IN NULL \\# 3 010203",
		long + " 300 IN AAAA 2001:db8::1",
		"*.wild.example. 300 IN MX 10 mail.example.",
		"caa.example. 300 IN CAA 0 issue \"ca.example.net; account=1\"",
		"svc.example. 300 IN HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1",
	}
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		rrs = append(rrs, rr)
	}
	if len(long) != 254 {
		t.Fatalf("the long name has %d characters, want 254 (255 octets in wire form)", len(long))
	}
	got, text := writeAndRead(t, "example.", rrs)
	sameRecords(t, got, rrs)
	if !strings.HasPrefix(text, "$ORIGIN example.\n") {
		t.Errorf("the file does not start with $ORIGIN: %q", firstLines(text, 1))
	}
	for _, want := range []string{"\tTYPE65280\t\\# 4 0a000001", "\tTYPE10\t\\# 3 010203"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("the file lacks %q:\n%s", want, text)
		}
	}
}

// TestWriteSharedZones writes every shared zone (the signed root zone among them)
// and reads it back as the same records.
func TestWriteSharedZones(t *testing.T) {
	for _, sz := range zonetest.SharedZones(t) {
		t.Run(sz.File, func(t *testing.T) {
			recs, err := Read(FileSource(sz.Path), sz.Origin)
			if err != nil {
				t.Skipf("does not read: %v", err)
			}
			rrs := make([]dns.RR, len(recs))
			for i, r := range recs {
				rrs[i] = r.RR
			}
			got, _ := writeAndRead(t, sz.Origin, rrs)
			sameRecords(t, got, rrs)
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteError(t *testing.T) {
	rr, _ := dns.NewRR("example. 300 IN A 192.0.2.1")
	if err := Write(failingWriter{}, "example.", []dns.RR{rr}); err == nil {
		t.Error("Write to a failing writer: no error")
	}
}

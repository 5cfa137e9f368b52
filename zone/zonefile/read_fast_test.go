package zonefile

import (
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unsafe"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// withoutFast is opt with the fast parser off: every part goes to miekg/dns.
func withoutFast(opt readOptions) readOptions {
	opt.noFast = true
	return opt
}

// fastAccepts reports whether the fast parser takes text, a whole master file.
func fastAccepts(text []byte, origin string) (parsed, bool) {
	fp := newFastParser("z", origin, newParsed(0), newHasher(maphash.MakeSeed()))
	ok := fp.part(nil, text, 1, len(text), func() int { return len(text) })
	return fp.out, ok
}

// sameAsMiekg reads a zone file with the fast parser on and off, with opt, and fails
// unless both give the same records, duplicates and errors (sameRead).
func sameAsMiekg(t testing.TB, name string, src Source, origin string, opt readOptions) {
	t.Helper()
	want, wantSt, wantErr := readWithStats(src, origin, withoutFast(opt))
	got, gotSt, gotErr := readWithStats(src, origin, opt)
	sameRead(t, name, got, want, gotSt, wantSt, gotErr, wantErr)
}

// textSource is text as the master file zones/z.db, with an $INCLUDE target beside it.
func textSource(text []byte) Source {
	fsys := fstest.MapFS{
		"z.db":   {Data: text},
		"inc.db": {Data: []byte("i 300 A 192.0.2.7\n")},
	}
	return Source{FS: fsys, Name: "z.db", Path: "zones/z.db"}
}

// TestReadFastFiles compares the fast and the miekg/dns reads of the root zone, of
// every zone file of testdata and of the shared data (zones.tsv), read whole and in
// parts.
func TestReadFastFiles(t *testing.T) {
	type file struct{ path, origin string }
	files := []file{
		{rootZone, "."},
		{filepath.Join("testdata", "example.zone"), "example."},
		{filepath.Join("testdata", "inc", "hosts.zone"), "example."},
	}
	for _, z := range zonetest.SharedZones(t) {
		files = append(files, file{z.Path, z.Origin})
	}
	taken := 0
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		if _, ok := fastAccepts(data, f.origin); ok {
			taken++
		}
		for _, opt := range []readOptions{sequential, splitInto(3)} {
			sameAsMiekg(t, fmt.Sprintf("%s, %d ways", f.path, opt.ways), FileSource(f.path), f.origin, opt)
		}
	}
	t.Logf("the fast parser took %d of %d files whole", taken, len(files))
	if taken == 0 {
		t.Errorf("got no file taken by the fast parser, want some")
	}
}

// TestReadFastTakesLargeZones checks that the fast parser, not the fallback, reads
// the signed root zone and a TLD-like zone of delegations, and that it reads them as
// miekg/dns does.
func TestReadFastTakesLargeZones(t *testing.T) {
	root, err := os.ReadFile(rootZone)
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]struct {
		text    []byte
		origin  string
		records int
	}{
		"root":          {root, ".", 24911},
		"delegations":   {[]byte(tldZone(3000)), "tld.", 1 + 2 + 3000*5},
		"crlf, comment": {[]byte(strings.ReplaceAll(tldZone(300), "\n", " ; c\r\n")), "tld.", 1 + 2 + 300*5},
	}
	for name, z := range zones {
		p, ok := fastAccepts(z.text, z.origin)
		if !ok {
			t.Errorf("%s: the fast parser declined the zone, want it taken", name)
			continue
		}
		if len(p.recs) != z.records {
			t.Errorf("%s: got %d records, want %d", name, len(p.recs), z.records)
		}
		for _, opt := range []readOptions{sequential, splitInto(2), splitInto(3)} {
			sameAsMiekg(t, fmt.Sprintf("%s, %d ways", name, opt.ways), textSource(z.text), z.origin, opt)
		}
	}
}

// tldZone returns a zone of n delegations from tld., written as a TLD's zone file is:
// relative owners, two NS each (one in the child, with glue), A and AAAA glue, and a
// DS, some entries without owner and TTL.
func tldZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN tld.\n$TTL 86400\n@ 3600 IN SOA ns1.nic hostmaster.nic 2024010101 1800 900 604800 86400\n")
	b.WriteString("@ NS ns1.nic\n@ NS ns2.nic.tld.\n")
	for i := range n {
		fmt.Fprintf(&b, "d%d 172800 IN NS ns1.d%d\n", i, i)
		fmt.Fprintf(&b, "\tIN NS ns.provider%d.example.\n", i%50)
		fmt.Fprintf(&b, "d%d\tDS %d 13 2 %064X\n", i, i%65536, i)
		fmt.Fprintf(&b, "ns1.d%d IN 172800 A 192.0.%d.%d\n", i, i/250%250, i%250)
		fmt.Fprintf(&b, "ns1.d%d 172800 AAAA 2001:db8::%x\n", i, i)
	}
	return b.String()
}

// TestReadFastLines reads tricky lines with the fast parser on and off: both must give
// the same records, lines and errors, and the fast parser must take or decline the
// text as listed.
func TestReadFastLines(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, text string
		take       bool
	}{
		{"relative and @", "www 300 IN A 192.0.2.1\n@ 300 IN NS ns1\n@ NS ns2.example.\n", true},
		{"omitted owner", "a 300 IN A 192.0.2.1\n\t300 IN AAAA 2001:db8::1\n  IN TXT \"x\"\n\tA 192.0.2.2\n", true},
		{"TTL and class order", "a IN 300 A 192.0.2.1\nb 300 A 192.0.2.2\nc IN A 192.0.2.3\nd A 192.0.2.4\ne 20 IN A 192.0.2.5\n", true},
		{"default TTL first", "a A 192.0.2.1\nb 30 A 192.0.2.2\nc A 192.0.2.3\n", true},
		{"$TTL then explicit then omitted", "$TTL 600\na A 192.0.2.1\nb 30 A 192.0.2.2\nc A 192.0.2.3\n$ttl 1h2m ; unit\nd A 192.0.2.4\n", true},
		{"TTL units", "a 1W2d3H4m5S A 192.0.2.1\nb A 192.0.2.2\n", true},
		{"$ORIGIN changes", "$ORIGIN sub.example.\nx A 192.0.2.1\n$ORIGIN deeper\ny CNAME x\n$ORIGIN @ ; c\nz MX 10 @\n$ORIGIN .\nw.  NS ns\n", true},
		{"CRLF", "a 300 IN A 192.0.2.1\r\nb 300 IN TXT \"x y\"\r\n\r\n; c\r\n", true},
		{"trailing comments", "a 300 IN A 192.0.2.1 ; c\nb 300 IN A 192.0.2.2;c\nc NS ns;\nd TXT \"x\";c\ne TXT \"a;b\" ; (\"\\\n", true},
		{"tabs and blanks", "a\t300\tIN\tA\t192.0.2.1\t\n \t\nb  \t 300 \t IN  A   192.0.2.2  \n", true},
		{"letter case", "a 300 in a 192.0.2.1\nB 300 In Aaaa 2001:DB8::1\nMiXeD.ExAmPlE. iN cname TaRgEt\n", true},
		{"multi-string TXT", "a TXT \"x\" \"y z\" \"\" \"(;)\"\t\"\" ; c\n", true},
		{"long TXT", "a TXT \"" + long + "\" \"" + long[:255] + "\" \"" + long[:256] + "\" \"" + strings.Repeat("y", 510) + "\"\n", true},
		{"RRSIG with epoch numbers", "a RRSIG A 8 2 300 1700000000 1690000000 12345 example. AAAA BBBB\n", true},
		{"RRSIG with dates", "a RRSIG NS 13 2 300 20230524050000 20230511040000 60955 @ ab+/ cd==\nb RRSIG NSEC 8 1 86400 20991231235959 19700101000000 1 . x\n", true},
		{"RRSIG without signature", "a RRSIG A 8 2 300 1700000000 1690000000 12345 example.\n", true},
		{"RRSIG bad date as number", "a RRSIG A 8 2 300 20231340050000 20230511040000 60955 . x\n", false},
		{"NSEC", "a NSEC b A NS rrsig NSEC TYPE\nb NSEC a.example.\n", false},
		{"NSEC bitmap", "a NSEC b A NS rrsig NSEC\nb NSEC a.example.\n", true},
		{"NSEC3 and NSEC3PARAM", "@ NSEC3PARAM 1 0 10 aabbccdd\n@ NSEC3PARAM 1 0 0 -\nx NSEC3 1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM\ny NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR\n", true},
		{"DS, CDS, DNSKEY, CDNSKEY", "a DS 60485 5 1 2BB183AF5F22588179A53B0A 98631FAD1A292118\na CDS 1 8 2 ABCD\n@ DNSKEY 257 3 8 AwEAAa gNo= \n@ CDNSKEY 256 3 13 oJMR\n@ DNSKEY 256 3 13\n", true},
		{"SOA MX CNAME DNAME PTR", "@ SOA ns hm 1 2 3 4 5\nm MX 0 mail\nc CNAME @\nd DNAME x.\np PTR host.\n", true},
		{"ZONEMD, TLSA, SRV", ". ZONEMD 2023051100 1 1 ( 8D2D0EA4 ; digest\n\tAB0C )\n_443._tcp TLSA 3 1 1 ABCD EF\n_sip._udp SRV 10 60 5060 sip\n", true},
		{"ZONEMD without digest", ". ZONEMD 1 1 1\n", true},
		{"SRV without target", "_sip._udp SRV 10 60 5060\n", false},
		{"ZONEMD serial too large", ". ZONEMD 4294967296 1 1 AB\n", false},
		{"last line without newline", "a 300 IN A 192.0.2.1\nb TXT \"end\"", true},
		{"blank and comment lines only", "\n ; c\n\t\n", true},
		// declined: results must still match
		{"one-line parentheses", "a 300 IN SOA ns hm ( 1 2 3 4 5 )\n", true},
		{"SOA over lines", "@ IN SOA ns1 hostmaster (\n\t2024010101 ; serial\n\t7200 ; refresh\n\n\t3600 1209600\n\t300 )\nwww A 192.0.2.1\n", true},
		{"closing at column 0", "@ SOA ns hm (\n  1 2 3 4\n  5\n)\n@ NS ns\n", true},
		{"comment lines in parentheses", "@ SOA ns hm ( ; c\n;c2 (\n 1 2 3 4 5 ) ; end\n\tNS ns\n", true},
		{"parenthesis first", "a A 192.0.2.1\n( A 192.0.2.2 )\n", true},
		{"DS over lines, CRLF", "a DS 1 8 2 (\r\n\tAB CD\r\n\tEF )\r\nb A 192.0.2.1\r\n", true},
		{"$TTL in parentheses", "$TTL ( 300 )\na A 192.0.2.1\n", true},
		{"token at column 0 inside", "@ SOA ns hm (\n1 2 3 4 5 )\n", false},
		{"parenthesis touching a token", "@ SOA ns hm (1 2 3 4 5)\n", false},
		{"nested parentheses", "@ SOA ns hm ( ( 1 2 3 4 5 ) )\n", false},
		{"TXT in parentheses", "a TXT ( \"x\"\n \"y\" )\n", false},
		{"unclosed parenthesis", "@ SOA ns hm ( 1 2 3 4 5\n", false},
		{"stray closing parenthesis", "a A 192.0.2.1 )\n", false},
		{"long comments in parentheses", "@ SOA ns hm (\n ;" + strings.Repeat("c", 200) + "\n ;" + strings.Repeat("c", 200) + "\n ;" + strings.Repeat(";", 100) + "\n 1 2 3 4 5 )\n", false},
		{"escape", "a\\.b 300 IN A 192.0.2.1\n", false},
		{"TXT escape", "a TXT \"a\\\"b\"\n", false},
		{"$INCLUDE", "a A 192.0.2.1\n$INCLUDE inc.db\n", false},
		{"$GENERATE", "$GENERATE 1-3 h$ A 192.0.2.$\n", false},
		{"other directive", "$FOO bar\n", false},
		{"$TTL without value", "$TTL\na A 192.0.2.1\n", false},
		{"$ORIGIN keyword", "$ORIGIN ns\na A 192.0.2.1\n", false},
		{"class CH", "a CH TXT \"x\"\n", false},
		{"class ANY", "a ANY A 192.0.2.1\n", false},
		{"TYPEnnn", "a TYPE1 \\# 4 c0000201\n", false},
		{"unhandled type", "a HINFO \"pc\" \"os\"\n", false},
		{"first entry without owner", " 300 IN A 192.0.2.1\n", false},
		{"quote in header", "a \"300\" A 192.0.2.1\n", false},
		{"TXT over two lines", "a TXT \"x\ny\"\n", false},
		{"unquoted TXT", "a TXT x y\n", false},
		{"text touching a quote", "a TXT \"x\"y\n", false},
		{"SOA unit fields", "@ SOA ns hm 1 2h 3W 1d2H 5s\n", true},
		{"SOA unit serial", "@ SOA ns hm 1h 2 3 4 5\n", false},
		{"SOA timer too large", "@ SOA ns hm 1 2 3 4 4294967296\n", false},
		{"SOA timer not a TTL", "@ SOA ns hm 1 2 3 4 5x\n", false},
		{"DS algorithm mnemonic", "a DS 1 RSASHA256 2 AB\n", false},
		{"no RDATA", "a A\n", false},
		{"trailing garbage", "a A 192.0.2.1 192.0.2.2\n", false},
		{"bad address", "a A 192.0.2.256\nb AAAA 192.0.2.1\nc A ::1\n", false},
		{"label too long", strings.Repeat("a", 64) + " A 192.0.2.1\n", false},
		{"empty label", "a..b A 192.0.2.1\n", false},
		{"MX preference too large", "a MX 70000 mail\n", false},
		{"carriage return inside", "a A\r192.0.2.1\n", false},
		{"two TTLs", "a 1 2 A 192.0.2.1\n", false},
		{"two classes", "a IN IN A 192.0.2.1\n", false},
		{"not a TTL", "a 1x A 192.0.2.1\n", false},
		{"owner only", "a\n", false},
		{"long comment", "a A 192.0.2.1 ;" + strings.Repeat("c", 600) + "\n", false},
		{"long comment with ';'", ";" + strings.Repeat("A", 509) + ";\n", false},
		{"long comment after TXT", "a TXT \"x\" ;" + strings.Repeat(";", 300) + "\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, took := fastAccepts([]byte(tc.text), "example."); took != tc.take {
				t.Errorf("fast parser took the text: got %v, want %v", took, tc.take)
			}
			for _, opt := range []readOptions{sequential, splitInto(2)} {
				sameAsMiekg(t, fmt.Sprintf("%d ways", opt.ways), textSource([]byte(tc.text)), "example.", opt)
			}
		})
	}
}

// TestReadFastAllocations checks the fast parser's thrift: consecutive entries of one
// owner share its string, and the root zone costs fewer than 2.5 allocations per record
// (the RR, its names and text, the 16-octet address), where miekg/dns makes about 10.
func TestReadFastAllocations(t *testing.T) {
	p, ok := fastAccepts([]byte("$ORIGIN tld.\nd 300 NS ns1.d\n\tNS ns2.d\nd DS 1 8 2 AB\nD A 192.0.2.1\n"), ".")
	if !ok || len(p.recs) != 4 {
		t.Fatalf("got %d records (taken %v), want 4 taken", len(p.recs), ok)
	}
	name := func(i int) *byte { return unsafe.StringData(p.recs[i].RR.Header().Name) }
	if name(0) != name(1) || name(0) != name(2) {
		t.Errorf("got owners of d at %p, %p, %p, want one shared string", name(0), name(1), name(2))
	}
	if name(3) == name(0) {
		t.Errorf("got D sharing the string of d, want its own (case is kept)")
	}

	root, err := os.ReadFile(rootZone)
	if err != nil {
		t.Fatal(err)
	}
	h := newHasher(maphash.MakeSeed())
	allocs := testing.AllocsPerRun(3, func() {
		fp := newFastParser("root.zone", ".", newParsed(24911), h)
		if !fp.part(nil, root, 1, len(root), func() int { return len(root) }) {
			t.Fatal("the fast parser declined the root zone")
		}
	})
	if perRecord := allocs / 24911; perRecord > 2.5 {
		t.Errorf("got %.2f allocations per record, want at most 2.5", perRecord)
	}
}

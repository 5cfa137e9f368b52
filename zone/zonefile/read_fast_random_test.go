package zonefile

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// fastPools holds, for each part of an entry, tokens the fast parser takes and tokens
// it must decline or miekg/dns rejects, to build random entries from.
var fastPools = struct {
	owners, ttls, classes, blanks, ends []string
	rdata                               map[string][]string
}{
	owners:  []string{"a", "@", "www.a", "a.example.", ".", "A", "x-y_z", "IN", "300", "*.w", "a..b", strings.Repeat("l", 63), strings.Repeat("l", 64), "$ttl", "ıñ", ""},
	ttls:    []string{"", "", "0", "300", "4294967295", "4294967296", "1h", "1w2d", "01", "1x", "-1", "S"},
	classes: []string{"", "", "IN", "in", "iN", "CH", "CLASS1", "ANY"},
	blanks:  []string{" ", "\t", "  ", " \t "},
	ends:    []string{"\n", "\n", "\r\n", " ; c\n", ";c\n", " \n", "\t;(\"\\\n", ""},
	rdata: map[string][]string{
		"A":          {"192.0.2.1", "0.0.0.0", "192.0.2.256", "::1", "::ffff:192.0.2.1", "1.2.3", "192.0.2.1 x", "01.2.3.4"},
		"aaaa":       {"2001:db8::1", "::", "::ffff:192.0.2.1", "192.0.2.1", "2001:db8::g", "2001:DB8::1"},
		"NS":         {"ns", "ns.example.", "@", "a..b", "ns x"},
		"CNAME":      {"t", "t.", "@"},
		"DNAME":      {"t.example.", "t"},
		"PTR":        {"host.", "h"},
		"MX":         {"10 mail", "( 10\n\tmail )", "( 10\n)", "10 ( mail ) ; c", "0 @", "65535 m.", "65536 m", "x m", "10"},
		"SOA":        {"ns hm 1 2 3 4 5", "ns hm ( 1 2\n\t3 ; c\n 4 5 )", "ns hm (\n 1 2 3 4 5\n)", "ns hm (\n1 2 3 4 5 )", "ns hm (1 2 3 4 5)", "ns hm ( 1;c\n\t2 3 4 5 )", "ns. hm. 4294967295 0 0 0 0", "ns hm 1 2h 3 4 5", "ns hm 1 2 3 4", "ns hm x 2 3 4 5"},
		"TXT":        {"\"x\"", "\"a b\" \"\"", "\"" + strings.Repeat("t", 256) + "\"", "x", "\"x\"y", "\"a;b(c)\" \"d\"", "\"\t\""},
		"DS":         {"1 8 2 ABCD", "1 8 2 ( AB\n CD )", "( 1 8 2 AB ) CD", "65535 13 2 AB CD EF", "1 RSASHA256 2 AB", "1 8 2", "70000 8 2 AB", "1 256 2 AB"},
		"CDS":        {"0 0 0 00"},
		"DNSKEY":     {"257 3 8 AwEAAa gNo=", "256 3 13 oJMR", "256 3 13", "256 3 300 x"},
		"CDNSKEY":    {"0 3 0 AA=="},
		"RRSIG":      {"A 8 2 300 20230524050000 20230511040000 60955 example. ab cd", "NS 13 0 0 1 2 3 . x", "TYPE1 8 2 300 1 2 3 . x", "A 8 2 300 20231332000000 1 3 . x", "a 8 2 300 19700101000000 20991231235959 65535 @", "A RSASHA1 2 300 1 2 3 . x", "A 8 2 300 1 2 3"},
		"NSEC":       {"n A NS", "n.example.", "n TYPE65", "@ rrsig nsec dnskey", "n X"},
		"NSEC3":      {"1 1 12 aabb 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA", "1 0 0 - H", "1 0 0 -", "256 0 0 - H"},
		"NSEC3PARAM": {"1 0 10 aabbccdd", "1 0 0 -", "1 0 0", "1 0 0 - x"},
		"HINFO":      {"\"pc\" \"os\""},
		"ZONEMD":     {"2023051100 1 1 AB CD", "1 1 1", "4294967296 1 1 AB", "1 256 1 AB", "( 1 1 1\n AB )"},
		"TLSA":       {"3 1 1 ABCD", "3 1 1", "3 1 x AB"},
		"SRV":        {"10 60 5060 sip", "0 0 0 .", "10 60 5060", "10 60 65536 x", "1 2 3 @"},
	},
}

// TestReadFastRandomEntries builds files of random entries from fastPools and reads
// each with the fast parser on and off: the results must be the same. It also counts
// the files the fast parser took, so that the test fails if it takes none.
func TestReadFastRandomEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	types := make([]string, 0, len(fastPools.rdata))
	for typ := range fastPools.rdata {
		types = append(types, typ)
	}
	const files = 3000
	taken := 0
	for i := range files {
		var b strings.Builder
		for range 1 + r.IntN(4) {
			switch r.IntN(12) {
			case 0:
				fmt.Fprintf(&b, "$TTL%s%s%s", pick(fastPools.blanks), pick(fastPools.ttls[2:]), pick(fastPools.ends))
				continue
			case 1:
				fmt.Fprintf(&b, "$ORIGIN%s%s%s", pick(fastPools.blanks), pick(fastPools.owners), pick(fastPools.ends))
				continue
			}
			owner := pick(fastPools.owners)
			b.WriteString(owner)
			fields := []string{pick(fastPools.ttls), pick(fastPools.classes)}
			if r.IntN(2) == 0 {
				fields[0], fields[1] = fields[1], fields[0]
			}
			typ := types[r.IntN(len(types))]
			for _, f := range append(fields, typ, pick(fastPools.rdata[typ])) {
				if f != "" {
					b.WriteString(pick(fastPools.blanks))
					b.WriteString(f)
				}
			}
			b.WriteString(pick(fastPools.ends))
		}
		text := b.String()
		if _, ok := fastAccepts([]byte(text), "example."); ok {
			taken++
		}
		for _, opt := range []readOptions{sequential, splitInto(2)} {
			sameAsMiekg(t, fmt.Sprintf("file %d %q, %d ways", i, text, opt.ways), textSource([]byte(text)), "example.", opt)
		}
	}
	t.Logf("the fast parser took %d of %d files", taken, files)
	if taken < files/20 {
		t.Errorf("got %d files taken by the fast parser, want at least %d", taken, files/20)
	}
}

package zone

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// everyType is a zone with a record of each type miekg/dns reads from a master
// file, several with names in their RDATA (compressible or not), multi-record
// RRsets whose file order is not their RDATA order, and an unknown type.
const everyType = `$ORIGIN types.example.
$TTL 3600
@ IN SOA ns1 hostmaster 7 7200 3600 1209600 300
@ IN NS ns1
@ IN NS ns2
ns1 IN A 192.0.2.1
ns2 IN AAAA 2001:db8::53
@ IN MX 20 mx2
@ IN MX 10 mx1
mx1 IN A 192.0.2.25
mx2 IN A 192.0.2.26
@ IN TXT "b" "second string" "esc\"aped\\;"
@ IN TXT "a"
@ IN SPF "v=spf1 -all"
@ IN CAA 0 issue "ca.example"
@ IN HINFO "cpu" "os"
@ IN RP mbox.types.example. txt.types.example.
@ IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
@ IN NSEC3PARAM 1 0 10 aabbccdd
@ IN ZONEMD 2018031500 1 1 FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE
@ IN CSYNC 66 3 A NS AAAA
@ IN OPENPGPKEY AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==
_sip._udp IN SRV 10 60 5060 sip
_sip._udp IN SRV 0 5 5060 sip
sip IN A 192.0.2.60
naptr IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.types.example.
svc IN SVCB 1 svc alpn=h2,h3 port=8443 ipv4hint=192.0.2.7
svc IN A 192.0.2.7
www IN HTTPS 1 . alpn=h3 ech=AEX+DQBB
alias IN CNAME svc
_443._tcp IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ssh IN SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
child IN NS ns.child
child IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.child IN A 192.0.2.53
key IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
ptr IN PTR target.example.
redirect IN DNAME elsewhere.example.
afsdb IN AFSDB 1 afs.types.example.
kx IN KX 10 kx.types.example.
uri IN URI 10 1 "https://www.example/"
cert IN CERT PGP 0 0 AQIDBAU=
eui IN EUI48 00-00-5e-00-53-2a
eui IN EUI64 00-00-5e-ef-10-00-00-2a
dhcid IN DHCID AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=
nid IN NID 10 0014:4fff:ff20:ee64
l32 IN L32 10 10.1.2.0
unknown IN TYPE65400 \# 3 abcdef
`

// TestShedRecordsRoundTrip checks that the records a built zone decodes from its
// wire forms once it lets the values go (Load) are those it was compiled from
// (Compile keeps them): same records, same TTLs, same order in Records, for every
// type of everyType and every record of the signed root zone.
func TestShedRecordsRoundTrip(t *testing.T) {
	root, err := os.ReadFile(filepath.Join("testdata", "root.zone"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ origin, text string }{
		{"types.example.", everyType},
		{".", string(root)},
	} {
		t.Run(tc.origin, func(t *testing.T) {
			held, err := Compile(tc.origin, parseZoneText(t, tc.origin, tc.text))
			if err != nil {
				t.Fatal(err)
			}
			shed, err := Load(textSource(tc.text), tc.origin)
			if err != nil {
				t.Fatal(err)
			}
			want, got := recordStrings(held.Records()), recordStrings(shed.Records())
			if len(want) < 20 || !slices.Equal(got, want) {
				t.Fatalf("records after shedding differ (%d, want %d):\n%s", len(got), len(want), firstDifference(got, want))
			}
			sets := 0
			for n := range shed.allNodes() {
				for _, s := range n.sets {
					sets++
					if s.holds() {
						t.Errorf("%s %s still holds its records as values", s.Name, dns.Type(s.Type))
					}
					if len(s.Records()) != len(s.Wire) || len(s.Signatures()) != len(s.SigWire()) {
						t.Errorf("%s %s: %d records and %d signatures decoded from %d and %d wire forms",
							s.Name, dns.Type(s.Type), len(s.Records()), len(s.Signatures()), len(s.Wire), len(s.SigWire()))
					}
				}
			}
			if sets == 0 {
				t.Fatal("no RRsets")
			}
		})
	}
}

// TestShedAppendRRs checks the slow reply path's records after shedding: a
// wildcard expansion written with the query name, the signatures after the records.
func TestShedAppendRRs(t *testing.T) {
	z, err := Load(textSource(everyType+"*.wild IN TXT \"w\"\n"), "types.example.")
	if err != nil {
		t.Fatal(err)
	}
	var a Answer
	z.Lookup("x.wild.types.example.", dns.TypeTXT, &a)
	if len(a.Answer) != 1 {
		t.Fatalf("answer %v", a.Answer)
	}
	rrs := a.Answer[0].AppendRRs(nil, true)
	if len(rrs) != 1 || rrs[0].String() != "x.wild.types.example.\t3600\tIN\tTXT\t\"w\"" {
		t.Fatalf("wildcard expansion: got %v", rrs)
	}
	if s := a.Answer[0].Set; s.holds() || s.Name != "*.wild.types.example." {
		t.Fatalf("the zone's RRset changed: %+v", s)
	}
}

// textSource is a master file of text, in memory.
func textSource(text string) zonefile.Source {
	return zonefile.Source{FS: fstest.MapFS{"test.zone": {Data: []byte(text)}}, Name: "test.zone", Path: "test.zone"}
}

func recordStrings(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = strings.ToLower(rr.String())
	}
	return out
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "got  " + got[i] + "\nwant " + want[i]
		}
	}
	return "one is a prefix of the other"
}

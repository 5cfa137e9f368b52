package zonefile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// rootZone is the signed root zone, kept in zone/testdata (see its README), where the
// Makefile and cmd/benchdns find it too.
var rootZone = filepath.Join("..", "testdata", "root.zone")

// TestReadFixture reads testdata/example.zone from disk, with its $INCLUDE, and checks
// every record's file, line and text.
func TestReadFixture(t *testing.T) {
	path := filepath.Join("testdata", "example.zone")
	inc := filepath.Join("testdata", "inc", "hosts.zone")
	recs, err := Read(FileSource(path), "example.")
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	want := []string{
		path + ":4 example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300",
		path + ":10 example. 3600 IN NS ns1.example.",
		path + ":11 example. 3600 IN NS ns1.sub.example.",
		path + ":12 ns1.example. 3600 IN A 192.0.2.1",
		inc + ":2 host1.example. 3600 IN A 192.0.2.10",
		inc + ":3 host1.example. 3600 IN TXT \"first\" \"second\"",
		path + ":15 pool1.example. 60 IN A 198.51.100.1",
		path + ":15 pool2.example. 60 IN A 198.51.100.2",
		path + ":16 sub.example. 3600 IN NS ns1.sub.example.",
		path + ":17 ns1.sub.example. 3600 IN AAAA 2001:db8::53",
		path + ":18 www.example. 3600 IN CNAME host1.example.",
	}
	got := recordLines(recs)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got records\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadRootZone reads the signed root zone: every record, of the types its README
// counts.
func TestReadRootZone(t *testing.T) {
	start := time.Now()
	recs, st, err := ReadWithStats(FileSource(rootZone), ".")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	t.Logf("Read of the root zone: %d records in %v", len(recs), took)
	if len(recs) != 24911 || st.Duplicates != 0 {
		t.Errorf("got %d records and %d duplicates, want 24911 and 0", len(recs), st.Duplicates)
	}
	count := map[uint16]int{}
	for _, r := range recs {
		count[r.RR.Header().Rrtype]++
	}
	want := map[uint16]int{dns.TypeNS: 7630, dns.TypeA: 5833, dns.TypeAAAA: 5494, dns.TypeRRSIG: 2849,
		dns.TypeDS: 1622, dns.TypeNSEC: 1480, dns.TypeDNSKEY: 2, dns.TypeSOA: 1}
	for typ, n := range want {
		if count[typ] != n {
			t.Errorf("got %d %s records, want %d", count[typ], dns.Type(typ), n)
		}
	}
	if soa, ok := recs[0].RR.(*dns.SOA); !ok || soa.Serial != 2023051100 || recs[0].Line != 1 {
		t.Errorf("got first record %v at line %d, want the SOA of serial 2023051100 at line 1", recs[0].RR, recs[0].Line)
	}
	if last := recs[len(recs)-1]; last.Line != 24911 {
		t.Errorf("got last record at line %d, want 24911 (one record per line)", last.Line)
	}
}

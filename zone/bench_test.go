package zone

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// BenchmarkLookup measures the answer algorithm alone, one Answer reused.
func BenchmarkLookup(b *testing.B) {
	z := mustCompileText(b, "example.", exampleZone)
	cases := []benchQuery{
		{"positive", "www.example.", dns.TypeA},
		{"positive-additional", "example.", dns.TypeMX},
		{"nxdomain", "nx.example.", dns.TypeA},
		{"nodata", "www.example.", dns.TypeMX},
		{"referral", "www.child.example.", dns.TypeA},
		{"wildcard", "x.y.wild.example.", dns.TypeA},
		{"cname-chain", "c1.example.", dns.TypeA},
		{"dname", "alias.d.example.", dns.TypeA},
	}
	benchmarkLookups(b, z, cases)
}

// benchQuery is a query of a lookup benchmark.
type benchQuery struct {
	name  string
	qname string
	qtype uint16
}

// benchmarkLookups runs a sub-benchmark of z's answer to each case.
func benchmarkLookups(b *testing.B, z *Zone, cases []benchQuery) {
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var a Answer
			b.ReportAllocs()
			for b.Loop() {
				z.Lookup(c.qname, c.qtype, &a)
			}
		})
	}
}

// rootZonePath returns the signed root zone copied into testdata (see
// testdata/README.md), or skips when it is missing outside CI.
func rootZonePath(b *testing.B) string {
	p := filepath.Join("testdata", "root.zone")
	if _, err := os.Stat(p); err != nil {
		testutil.Missing(b, "root zone: %v", err)
	}
	return p
}

// BenchmarkLookupRoot answers TLD referrals and NXDOMAIN from the signed root zone.
func BenchmarkLookupRoot(b *testing.B) {
	text, err := os.ReadFile(rootZonePath(b))
	if err != nil {
		b.Fatal(err)
	}
	z, err := Compile(".", parseZoneText(b, ".", string(text)))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		qname  string
		qtype  uint16
		dnssec bool
	}{
		{"referral", "www.example.com.", dns.TypeA, false},
		{"nxdomain", "www.example.invalidtld.", dns.TypeA, false},
		// With DO: the DS of a signed TLD, the NSEC of an unsigned one, and the two
		// NSECs of a name error (RFC 4035 section 3.1.3.2).
		{"referral_DO", "www.example.com.", dns.TypeA, true},
		{"referral_insecure_DO", "www.example.cf.", dns.TypeA, true},
		{"nxdomain_DO", "www.example.invalidtld.", dns.TypeA, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var a Answer
			b.ReportAllocs()
			for b.Loop() {
				if c.dnssec {
					z.LookupDNSSEC(c.qname, c.qtype, &a)
				} else {
					z.Lookup(c.qname, c.qtype, &a)
				}
			}
		})
	}
}

// BenchmarkLookupNSEC3 answers with NSEC3 proofs from the zone of RFC 5155 appendix A
// (12 iterations: each hash is 13 SHA-1 blocks; RFC 9276 zones use none).
func BenchmarkLookupNSEC3(b *testing.B) {
	z := loadShared(b, "example.", "knot-tests-extra/basic_opt-out_example.zone")
	for _, c := range []struct {
		name  string
		qname string
		qtype uint16
	}{
		{"nxdomain", "a.c.x.w.example.", dns.TypeA},
		{"nodata", "ns1.example.", dns.TypeMX},
		{"wildcard", "a.z.w.example.", dns.TypeMX},
		{"wildcard_nodata", "a.z.w.example.", dns.TypeAAAA},
		{"optout_referral", "mc.c.example.", dns.TypeMX},
	} {
		b.Run(c.name, func(b *testing.B) {
			var a Answer
			b.ReportAllocs()
			for b.Loop() {
				z.LookupDNSSEC(c.qname, c.qtype, &a)
			}
		})
	}
}

// BenchmarkCompileRoot measures Compile alone on the records of the signed root
// zone (parsed once), and the heap the compiled structure adds to the records
// ("heap-MB").
func BenchmarkCompileRoot(b *testing.B) {
	text, err := os.ReadFile(rootZonePath(b))
	if err != nil {
		b.Fatal(err)
	}
	recs := parseZoneText(b, ".", string(text))
	benchmarkHeap(b, func() (*Zone, error) { return Compile(".", recs) })
}

// BenchmarkCheckRoot runs the semantic checks on the root zone.
func BenchmarkCheckRoot(b *testing.B) {
	recs, err := zonefile.Read(zonefile.FileSource(rootZonePath(b)), ".")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(".", recs); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkHeap times build and reports, besides time and allocation, the heap the
// zone it returns still holds once built ("heap-MB").
func benchmarkHeap(b *testing.B, build func() (*Zone, error)) {
	b.ReportAllocs()
	var heap float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		z, err := build()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(z)
		heap = float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / (1 << 20)
	}
	b.ReportMetric(heap, "heap-MB")
}

// BenchmarkLoadRoot loads zone/testdata/root.zone (read, checked and compiled) and
// reports, besides time and allocation, the heap still in use once the zone is
// loaded ("heap-MB"), the figure to compare with NSD's and Knot's memory.
func BenchmarkLoadRoot(b *testing.B) {
	path := rootZonePath(b)
	benchmarkHeap(b, func() (*Zone, error) { return Load(zonefile.FileSource(path), ".") })
}

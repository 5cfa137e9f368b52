package zone

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// recordLines renders records as zone-file lines, for comparing versions.
func recordLines(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

// roundTrip checks that z.Records() starts with the SOA, holds RecordCount records,
// and builds again into a zone with the same records.
func roundTrip(t *testing.T, z *Zone) {
	t.Helper()
	rrs := z.Records()
	if len(rrs) == 0 || rrs[0] != dns.RR(z.SOA()) {
		t.Fatalf("Records() does not start with the SOA")
	}
	if len(rrs) != z.RecordCount() {
		t.Fatalf("len(Records()) = %d, want RecordCount %d", len(rrs), z.RecordCount())
	}
	again, res, err := Build(z.Origin(), rrs, DNSSECOptions{})
	if err != nil {
		t.Fatalf("Build(Records()): %v", err)
	}
	if res.Records != z.RecordCount() || res.Serial != z.Serial() || res.Duplicates != 0 {
		t.Errorf("Build result: %d records serial %d duplicates %d, want %d, %d, 0",
			res.Records, res.Serial, res.Duplicates, z.RecordCount(), z.Serial())
	}
	if got, want := recordLines(again.Records()), recordLines(rrs); !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("record %d after the round trip: got %q, want %q", i, got[i], want[i])
			}
		}
		t.Fatalf("round trip: %d records, want %d", len(got), len(want))
	}
	if again.Denial() != z.Denial() {
		t.Errorf("denial after the round trip: %s, want %s", again.Denial(), z.Denial())
	}
	// The copy kept on disk loads as the same version.
	path := filepath.Join(t.TempDir(), "copy.zone")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := zonefile.Write(f, z.Origin(), rrs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(zonefile.FileSource(path), z.Origin())
	if err != nil {
		t.Fatalf("Load of the written copy: %v", err)
	}
	if got := recordLines(loaded.Records()); !slices.Equal(got, recordLines(rrs)) {
		t.Errorf("the written copy loads as %d records, want the %d written", len(got), len(rrs))
	}
}

func TestRecordsRoundTripSharedZones(t *testing.T) {
	for _, sz := range zonetest.SharedZones(t) {
		t.Run(sz.File, func(t *testing.T) {
			z, err := Load(zonefile.FileSource(sz.Path), sz.Origin)
			if err != nil {
				t.Skipf("does not load: %v", err) // invalid on purpose (checkzone_compat_test.go)
			}
			roundTrip(t, z)
		})
	}
}

func TestRecordsRoundTripTestdata(t *testing.T) {
	z, err := Load(zonefile.FileSource(filepath.Join("testdata", "root.zone")), ".")
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, z)
	roundTrip(t, mustCompileText(t, "signed.example.", signedZone))
}

func TestRecordsOrder(t *testing.T) {
	const text = `$ORIGIN example.
b      300 IN A     192.0.2.2
@     3600 IN NS    ns.example.
@     3600 IN SOA   ns hostmaster 7 7200 3600 1209600 300
Z.a    300 IN A     192.0.2.3
a      300 IN TXT   "a"
a      600 IN TXT   "b"
*.a    300 IN A     192.0.2.4
sub    300 IN NS    ns.sub
ns.sub 300 IN A     192.0.2.5
x.ns.sub 300 IN TXT "occluded"
dn     300 IN DNAME example.net.
b      300 IN A     192.0.2.2
`
	z := mustCompileText(t, "example.", text)
	want := []string{
		"example.\t3600\tIN\tSOA\tns.example. hostmaster.example. 7 7200 3600 1209600 300",
		"example.\t3600\tIN\tNS\tns.example.",
		"a.example.\t300\tIN\tTXT\t\"a\"",
		"a.example.\t300\tIN\tTXT\t\"b\"", // the RRset's one TTL (RFC 2181 section 5.2)
		"*.a.example.\t300\tIN\tA\t192.0.2.4",
		"Z.a.example.\t300\tIN\tA\t192.0.2.3",
		"b.example.\t300\tIN\tA\t192.0.2.2",
		"dn.example.\t300\tIN\tDNAME\texample.net.",
		"sub.example.\t300\tIN\tNS\tns.sub.example.",
		"ns.sub.example.\t300\tIN\tA\t192.0.2.5", // glue
		"x.ns.sub.example.\t300\tIN\tTXT\t\"occluded\"",
	}
	if got := recordLines(z.Records()); !slices.Equal(got, want) {
		t.Errorf("Records():\ngot  %q\nwant %q", got, want)
	}
}

func TestBuildChecksAsALoad(t *testing.T) {
	parse := func(text string) []dns.RR {
		var rrs []dns.RR
		for _, r := range parseZoneText(t, "example.", text) {
			rrs = append(rrs, r.RR)
		}
		return rrs
	}
	const apex = "$ORIGIN example.\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ IN NS ns\nns IN A 192.0.2.1\n"
	t.Run("errors name the record", func(t *testing.T) {
		_, res, err := Build("Example", parse(apex+"www IN CNAME a\nwww IN A 192.0.2.2\nx.other. IN A 192.0.2.3\n"), DNSSECOptions{})
		if err == nil || !errors.Is(res.Err, err) {
			t.Fatalf("Build: err %v, res.Err %v; want the same error", err, res.Err)
		}
		got := err.Error()
		for _, want := range []string{
			"www.example. A: CNAME and other data (A) at www.example. (cname-and-other-data)",
			"x.other. A: x.other. is outside the zone example. (out-of-zone)",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("error %q lacks %q", got, want)
			}
		}
		if res.Origin != "example." {
			t.Errorf("res.Origin = %q, want example.", res.Origin)
		}
	})
	t.Run("no SOA", func(t *testing.T) {
		_, _, err := Build("example.", parse("$ORIGIN example.\n@ IN NS ns.example.\n"), DNSSECOptions{})
		if err == nil || err.Error() != "zone example. has no SOA record at its apex (no-soa)" {
			t.Errorf("Build without SOA: %v", err)
		}
	})
	t.Run("warnings and duplicates", func(t *testing.T) {
		z, res, err := Build("example.", parse(apex+"sub IN NS ns.sub\nns IN A 192.0.2.1\n"), DNSSECOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicates != 1 || res.Records != 4 || z.RecordCount() != 4 || res.Serial != 1 {
			t.Errorf("result %+v, want 1 duplicate, 4 records, serial 1", res)
		}
		if len(res.Warnings) != 1 || res.Warnings[0].Rule != "missing-glue" ||
			res.Warnings[0].Error() != "sub.example. NS: no A or AAAA glue for name server ns.sub.example. of the delegation sub.example. (missing-glue)" {
			t.Errorf("warnings %v, want the missing glue of sub.example.", res.Warnings)
		}
	})
	t.Run("DNSSEC checked", func(t *testing.T) {
		z, res, err := Build("signed.example.", mustCompileText(t, "signed.example.", signedZone).Records(), DNSSECOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.DNSSEC == nil || z.Denial() != "NSEC" {
			t.Errorf("signed zone: DNSSEC report %v, denial %s", res.DNSSEC, z.Denial())
		}
	})
}

// TestLoadUsesBuild checks that a file load and Build of the same records agree.
func TestLoadUsesBuild(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "example.zone")
	text := "$ORIGIN example.\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ IN NS ns\nsub IN NS ns.sub\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(&Store{}, []ZoneFile{{Origin: "example.", Source: zonefile.FileSource(path)}}, LoaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	results, err := l.LoadAll()
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := Build("example.", l.Zones()[0].Records(), DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results[0].Warnings) != 1 || len(res.Warnings) != 1 || results[0].Warnings[0].Rule != res.Warnings[0].Rule {
		t.Errorf("warnings: load %v, Build %v; want the same missing-glue", results[0].Warnings, res.Warnings)
	}
	if got := results[0].Warnings[0].Error(); !strings.HasPrefix(got, path+":4: ") {
		t.Errorf("load warning %q does not name file:line", got)
	}
}

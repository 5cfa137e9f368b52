package zone

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkReadRootSequential reads the root zone with one parser, the way Read
// reads a small file, to compare with BenchmarkReadRoot.
func BenchmarkReadRootSequential(b *testing.B) {
	src := FileSource(filepath.Join("testdata", "root.zone"))
	b.ReportAllocs()
	for b.Loop() {
		recs, _, err := readWithStats(src, ".", sequential)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != 24911 {
			b.Fatalf("got %d records, want 24911", len(recs))
		}
	}
}

// BenchmarkLoaderRoot loads the root zone the way the server starts: Loader.LoadAll
// of a fresh Loader, from the file to the published set.
func BenchmarkLoaderRoot(b *testing.B) {
	zf := ZoneFile{Origin: ".", Source: FileSource(filepath.Join("testdata", "root.zone"))}
	benchmarkLoader(b, zf, 0)
}

// benchmarkLoader times Loader.LoadAll of a fresh Loader of zf, from the file to the
// published set; with records > 0, the zone must hold that many records.
func benchmarkLoader(b *testing.B, zf ZoneFile, records int) {
	b.ReportAllocs()
	for b.Loop() {
		var store Store
		l, err := NewLoader(&store, nil, zf)
		if err != nil {
			b.Fatal(err)
		}
		res, err := l.LoadAll()
		if err != nil {
			b.Fatal(err)
		}
		if store.Current() == nil {
			b.Fatal("nothing published")
		}
		if records > 0 && res[0].Records != records {
			b.Fatalf("got %d records, want %d", res[0].Records, records)
		}
		// The memory release of publish runs after LoadAll returns; let it end
		// before the next load, as it does before a server's next reload.
		b.StopTimer()
		for i := 0; i < 1000 && releasing.Load() > 0; i++ {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
	}
}

// delegationZone returns a zone of 4+3k records for the largest k with 4+3k <= n: an
// apex, then delegations with an NS record and the A and AAAA glue of its name server
// (the shape of a TLD).
func delegationZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\n@ 3600 IN TXT \"x\"\nns1 3600 IN A 192.0.2.1\n")
	for i := range (n - 4) / 3 {
		fmt.Fprintf(&b, "d%d 3600 IN NS ns.d%d\nns.d%d 3600 IN A 10.%d.%d.%d\nns.d%d 3600 IN AAAA 2001:db8:%x:%x::1\n",
			i, i, i, i>>16&255, i>>8&255, i&255, i, i>>16, i&0xffff)
	}
	return b.String()
}

// BenchmarkLoader100k loads a zone of 100,000 delegation records with Loader.LoadAll.
func BenchmarkLoader100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "example.zone")
	if err := os.WriteFile(path, []byte(delegationZone(100000)), 0o644); err != nil {
		b.Fatal(err)
	}
	zf := ZoneFile{Origin: "example.", Source: FileSource(path)}
	benchmarkLoader(b, zf, 100000)
}

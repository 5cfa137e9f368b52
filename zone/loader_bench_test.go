package zone

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// BenchmarkLoaderRoot loads the root zone the way the server starts: Loader.LoadAll
// of a fresh Loader that tunes the garbage collector, from the file to the published
// set.
func BenchmarkLoaderRoot(b *testing.B) {
	zf := ZoneFile{Origin: ".", Source: zonefile.FileSource(filepath.Join("testdata", "root.zone"))}
	benchmarkLoader(b, zf, 0)
}

// benchmarkLoader times Loader.LoadAll of a fresh Loader of zf, with the options the
// server uses, from the file to the published set; with records > 0, the zone must
// hold that many records.
func benchmarkLoader(b *testing.B, zf ZoneFile, records int) {
	b.ReportAllocs()
	for b.Loop() {
		var store Store
		l, err := NewLoader(&store, []ZoneFile{zf}, LoaderOptions{TuneGC: true})
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

// BenchmarkLoader100k loads a zone of 100,000 delegation records with Loader.LoadAll.
func BenchmarkLoader100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "example.zone")
	if err := os.WriteFile(path, []byte(zonetest.DelegationZone(100000)), 0o644); err != nil {
		b.Fatal(err)
	}
	zf := ZoneFile{Origin: "example.", Source: zonefile.FileSource(path)}
	benchmarkLoader(b, zf, 100000)
}

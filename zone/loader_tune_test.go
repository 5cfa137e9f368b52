package zone

import (
	"io/fs"
	"runtime"
	"runtime/debug"
	"testing"
	"testing/fstest"
	"time"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// gcProbeFS is a file system that notes the GC percent in force whenever a file is
// opened.
type gcProbeFS struct {
	fstest.MapFS
	seen *[]int
}

// Open notes the GC percent, then opens name.
func (f gcProbeFS) Open(name string) (fs.File, error) {
	*f.seen = append(*f.seen, gcPercent())
	return f.MapFS.Open(name)
}

// TestLoaderTuneGC checks that a Loader changes the process's garbage-collector
// settings only when LoaderOptions.TuneGC asks it to: then the GC percent is
// loadGCPercent while the file is read and back afterwards, and a forced collection
// (debug.FreeOSMemory) follows the publish; else neither happens.
func TestLoaderTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tune := range []bool{false, true} {
		var seen []int
		fsys := gcProbeFS{MapFS: fstest.MapFS{"z.db": {Data: []byte(reloadZone("example.", 1))}}, seen: &seen}
		zf := ZoneFile{Origin: "example.", Source: zonefile.Source{FS: fsys, Name: "z.db"}}
		var store Store
		l, err := NewLoader(&store, []ZoneFile{zf}, LoaderOptions{TuneGC: tune})
		if err != nil {
			t.Fatal(err)
		}
		waitReleased(t) // of the tests before this one
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := l.LoadAll(); err != nil {
			t.Fatalf("TuneGC %v: LoadAll: %v", tune, err)
		}
		pending := releasing.Load()
		want := 100
		if tune {
			want = loadGCPercent
		}
		if len(seen) == 0 || seen[len(seen)-1] != want {
			t.Errorf("TuneGC %v: got GC percents %v at the opens of the file, want %d last", tune, seen, want)
		}
		if got := gcPercent(); got != 100 {
			t.Errorf("TuneGC %v: got GC percent %d after the load, want 100", tune, got)
		}
		if !tune {
			if pending != 0 {
				t.Errorf("TuneGC false: got %d requests to return memory to the OS, want none", pending)
			}
			continue
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var now runtime.MemStats
			runtime.ReadMemStats(&now)
			if now.NumForcedGC > before.NumForcedGC {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("TuneGC true: got no forced collection within 10 s of the publish, want one")
			}
			time.Sleep(10 * time.Millisecond)
		}
		waitReleased(t)
	}
}

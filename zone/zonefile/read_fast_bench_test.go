package zonefile

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// The fast parser's benchmarks: each reads a file with the fast parser on ("fast")
// and off ("miekg"), in parts as Read does on this machine, and reports the CPU time
// the process spent per read (cpu-ns/op: all goroutines, the GC's too) beside the
// wall time: their ratio shows how much the parts overlap.

// BenchmarkReadFastRoot reads the signed root zone (24,911 records).
func BenchmarkReadFastRoot(b *testing.B) {
	benchmarkReadFast(b, FileSource(rootZone), ".", 24911)
}

// BenchmarkReadFastDelegations reads a TLD-like zone of 100,000 delegations
// (zonetest.DelegationZone: one NS with A and AAAA glue each).
func BenchmarkReadFastDelegations(b *testing.B) {
	path := filepath.Join(b.TempDir(), "example.zone")
	if err := os.WriteFile(path, []byte(zonetest.DelegationZone(300004)), 0o644); err != nil {
		b.Fatal(err)
	}
	benchmarkReadFast(b, FileSource(path), "example.", 300004)
}

func benchmarkReadFast(b *testing.B, src Source, origin string, records int) {
	opt := readOptions{ways: runtime.GOMAXPROCS(0), minSplit: minSplitSize, minPart: minPartSize}
	for _, mode := range []struct {
		name string
		opt  readOptions
	}{{"fast", opt}, {"miekg", withoutFast(opt)}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			before := cpuTime(b)
			for b.Loop() {
				recs, _, err := readWithStats(src, origin, mode.opt)
				if err != nil {
					b.Fatal(err)
				}
				if len(recs) != records {
					b.Fatalf("got %d records, want %d", len(recs), records)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime returns the user and system CPU time of the process so far, in nanoseconds.
func cpuTime(tb testing.TB) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

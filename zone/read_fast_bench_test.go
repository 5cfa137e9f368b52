package zone

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// The fast parser's benchmarks: each reads a file with the fast parser on ("fast")
// and off ("miekg"), in parts as Read does on this machine, and reports the CPU time
// the process spent per read (cpu-ns/op: all goroutines, the GC's too) beside the
// wall time: their ratio shows how much the parts overlap.

// BenchmarkReadFastRoot reads the signed root zone of testdata (24,911 records).
func BenchmarkReadFastRoot(b *testing.B) {
	benchmarkReadFast(b, FileSource(filepath.Join("testdata", "root.zone")), ".", 24911)
}

// BenchmarkReadFastDelegations reads a TLD-like zone of 100,000 delegations written
// as cmd/benchdns writes its size series: one NS, A and AAAA each, absolute owners.
func BenchmarkReadFastDelegations(b *testing.B) {
	path := filepath.Join(b.TempDir(), "size100000.zone")
	n := writeDelegations(b, path, 100000)
	benchmarkReadFast(b, FileSource(path), "tld.", n)
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

// writeDelegations writes a zone of tld. with n delegations to path and returns its
// number of records: 3n+3.
func writeDelegations(tb testing.TB, path string, n int) int {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const o = "tld."
	fmt.Fprintf(w, "%s\t86400\tIN\tSOA\ta.nic.%s hostmaster.nic.%s 2026112601 1800 900 604800 86400\n", o, o, o)
	fmt.Fprintf(w, "%s\t86400\tIN\tNS\ta.nic.%s\n", o, o)
	fmt.Fprintf(w, "a.nic.%s\t86400\tIN\tA\t192.0.2.53\n", o)
	for i := range n {
		d := fmt.Sprintf("name%d.%s", i, o)
		fmt.Fprintf(w, "%s\t172800\tIN\tNS\tns1.%s\n", d, d)
		fmt.Fprintf(w, "ns1.%s\t172800\tIN\tA\t10.%d.%d.%d\n", d, i>>16&255, i>>8&255, i&255)
		fmt.Fprintf(w, "ns1.%s\t172800\tIN\tAAAA\t2001:db8:%x:%x::1\n", d, i>>16, i&0xffff)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return 3*n + 3
}

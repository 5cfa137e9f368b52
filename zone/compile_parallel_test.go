package zone

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// bigExampleZone is exampleZone with n more delegations (with glue and sibling glue),
// MX records whose targets a wildcard answers, and signed-looking TXT RRsets with
// records of different TTLs: enough nodes for compile to split its work.
func bigExampleZone(n int) string {
	var b strings.Builder
	b.WriteString(exampleZone)
	for i := range n {
		fmt.Fprintf(&b, "d%d NS ns.d%d\nd%d NS ns.d%d\nns.d%d A 192.0.2.%d\nns.d%d AAAA 2001:db8::%x\n",
			i, i, i, (i+1)%n, i, i%250, i, i)
		fmt.Fprintf(&b, "m%d MX 10 h%d.wild\nm%d MX 20 mail\n", i, i, i)
		fmt.Fprintf(&b, "t%d 300 TXT \"a\"\nt%d 600 TXT \"b\"\nT%d 300 TXT \"A\"\n", i, i, i)
	}
	return b.String()
}

// withProcs runs f with GOMAXPROCS set to n.
func withProcs(n int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// TestCompileParallelMatchesSerial compiles zones with one processor and with
// several and checks that the compiled zones are equal, node for node: the sets
// and their wire forms, flags, cuts, wildcards, glue, additional data, the
// canonical order, and the record count.
func TestCompileParallelMatchesSerial(t *testing.T) {
	zones := map[string]struct{ origin, text string }{
		"example with 1200 delegations": {"example.", bigExampleZone(1200)},
	}
	if text, err := os.ReadFile(filepath.Join("testdata", "root.zone")); err == nil {
		zones["root"] = struct{ origin, text string }{".", string(text)}
	}
	for name, zt := range zones {
		t.Run(name, func(t *testing.T) {
			recs := parseZoneText(t, zt.origin, zt.text)
			var serial, parallel *Zone
			var serialWarn, parallelWarn []*zonefile.Error
			var err error
			withProcs(1, func() { serial, serialWarn, err = compile(zt.origin, recs, true) })
			if err != nil {
				t.Fatal(err)
			}
			for _, procs := range []int{2, 3} {
				withProcs(procs, func() { parallel, parallelWarn, err = compile(zt.origin, recs, true) })
				if err != nil {
					t.Fatal(err)
				}
				if len(parallel.nodes) < procs*runChunk {
					t.Fatalf("got %d nodes, want at least %d to compile in parallel", len(parallel.nodes), procs*runChunk)
				}
				if !reflect.DeepEqual(parallel, serial) {
					t.Errorf("%d processors: the compiled zone differs from the one compiled on one", procs)
				}
				if fmt.Sprint(parallelWarn) != fmt.Sprint(serialWarn) {
					t.Errorf("%d processors: got warnings %v, want %v", procs, parallelWarn, serialWarn)
				}
				if parallel.RecordCount() != serial.RecordCount() {
					t.Errorf("%d processors: got %d records, want %d", procs, parallel.RecordCount(), serial.RecordCount())
				}
			}
		})
	}
}

// TestCompileParallelErrors checks that a zone that fails both the checks and the
// staging reports the checks' error whatever the number of processors, as when
// Check ran first.
func TestCompileParallelErrors(t *testing.T) {
	text := bigExampleZone(600) + "www.example.net. A 192.0.2.1\nc1 A 192.0.2.1\n"
	recs := parseZoneText(t, "example.", text)
	var want error
	withProcs(1, func() { _, _, want = compile("example.", recs, true) })
	if want == nil || !strings.Contains(want.Error(), "(out-of-zone)") || !strings.Contains(want.Error(), "(cname-and-other-data)") {
		t.Fatalf("one processor: got %v, want the out-of-zone and cname-and-other-data errors of Check", want)
	}
	withProcs(2, func() {
		_, _, err := compile("example.", recs, true)
		if fmt.Sprint(err) != fmt.Sprint(want) {
			t.Errorf("two processors: got %v, want %v", err, want)
		}
	})
}

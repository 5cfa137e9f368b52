package zones

import (
	"io/fs"
	"os/exec"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// Every embedded file is listed by All, and every listed file is embedded.
func TestAllMatchesFS(t *testing.T) {
	embedded, err := fs.Glob(FS, "*.zone")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, z := range All() {
		listed = append(listed, z.File)
	}
	slices.Sort(embedded)
	slices.Sort(listed)
	if !slices.Equal(embedded, listed) {
		t.Errorf("All lists %v, want the embedded files %v", listed, embedded)
	}
}

// Each example zone loads, checks and compiles, and has the records the README's
// examples rely on.
func TestExampleZonesLoad(t *testing.T) {
	want := map[string]struct {
		records int
		names   []string // owner names that must answer with a record of the type
		types   []uint16
	}{
		"example.org.": {24,
			[]string{"example.org.", "www.example.org.", "docs.example.org.", "_sip._tcp.example.org.", "ns1.example.org.", "host1.dyn.example.org."},
			[]uint16{dns.TypeMX, dns.TypeAAAA, dns.TypeCNAME, dns.TypeSRV, dns.TypeA, dns.TypeA}},
		"example.net.": {6, []string{"example.net."}, []uint16{dns.TypeA}},
	}
	for _, ez := range All() {
		t.Run(ez.Origin, func(t *testing.T) {
			z, err := zone.Load(zonefile.Source{FS: FS, Name: ez.File, Path: "zones/" + ez.File}, ez.Origin)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			w := want[ez.Origin]
			if z.RecordCount() != w.records {
				t.Errorf("records: got %d, want %d", z.RecordCount(), w.records)
			}
			var a zone.Answer
			for i, name := range w.names {
				z.Lookup(name, w.types[i], &a)
				if a.Kind != zone.Success || len(a.Answer) == 0 {
					t.Errorf("%s %s: got kind %d with %d answers, want data", name, dns.TypeToString[w.types[i]], a.Kind, len(a.Answer))
				}
			}
		})
	}
}

// NSD's checker accepts each example zone as well.
func TestExampleZonesNSDCheckzone(t *testing.T) {
	testutil.Tool(t, "nsd-checkzone") // Debian package nsd
	for _, ez := range All() {
		out, err := exec.Command("nsd-checkzone", ez.Origin, ez.File).CombinedOutput()
		if err != nil {
			t.Errorf("nsd-checkzone %s %s: %v\n%s", ez.Origin, ez.File, err, out)
		}
	}
}

package zone

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// TestWireFormsRoot checks that every RRset of the signed root zone (NSEC, RRSIG,
// DNSKEY, DS, glue) gets its wire forms, so that the server's fast reply writer
// answers all of it.
func TestWireFormsRoot(t *testing.T) {
	p := filepath.Join("testdata", "root.zone")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("root zone: %v", err)
	}
	z, err := Load(zonefile.FileSource(p), ".")
	if err != nil {
		t.Fatal(err)
	}
	sets := 0
	for _, n := range z.nodes {
		for _, s := range n.sets {
			sets++
			if s.OwnerWire == nil || len(s.Wire) != len(s.Records()) || len(s.SigWire()) != len(s.Signatures()) {
				t.Fatalf("%s %d: got %d wire records and %d signatures for %d and %d, owner %x",
					s.Name, s.Type, len(s.Wire), len(s.SigWire()), len(s.Records()), len(s.Signatures()), s.OwnerWire)
			}
		}
		if n.ns != nil {
			for _, g := range n.ns.Extra {
				if g.OwnerWire == nil {
					t.Fatalf("glue %s: no wire form", g.Name)
				}
			}
		}
	}
	if z.negSOA.OwnerWire == nil || sets < 1000 {
		t.Fatalf("got %d RRsets and negative SOA wire %x, want over 1000 and the root", sets, z.negSOA.OwnerWire)
	}
}

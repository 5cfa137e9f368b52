package zone

import (
	"testing"

	"github.com/miekg/dns"
)

// TestLookupAllocs proves that a lookup allocates nothing once the Answer's sections
// have grown (the server reuses one Answer per worker).
func TestLookupAllocs(t *testing.T) {
	z := mustCompileText(t, "example.", exampleZone)
	parent := mustCompileText(t, "example.", parentZone)
	child := mustCompileText(t, "child.example.", childZone)
	set, err := NewSet(parent, child)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		qname string
		qtype uint16
		kind  AnswerKind
	}{
		{"positive", "www.example.", dns.TypeA, Success},
		{"positive mixed case", "WWW.Example.", dns.TypeA, Success},
		{"positive with additional", "example.", dns.TypeMX, Success},
		{"NXDOMAIN", "nx.example.", dns.TypeA, NameError},
		{"NODATA", "www.example.", dns.TypeMX, NoData},
		{"empty non-terminal", "b.ent.example.", dns.TypeA, NoData},
		{"referral", "www.child.example.", dns.TypeA, Delegation},
		{"DS at a cut", "child.example.", dns.TypeDS, Success},
		{"wildcard", "x.y.wild.example.", dns.TypeA, Success},
		{"CNAME chain", "c1.example.", dns.TypeA, Success},
		{"CNAME loop", "loop1.example.", dns.TypeA, Success},
		{"DNAME", "alias.d.example.", dns.TypeA, Success},
		{"ANY", "ord.example.", dns.TypeANY, Success},
	}
	var a Answer
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { z.Lookup(tc.qname, tc.qtype, &a) })
			if allocs != 0 {
				t.Errorf("Lookup(%s, %s): got %v allocations, want 0", tc.qname, dns.TypeToString[tc.qtype], allocs)
			}
			if a.Kind != tc.kind {
				t.Errorf("Kind: got %s, want %s", kindName(a.Kind), kindName(tc.kind))
			}
		})
	}
	t.Run("Set.Find", func(t *testing.T) {
		var got *Zone
		allocs := testing.AllocsPerRun(100, func() { got = set.Find("WWW.Child.Example.", dns.TypeDS) })
		if allocs != 0 {
			t.Errorf("Find: got %v allocations, want 0", allocs)
		}
		if got != child {
			t.Errorf("Find: got %s, want child.example.", originOf(got))
		}
	})
}

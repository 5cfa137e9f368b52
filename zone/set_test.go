package zone

import (
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

const parentZone = `$ORIGIN example.
@     3600 IN SOA ns1 host 1 7200 3600 1209600 300
@     NS  ns1
ns1   A   192.0.2.1
child NS  ns.child
child DS  12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.child A 192.0.2.7
`

const childZone = `$ORIGIN child.example.
@    3600 IN SOA ns host 1 7200 3600 1209600 300
@    NS  ns
ns   A   192.0.2.7
www  A   192.0.2.70
`

const tinyRootZone = `$ORIGIN .
.        86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
.        IN NS a.root-servers.net.
example. IN NS ns1.example.
example. IN DS 1 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns1.example. IN A 192.0.2.1
`

func TestSetFind(t *testing.T) {
	parent := mustCompileText(t, "example.", parentZone)
	child := mustCompileText(t, "child.example.", childZone)
	root := mustCompileText(t, ".", tinyRootZone)
	two, err := NewSet(child, parent)
	if err != nil {
		t.Fatal(err)
	}
	three, err := NewSet(child, root, parent)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		set   *Set
		qname string
		qtype uint16
		want  *Zone
	}{
		{"longest match: child", two, "www.child.example.", dns.TypeA, child},
		{"longest match: child apex", two, "child.example.", dns.TypeSOA, child},
		{"child apex NS from the child", two, "child.example.", dns.TypeNS, child},
		{"parent", two, "www.example.", dns.TypeA, parent},
		{"mixed case", two, "WWW.Child.EXAMPLE.", dns.TypeA, child},
		{"an escaped dot is no label boundary", two, `www.a\.child.example.`, dns.TypeA, parent},
		{"deeper than every origin", three, "a.b.c.www.child.example.", dns.TypeA, child},
		{"DS at the child apex goes to the parent", two, "child.example.", dns.TypeDS, parent},
		{"DS at the child apex, mixed case", two, "Child.Example.", dns.TypeDS, parent},
		{"DS below the child apex stays in the child", two, "www.child.example.", dns.TypeDS, child},
		{"DS at an apex without a parent in the set", two, "example.", dns.TypeDS, parent},
		{"DS at an apex whose parent is the root", three, "example.", dns.TypeDS, root},
		{"DS at the root apex", three, ".", dns.TypeDS, root},
		{"root catches the rest", three, "www.other.net.", dns.TypeA, root},
		{"no zone", two, "www.other.net.", dns.TypeA, nil},
		{"label boundary", two, "notexample.", dns.TypeA, nil},
		{"not fully qualified", two, "www.example", dns.TypeA, nil},
		{"empty", two, "", dns.TypeA, nil},
	}
	// The same sets with more than fewZones zones, so that Find takes its map
	// lookups instead of comparing the origins one by one.
	padded := map[*Set]*Set{}
	for _, set := range []*Set{two, three} {
		zones := set.Zones()
		for i := range fewZones {
			origin := fmt.Sprintf("pad%d.test.", i)
			zones = append(zones, mustCompileText(t, origin, "$ORIGIN "+origin+"\n@ 3600 IN SOA ns host 1 7200 3600 1209600 300\n@ NS ns\nns A 192.0.2.1\n"))
		}
		many, err := NewSet(zones...)
		if err != nil {
			t.Fatal(err)
		}
		if many.few != nil || set.few == nil {
			t.Fatalf("sets of %d and %d zones: want the map path for the first only", len(zones), len(set.zones))
		}
		padded[set] = many
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, set := range []*Set{tc.set, padded[tc.set]} {
				got := set.Find(tc.qname, tc.qtype)
				if got != tc.want {
					t.Errorf("Find(%q, %s) in a set of %d zones: got %s, want %s", tc.qname, dns.TypeToString[tc.qtype], len(set.zones), originOf(got), originOf(tc.want))
				}
			}
		})
	}
	var nilSet *Set
	if got := nilSet.Find("example.", dns.TypeA); got != nil {
		t.Errorf("nil Set: got %s, want nil", originOf(got))
	}
}

func originOf(z *Zone) string {
	if z == nil {
		return "<nil>"
	}
	return z.Origin()
}

func TestNewSet(t *testing.T) {
	parent := mustCompileText(t, "example.", parentZone)
	child := mustCompileText(t, "child.example.", childZone)
	root := mustCompileText(t, ".", tinyRootZone)
	again := mustCompileText(t, "EXAMPLE.", parentZone)
	if _, err := NewSet(parent, again); err == nil {
		t.Errorf("NewSet with two zones of origin example.: got nil error, want one")
	}
	if _, err := NewSet(parent, nil); err == nil {
		t.Errorf("NewSet with a nil zone: got nil error, want one")
	}
	s, err := NewSet(parent, root, child)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, z := range s.Zones() {
		got = append(got, z.Origin())
	}
	if want := []string{".", "child.example.", "example."}; !slices.Equal(got, want) {
		t.Errorf("Zones: got %q, want %q", got, want)
	}
	s.Zones()[0] = nil
	if s.Zones()[0] == nil {
		t.Errorf("Zones returned the Set's own slice; want a copy")
	}
}

// TestSetParentAndChild serves a parent and its child together: each answers its
// own side of the cut (RFC 4035 section 3.1.4.1).
func TestSetParentAndChild(t *testing.T) {
	parent := mustCompileText(t, "example.", parentZone)
	child := mustCompileText(t, "child.example.", childZone)
	s, err := NewSet(parent, child)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		qname  string
		qtype  uint16
		kind   AnswerKind
		aa     bool
		answer []string
	}{
		{"child.example.", dns.TypeNS, Success, true, []string{"child.example. 3600 IN NS ns.child.example."}},
		{"www.child.example.", dns.TypeA, Success, true, []string{"www.child.example. 3600 IN A 192.0.2.70"}},
		{"child.example.", dns.TypeDS, Success, true, []string{
			"child.example. 3600 IN DS 12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}},
	}
	var a Answer
	for _, tc := range tests {
		t.Run(tc.qname+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			z := s.Find(tc.qname, tc.qtype)
			if z == nil {
				t.Fatalf("Find: got nil, want a zone")
			}
			z.Lookup(tc.qname, tc.qtype, &a)
			if a.Kind != tc.kind || a.Authoritative != tc.aa {
				t.Errorf("got %s AA=%v, want %s AA=%v", kindName(a.Kind), a.Authoritative, kindName(tc.kind), tc.aa)
			}
			if got, want := sectionText(t, a.Answer, false), wantText(t, tc.answer); !slices.Equal(got, want) {
				t.Errorf("answer: got %q, want %q", got, want)
			}
		})
	}
}

package zone

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// TestCompileNodes checks the facts decided at load time for each name.
func TestCompileNodes(t *testing.T) {
	z := mustCompileText(t, "example.", exampleZone)
	tests := []struct {
		name   string
		exists bool
		flags  nodeFlags
		cut    string // owner of the node's cut, "" for none
		wild   bool   // has a "*" child
	}{
		{"example.", true, flagApex, "", false},
		{"child.example.", true, flagDelegation, "child.example.", false},
		{"ns.child.example.", true, 0, "child.example.", false},
		{"d.example.", true, flagDNAME, "d.example.", false},
		{"ent.example.", true, 0, "", true},      // empty non-terminal with a wildcard child
		{"b.ent.example.", true, 0, "", false},   // empty non-terminal
		{"wild.example.", true, 0, "", true},     // empty non-terminal with a wildcard child
		{"target.example.", true, 0, "", false},  // empty non-terminal
		{"_tcp.example.", true, 0, "", false},    // empty non-terminal
		{"*.wild.example.", true, 0, "", false},  // the wildcard itself
		{"nx.example.", false, 0, "", false},     // never created
		{"x.wild.example.", false, 0, "", false}, // wildcards create no nodes
		{"sib.example.", true, flagDelegation, "sib.example.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := z.nodes[tc.name]
			if (n != nil) != tc.exists {
				t.Fatalf("exists: got %v, want %v", n != nil, tc.exists)
			}
			if n == nil {
				return
			}
			// flagTargets is a fact about the RRsets, tested with Apply
			if got := n.flags &^ flagTargets; got != tc.flags {
				t.Errorf("flags: got %b, want %b", got, tc.flags)
			}
			cut := ""
			if n.cut != nil {
				cut = n.cut.name
			}
			if cut != tc.cut {
				t.Errorf("cut: got %q, want %q", cut, tc.cut)
			}
			if (n.wild != nil) != tc.wild {
				t.Errorf("wildcard child: got %v, want %v", n.wild != nil, tc.wild)
			}
		})
	}
}

// TestCompileCutAboveDNAME checks that the topmost cut wins: a DNAME below a
// delegation is occluded, and a delegation below a DNAME is too.
func TestCompileCutAboveDNAME(t *testing.T) {
	z := mustCompileText(t, "example.", `$ORIGIN example.
@ 3600 IN SOA ns host 1 2 3 4 5
@ NS ns
ns A 192.0.2.1
del NS ns.del
ns.del A 192.0.2.2
d DNAME other.net.
`)
	if got := z.nodes["ns.del.example."].cut; got == nil || got.name != "del.example." {
		t.Errorf("cut of ns.del.example.: got %v, want del.example.", got)
	}
	if z.apex.cut != nil {
		t.Errorf("cut of the apex: got %s, want none", z.apex.cut.name)
	}
}

// TestCompileDNAMEAtApex checks a DNAME at the origin: every name below the apex is
// redirected (RFC 6672 section 2.3), the apex data is answered normally.
func TestCompileDNAMEAtApex(t *testing.T) {
	z := mustCompileText(t, "old.example.", `$ORIGIN old.example.
@ 3600 IN SOA ns.new.example. host.new.example. 1 2 3 4 5
@ NS ns.new.example.
@ DNAME new.example.
`)
	neg := "old.example. 5 IN SOA ns.new.example. host.new.example. 1 2 3 4 5"
	runLookupCases(t, z, []lookupCase{
		{name: "below", qname: "www.old.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"old.example. 3600 IN DNAME new.example.",
				"www.old.example. 3600 IN CNAME www.new.example."}},
		{name: "apex", qname: "old.example.", qtype: dns.TypeA, kind: NoData, aa: true,
			authority: []string{neg}},
	})
}

// TestCompileCanonicalOrder checks the RFC 4034 section 6.1 order kept for NSEC.
func TestCompileCanonicalOrder(t *testing.T) {
	z := mustCompileText(t, "example.", `$ORIGIN example.
@ 3600 IN SOA ns host 1 2 3 4 5
@ NS ns
ns A 192.0.2.1
z A 192.0.2.1
yljkjljk.a A 192.0.2.1
Z.a A 192.0.2.1
zABC.a.EXAMPLE. A 192.0.2.1
*.z A 192.0.2.1
\200.z A 192.0.2.1
`)
	var got []string
	for _, n := range z.canonicalNodes() {
		got = append(got, n.name)
	}
	want := []string{"example.", "a.example.", "yljkjljk.a.example.", "z.a.example.", "zabc.a.example.",
		"ns.example.", "z.example.", "*.z.example.", `\200.z.example.`}
	if !slices.Equal(got, want) {
		t.Errorf("canonical order:\n got  %q\n want %q", got, want)
	}
}

// TestCompileErrors checks records that cannot be compiled.
func TestCompileErrors(t *testing.T) {
	recs := parseZoneText(t, "example.", "$ORIGIN example.\n@ 3600 IN SOA ns host 1 2 3 4 5\n")
	other := parseZoneText(t, "other.", "$ORIGIN other.\nwww 3600 IN A 192.0.2.1\n")
	if _, err := Compile("example.", append(recs, other...)); err == nil {
		t.Errorf("Compile with a record outside the zone: got nil error, want one")
	}
	noSOA := parseZoneText(t, "example.", "$ORIGIN example.\nwww 3600 IN A 192.0.2.1\n")
	if _, err := Compile("example.", noSOA); err == nil {
		t.Errorf("Compile without a SOA: got nil error, want one")
	}
}

package zone

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestReferralManyGlue checks the in-domain marks of a referral with more glue
// RRsets than the node's mask holds (32): 24 NS targets with an A and an AAAA
// each, alternately under the delegation (in-domain, some written in upper case)
// and at a sibling, so that both kinds fall on each side of the mask's end (RFC
// 9471 section 2.1).
func TestReferralManyGlue(t *testing.T) {
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ IN NS ns\nns IN A 192.0.2.1\n")
	want := map[string]bool{}
	for i := range 24 {
		owner := fmt.Sprintf("ns%d.sib.example.", i)
		if i%2 == 0 {
			owner = fmt.Sprintf("ns%d.child.example.", i)
			if i%4 == 0 {
				owner = strings.ToUpper(owner)
			}
		}
		fmt.Fprintf(&b, "child IN NS %s\n%s IN A 192.0.2.%d\n%s IN AAAA 2001:db8::%x\n", owner, owner, i+10, owner, i+10)
		want[strings.ToLower(owner)] = i%2 == 0
	}
	b.WriteString("sib IN NS ns.sib.example.\nns.sib IN A 192.0.2.99\n")
	z, err := Load(textSource(b.String()), "example.")
	if err != nil {
		t.Fatal(err)
	}
	var a Answer
	z.Lookup("www.child.example.", dns.TypeA, &a)
	if a.Kind != Delegation || len(a.Additional) != 48 {
		t.Fatalf("got kind %s with %d additional RRsets, want a referral with 48", kindName(a.Kind), len(a.Additional))
	}
	for i, r := range a.Additional {
		if in := want[strings.ToLower(r.Set.Name)]; r.Glue != in {
			t.Errorf("glue RRset %d, %s %s: marked in-domain %v, want %v", i, r.Set.Name, dns.Type(r.Set.Type), r.Glue, in)
		}
	}
}

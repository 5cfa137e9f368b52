package zone

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzLookup sends any name and type to the example zone: the lookup must not
// panic, and its answer must be one the server can write: a Kind that agrees with
// the rcode, sections whose records all render, a referral's NS in authority.
func FuzzLookup(f *testing.F) {
	z := mustCompileText(f, "example.", exampleZone)
	for _, seed := range []struct {
		name  string
		qtype uint16
	}{
		{"www.example.", dns.TypeA}, {"a.b.c.d.example.", dns.TypeCNAME}, {"x.y.wild.example.", dns.TypeMX},
		{"tgt.example.", dns.TypeA}, {"host.child.example.", dns.TypeDS}, {"WWW.Example.", dns.TypeANY},
		{`a\.b.example.`, dns.TypeA}, {`\000.ent.example.`, dns.TypeA}, {"*.cn.example.", dns.TypeRRSIG},
		{".", dns.TypeA}, {"example", dns.TypeA}, {"", dns.TypeA}, {longNameF("x.d.example.", 251), dns.TypeA},
	} {
		f.Add(seed.name, seed.qtype)
	}
	var a Answer
	f.Fuzz(func(t *testing.T, qname string, qtype uint16) {
		z.Lookup(qname, qtype, &a)
		switch a.Kind {
		case Success, NoData, Delegation:
			if a.Rcode != dns.RcodeSuccess {
				t.Errorf("%q/%d: Kind %s with rcode %s", qname, qtype, kindName(a.Kind), dns.RcodeToString[a.Rcode])
			}
		case NameError:
			if a.Rcode != dns.RcodeNameError && a.Rcode != dns.RcodeYXDomain && a.Rcode != dns.RcodeRefused {
				t.Errorf("%q/%d: NameError with rcode %s", qname, qtype, dns.RcodeToString[a.Rcode])
			}
		default:
			t.Errorf("%q/%d: unknown Kind %d", qname, qtype, a.Kind)
		}
		if a.Kind == Delegation && (len(a.Authority) != 1 || a.Authority[0].Set.Type != dns.TypeNS) {
			t.Errorf("%q/%d: referral without its NS RRset in authority", qname, qtype)
		}
		if (a.Kind == NoData || a.Rcode == dns.RcodeNameError) &&
			(len(a.Authority) != 1 || a.Authority[0].Set != z.negSOA) {
			t.Errorf("%q/%d: negative answer without the negative SOA", qname, qtype)
		}
		if len(a.Answer) > 2*maxChain+1 {
			t.Errorf("%q/%d: %d answer entries, more than the chain cap allows", qname, qtype, len(a.Answer))
		}
		for _, sec := range [][]RRsetRef{a.Answer, a.Authority, a.Additional} {
			for _, r := range sec {
				for _, rr := range r.AppendRRs(nil, true) {
					if rr.Header().Name == "" {
						t.Errorf("%q/%d: record without owner: %v", qname, qtype, rr)
					}
					_ = rr.String() // every record renders
				}
			}
		}
	})
}

// longNameF is longName for a seed: the name is built without a testing.TB.
func longNameF(suffix string, n int) string {
	name := suffix
	for len(name)+64 <= n {
		name = strings.Repeat("a", 63) + "." + name
	}
	if k := n - len(name) - 1; k > 0 {
		name = strings.Repeat("b", k) + "." + name
	}
	return name
}

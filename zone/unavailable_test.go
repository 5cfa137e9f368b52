package zone

import (
	"testing"

	"github.com/miekg/dns"
)

// TestUnavailableZone: a zone without data answers SERVFAIL for every name in it,
// with the Extended DNS Error of its state (RFC 8914 sections 4.15 and 4.25), and
// leaves its parent and other zones alone.
func TestUnavailableZone(t *testing.T) {
	parent := mustCompileText(t, "example.", `$ORIGIN example.
@   300 IN SOA ns hostmaster 1 7200 3600 1209600 300
@   300 IN NS  ns
ns  300 IN A   192.0.2.1
sub 300 IN NS  ns.sub
sub 300 IN DS  1 13 2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
ns.sub 300 IN A 192.0.2.2
`)
	for _, tc := range []struct {
		why Unavailable
		ede int16
	}{{NotReady, 14}, {Expired, 24}} {
		t.Run(tc.why.String(), func(t *testing.T) {
			set, err := NewSet(parent, unavailableZone("sub.example.", tc.why))
			if err != nil {
				t.Fatal(err)
			}
			var a Answer
			for _, q := range []struct {
				name  string
				qtype uint16
			}{{"sub.example.", dns.TypeSOA}, {"WWW.Sub.Example.", dns.TypeA}, {"deep.x.sub.example.", dns.TypeANY}, {"sub.example.", dns.TypeNS}} {
				z := set.Find(q.name, q.qtype)
				if z == nil || z.Origin() != "sub.example." {
					t.Fatalf("Find(%s) = %v, want the unavailable zone", q.name, z)
				}
				for _, dnssec := range []bool{false, true} {
					if dnssec {
						z.LookupDNSSEC(q.name, q.qtype, &a)
					} else {
						z.Lookup(q.name, q.qtype, &a)
					}
					if a.Kind != ServerFailure || a.Rcode != dns.RcodeServerFailure || a.Authoritative ||
						a.EDE != tc.ede || len(a.Answer)+len(a.Authority)+len(a.Additional) != 0 {
						t.Errorf("%s %s: kind %d rcode %d AA %v EDE %d, want SERVFAIL, EDE %d, no records",
							q.name, dns.TypeToString[q.qtype], a.Kind, a.Rcode, a.Authoritative, a.EDE, tc.ede)
					}
				}
			}
			// The parent answers its own names and the DS of the cut (RFC 4035
			// section 3.1.4.1), with no Extended DNS Error.
			for _, q := range []struct {
				name  string
				qtype uint16
			}{{"ns.example.", dns.TypeA}, {"sub.example.", dns.TypeDS}, {"nope.example.", dns.TypeA}} {
				z := set.Find(q.name, q.qtype)
				if z != parent {
					t.Fatalf("Find(%s %s) is not the parent", q.name, dns.TypeToString[q.qtype])
				}
				z.Lookup(q.name, q.qtype, &a)
				if a.EDE != -1 || a.Rcode == dns.RcodeServerFailure {
					t.Errorf("%s: rcode %d EDE %d, want the parent's answer, no EDE", q.name, a.Rcode, a.EDE)
				}
			}
			if z := unavailableZone("sub.example.", tc.why); z.Serial() != 0 || z.SOA() != nil || z.Records() != nil || z.RecordCount() != 0 {
				t.Errorf("a zone without data has a serial, SOA or records")
			}
		})
	}
}

// TestUnavailableLookupNoAllocs: the SERVFAIL of a zone without data allocates nothing.
func TestUnavailableLookupNoAllocs(t *testing.T) {
	z := unavailableZone("example.", Expired)
	var a Answer
	if n := testing.AllocsPerRun(100, func() { z.LookupDNSSEC("www.example.", dns.TypeA, &a) }); n != 0 {
		t.Errorf("%v allocations per lookup, want 0", n)
	}
}

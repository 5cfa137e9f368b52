package zone

import (
	"testing"

	"github.com/miekg/dns"
)

// extraZone holds the less common shapes: a wildcard owning NS, NSEC3 records,
// an SVCB alias chain, an MX whose target only a wildcard answers, and a DNAME
// that rewrites into itself.
const extraZone = `$ORIGIN extra.
$TTL 600
@        IN SOA ns host 1 2 3 4 300
@        IN NS  ns
ns       IN A   192.0.2.1
*.wns    IN NS  ns.other.net.
svc      IN SVCB 0 alias.svc
alias.svc IN SVCB 1 . alpn=h2
alias.svc IN A   192.0.2.10
mx       IN MX  10 host.wmail
*.wmail  IN A   192.0.2.20
loop     IN DNAME f.loop.extra.
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom IN NSEC3 1 0 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA RRSIG DNSKEY NSEC3PARAM
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom IN RRSIG NSEC3 13 2 600 20300101000000 20200101000000 4711 extra. ` + sigB64 + `
`

func TestLookupExtra(t *testing.T) {
	z := mustCompileText(t, "extra.", extraZone)
	neg := "extra. 300 IN SOA ns.extra. host.extra. 1 2 3 4 300"
	nx := dns.RcodeNameError
	loopChain := []string{"loop.extra. 600 IN DNAME f.loop.extra."}
	name := "x.loop.extra."
	for range maxChain {
		next := name[:len(name)-len("loop.extra.")] + "f.loop.extra."
		loopChain = append(loopChain, name+" 600 IN CNAME "+next)
		name = next
	}
	runLookupCases(t, z, []lookupCase{
		// RFC 4592 section 4.2: "*" owning NS delegates the name "*" itself.
		{name: "wildcard NS is a referral written with the wildcard owner", qname: "a.wns.extra.",
			qtype: dns.TypeA, kind: Delegation, authority: []string{"*.wns.extra. 600 IN NS ns.other.net."}},
		{name: "DS under a wildcard NS is answered from the wildcard", qname: "a.wns.extra.",
			qtype: dns.TypeDS, kind: NoData, aa: true, authority: []string{neg}},

		// RFC 5155 section 7.2.8: NSEC3 owners are not names of the zone.
		{name: "NSEC3 owner name does not exist", qname: "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.extra.",
			qtype: dns.TypeNSEC3, kind: NameError, rcode: nx, aa: true, authority: []string{neg}},
		{name: "NSEC3 owner name does not exist for A", qname: "0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM.extra.",
			qtype: dns.TypeA, kind: NameError, rcode: nx, aa: true, authority: []string{neg}},

		// RFC 9460 section 4.1: the alias target's SVCB and addresses.
		{name: "SVCB additional", qname: "svc.extra.", qtype: dns.TypeSVCB, kind: Success, aa: true,
			answer: []string{"svc.extra. 600 IN SVCB 0 alias.svc.extra."},
			additional: []string{"alias.svc.extra. 600 IN SVCB 1 . alpn=\"h2\"",
				"alias.svc.extra. 600 IN A 192.0.2.10"}},
		{name: "SVCB ServiceMode with target . gets the owner's addresses", qname: "alias.svc.extra.",
			qtype: dns.TypeSVCB, kind: Success, aa: true,
			answer:     []string{"alias.svc.extra. 600 IN SVCB 1 . alpn=\"h2\""},
			additional: []string{"alias.svc.extra. 600 IN A 192.0.2.10"}},

		// Additional data for a target only a wildcard answers (RFC 4592 section 3.3.1).
		{name: "MX target from a wildcard", qname: "mx.extra.", qtype: dns.TypeMX, kind: Success, aa: true,
			answer:     []string{"mx.extra. 600 IN MX 10 host.wmail.extra."},
			additional: []string{"host.wmail.extra. 600 IN A 192.0.2.20"}},

		// A DNAME that rewrites into its own subtree: the DNAME once, maxChain CNAMEs.
		{name: "DNAME chain capped, DNAME written once", qname: "x.loop.extra.", qtype: dns.TypeA,
			kind: Success, aa: true, answer: loopChain},
	})
	if got := z.RecordCount(); got != 12 {
		t.Errorf("RecordCount: got %d, want 12", got)
	}
	if n := z.nsec3["0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.extra."]; n == nil || n.rrset(dns.TypeNSEC3) == nil ||
		len(n.rrset(dns.TypeNSEC3).Signatures()) != 1 {
		t.Errorf("NSEC3 chain: got %v, want the NSEC3 RRset with its signature", n)
	}
}

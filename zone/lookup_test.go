package zone

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// exampleZone exercises every branch of the answer algorithm. Its answers were
// checked against Knot DNS 3.2.6 serving the same file.
const exampleZone = `$ORIGIN example.
$TTL 3600
@        3600 IN SOA ns1 host 1 7200 3600 1209600 300
@        NS    ns1
@        NS    ns.other.net.
@        MX    10 mail
@        MX    20 mail.other.net.
@        TXT   "apex"
ns1      A     192.0.2.1
mail     A     192.0.2.2
mail     AAAA  2001:db8::2
www      A     192.0.2.3
www      TXT   "www"
*.wild   A     192.0.2.4
*.wild   MX    10 mail
sub.wild TXT   "exists"
a.b.ent  A     192.0.2.5
*.ent    A     192.0.2.6
*.cn     CNAME www
c1       CNAME c2
c2       CNAME www
loop1    CNAME loop2
loop2    CNAME loop1
self     CNAME self
out      CNAME www.other.net.
tochild  CNAME host.child
tonx     CNAME nx
towild   CNAME foo.wild
child    NS    ns.child
child    NS    ns1.sib
child    NS    ns.other.net.
child    DS    12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.child A     192.0.2.7
ns.child AAAA  2001:db8::7
sib      NS    ns1.sib
ns1.sib  A     192.0.2.8
nods     NS    ns.other.net.
mx2      MX    10 ns.child
d        DNAME target.example.
tgt      CNAME x.d
www.target   A     192.0.2.9
alias.target CNAME www
ext      DNAME other.net.
_sip._tcp SRV  0 0 5060 mail
ord      TXT   "t"
ord      MX    10 mail
ord      A     192.0.2.10
`

// Records the expectations below refer to more than once.
const (
	exNegSOA   = "example. 300 IN SOA ns1.example. host.example. 1 7200 3600 1209600 300"
	exWwwA     = "www.example. 3600 IN A 192.0.2.3"
	exMailA    = "mail.example. 3600 IN A 192.0.2.2"
	exMailAAAA = "mail.example. 3600 IN AAAA 2001:db8::2"
	exDNAME    = "d.example. 3600 IN DNAME target.example."
	exChildNS1 = "child.example. 3600 IN NS ns.child.example."
	exChildNS2 = "child.example. 3600 IN NS ns1.sib.example."
	exChildNS3 = "child.example. 3600 IN NS ns.other.net."
	exGlueA    = "ns.child.example. 3600 IN A 192.0.2.7"
	exGlueAAAA = "ns.child.example. 3600 IN AAAA 2001:db8::7"
	exSibA     = "ns1.sib.example. 3600 IN A 192.0.2.8"
)

// lookupCase is one query and the whole expected answer.
type lookupCase struct {
	name       string
	qname      string
	qtype      uint16
	kind       AnswerKind
	rcode      int
	aa         bool
	answer     []string
	authority  []string
	additional []string
	glue       []string // owners and types of the additional entries marked Glue
}

func runLookupCases(t *testing.T, z *Zone, cases []lookupCase) {
	t.Helper()
	var a Answer
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z.Lookup(tc.qname, tc.qtype, &a)
			if a.Kind != tc.kind {
				t.Errorf("Kind: got %s, want %s", kindName(a.Kind), kindName(tc.kind))
			}
			if a.Rcode != tc.rcode {
				t.Errorf("Rcode: got %s, want %s", dns.RcodeToString[a.Rcode], dns.RcodeToString[tc.rcode])
			}
			if a.Authoritative != tc.aa {
				t.Errorf("AA: got %v, want %v", a.Authoritative, tc.aa)
			}
			for _, s := range []struct {
				section string
				got     []RRsetRef
				want    []string
			}{
				{"answer", a.Answer, tc.answer},
				{"authority", a.Authority, tc.authority},
				{"additional", a.Additional, tc.additional},
			} {
				got, want := sectionText(t, s.got, false), wantText(t, s.want)
				if !slices.Equal(got, want) {
					t.Errorf("%s section:\n got  %q\n want %q", s.section, got, want)
				}
			}
			if got := glueNames(a.Additional); !slices.Equal(got, tc.glue) {
				t.Errorf("glue: got %q, want %q", got, tc.glue)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	z := mustCompileText(t, "example.", exampleZone)
	nx := dns.RcodeNameError
	runLookupCases(t, z, []lookupCase{
		// Exact matches and the additional section (RFC 1034 section 4.3.2 step 3a, 6).
		{name: "exact A", qname: "www.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{exWwwA}},
		{name: "mixed-case query", qname: "WwW.ExAmPlE.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{exWwwA}},
		{name: "apex SOA", qname: "example.", qtype: dns.TypeSOA, kind: Success, aa: true,
			answer: []string{"example. 3600 IN SOA ns1.example. host.example. 1 7200 3600 1209600 300"}},
		{name: "apex NS with in-zone address, no authority", qname: "example.", qtype: dns.TypeNS,
			kind: Success, aa: true,
			answer:     []string{"example. 3600 IN NS ns1.example.", "example. 3600 IN NS ns.other.net."},
			additional: []string{"ns1.example. 3600 IN A 192.0.2.1"}},
		{name: "MX additional", qname: "example.", qtype: dns.TypeMX, kind: Success, aa: true,
			answer:     []string{"example. 3600 IN MX 10 mail.example.", "example. 3600 IN MX 20 mail.other.net."},
			additional: []string{exMailA, exMailAAAA}},
		{name: "MX to an occluded name gets its address", qname: "mx2.example.", qtype: dns.TypeMX,
			kind: Success, aa: true,
			answer:     []string{"mx2.example. 3600 IN MX 10 ns.child.example."},
			additional: []string{exGlueA, exGlueAAAA}},
		{name: "SRV additional", qname: "_sip._tcp.example.", qtype: dns.TypeSRV, kind: Success, aa: true,
			answer:     []string{"_sip._tcp.example. 3600 IN SRV 0 0 5060 mail.example."},
			additional: []string{exMailA, exMailAAAA}},

		// Negative answers (RFC 2308): SOA TTL = min(3600, MINIMUM 300).
		{name: "NODATA", qname: "www.example.", qtype: dns.TypeMX, kind: NoData, aa: true,
			authority: []string{exNegSOA}},
		{name: "NXDOMAIN", qname: "nx.example.", qtype: dns.TypeA, kind: NameError, rcode: nx, aa: true,
			authority: []string{exNegSOA}},
		{name: "NXDOMAIN below an existing name", qname: "a.www.example.", qtype: dns.TypeA,
			kind: NameError, rcode: nx, aa: true, authority: []string{exNegSOA}},

		// Empty non-terminals exist (RFC 4592 section 2.2.2, RFC 8020).
		{name: "empty non-terminal is NODATA", qname: "b.ent.example.", qtype: dns.TypeA, kind: NoData,
			aa: true, authority: []string{exNegSOA}},
		{name: "empty non-terminal with wildcard child is NODATA", qname: "ent.example.", qtype: dns.TypeA,
			kind: NoData, aa: true, authority: []string{exNegSOA}},
		{name: "ENT is the closest encloser: no synthesis from the wildcard above it",
			qname: "y.b.ent.example.", qtype: dns.TypeA, kind: NameError, rcode: nx, aa: true,
			authority: []string{exNegSOA}},

		// Wildcards (RFC 4592).
		{name: "wildcard match", qname: "foo.wild.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"foo.wild.example. 3600 IN A 192.0.2.4"}},
		{name: "wildcard match two labels down", qname: "x.y.wild.example.", qtype: dns.TypeA,
			kind: Success, aa: true, answer: []string{"x.y.wild.example. 3600 IN A 192.0.2.4"}},
		{name: "wildcard mixed case", qname: "FOO.Wild.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"foo.wild.example. 3600 IN A 192.0.2.4"}},
		{name: "wildcard MX with additional", qname: "m.wild.example.", qtype: dns.TypeMX, kind: Success,
			aa: true, answer: []string{"m.wild.example. 3600 IN MX 10 mail.example."},
			additional: []string{exMailA, exMailAAAA}},
		{name: "wildcard NODATA", qname: "foo.wild.example.", qtype: dns.TypeTXT, kind: NoData, aa: true,
			authority: []string{exNegSOA}},
		{name: "no synthesis when the name exists", qname: "sub.wild.example.", qtype: dns.TypeA,
			kind: NoData, aa: true, authority: []string{exNegSOA}},
		{name: "no synthesis below an existing name without wildcard", qname: "x.sub.wild.example.",
			qtype: dns.TypeA, kind: NameError, rcode: nx, aa: true, authority: []string{exNegSOA}},
		{name: "the wildcard owner itself", qname: "*.wild.example.", qtype: dns.TypeA, kind: Success,
			aa: true, answer: []string{"*.wild.example. 3600 IN A 192.0.2.4"}},
		{name: "wildcard under an empty non-terminal", qname: "x.ent.example.", qtype: dns.TypeA,
			kind: Success, aa: true, answer: []string{"x.ent.example. 3600 IN A 192.0.2.6"}},
		{name: "wildcard CNAME", qname: "foo.cn.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"foo.cn.example. 3600 IN CNAME www.example.", exWwwA}},
		{name: "CNAME into a wildcard", qname: "towild.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"towild.example. 3600 IN CNAME foo.wild.example.",
				"foo.wild.example. 3600 IN A 192.0.2.4"}},

		// CNAME (RFC 1034 section 3.6.2, 4.3.2 step 3a).
		{name: "CNAME chain", qname: "c1.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"c1.example. 3600 IN CNAME c2.example.", "c2.example. 3600 IN CNAME www.example.", exWwwA}},
		{name: "CNAME chain to NODATA", qname: "c1.example.", qtype: dns.TypeAAAA, kind: NoData, aa: true,
			answer:    []string{"c1.example. 3600 IN CNAME c2.example.", "c2.example. 3600 IN CNAME www.example."},
			authority: []string{exNegSOA}},
		{name: "CNAME query type", qname: "c1.example.", qtype: dns.TypeCNAME, kind: Success, aa: true,
			answer: []string{"c1.example. 3600 IN CNAME c2.example."}},
		{name: "CNAME loop", qname: "loop1.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"loop1.example. 3600 IN CNAME loop2.example.", "loop2.example. 3600 IN CNAME loop1.example."}},
		{name: "NSEC at a CNAME is the node's, not the target's", qname: "c1.example.", qtype: dns.TypeNSEC,
			kind: NoData, aa: true, authority: []string{exNegSOA}},
		{name: "RRSIG at a CNAME is the node's, not the target's", qname: "loop1.example.", qtype: dns.TypeRRSIG,
			kind: NoData, aa: true, authority: []string{exNegSOA}},
		{name: "CNAME to itself", qname: "self.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"self.example. 3600 IN CNAME self.example."}},
		{name: "CNAME out of zone", qname: "out.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"out.example. 3600 IN CNAME www.other.net."}},
		{name: "CNAME to NXDOMAIN", qname: "tonx.example.", qtype: dns.TypeA, kind: NameError, rcode: nx,
			aa: true, answer: []string{"tonx.example. 3600 IN CNAME nx.example."}, authority: []string{exNegSOA}},
		{name: "CNAME into a delegation", qname: "tochild.example.", qtype: dns.TypeA, kind: Delegation,
			aa: true, answer: []string{"tochild.example. 3600 IN CNAME host.child.example."},
			authority: []string{exChildNS1, exChildNS2, exChildNS3}, additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue: []string{"ns.child.example. A", "ns.child.example. AAAA"}},

		// DNAME (RFC 6672).
		{name: "DNAME substitution", qname: "www.d.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{exDNAME, "www.d.example. 3600 IN CNAME www.target.example.",
				"www.target.example. 3600 IN A 192.0.2.9"}},
		{name: "DNAME to a missing name", qname: "x.d.example.", qtype: dns.TypeA, kind: NameError,
			rcode: nx, aa: true, authority: []string{exNegSOA},
			answer: []string{exDNAME, "x.d.example. 3600 IN CNAME x.target.example."}},
		{name: "DNAME then CNAME", qname: "Alias.D.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{exDNAME, "alias.d.example. 3600 IN CNAME alias.target.example.",
				"alias.target.example. 3600 IN CNAME www.example.", exWwwA}},
		{name: "CNAME then DNAME", qname: "tgt.example.", qtype: dns.TypeA, kind: NameError, rcode: nx,
			aa: true, authority: []string{exNegSOA},
			answer: []string{"tgt.example. 3600 IN CNAME x.d.example.", exDNAME,
				"x.d.example. 3600 IN CNAME x.target.example."}},
		{name: "DNAME out of zone", qname: "a.b.ext.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"ext.example. 3600 IN DNAME other.net.",
				"a.b.ext.example. 3600 IN CNAME a.b.other.net."}},
		{name: "CNAME query below a DNAME is answered by the synthesized CNAME", qname: "a.b.d.example.",
			qtype: dns.TypeCNAME, kind: Success, aa: true,
			answer: []string{exDNAME, "a.b.d.example. 3600 IN CNAME a.b.target.example."}},
		{name: "DNAME owner answered normally", qname: "d.example.", qtype: dns.TypeDNAME, kind: Success,
			aa: true, answer: []string{exDNAME}},
		{name: "DNAME owner NODATA", qname: "d.example.", qtype: dns.TypeA, kind: NoData, aa: true,
			authority: []string{exNegSOA}},
		{name: "DNAME substitution too long is YXDOMAIN", qname: longName(t, "x.d.example.", 251),
			qtype: dns.TypeA, kind: NameError, rcode: dns.RcodeYXDomain, aa: true,
			answer: []string{exDNAME}, authority: []string{exNegSOA}},

		// Delegations (RFC 1034 section 4.3.2 step 3b, RFC 9471 glue).
		{name: "referral at the cut", qname: "child.example.", qtype: dns.TypeNS, kind: Delegation,
			authority: []string{exChildNS1, exChildNS2, exChildNS3}, additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue: []string{"ns.child.example. A", "ns.child.example. AAAA"}},
		{name: "referral below the cut", qname: "www.child.example.", qtype: dns.TypeA, kind: Delegation,
			authority: []string{exChildNS1, exChildNS2, exChildNS3}, additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue: []string{"ns.child.example. A", "ns.child.example. AAAA"}},
		{name: "occluded glue is not answered", qname: "ns.child.example.", qtype: dns.TypeA,
			kind: Delegation, authority: []string{exChildNS1, exChildNS2, exChildNS3},
			additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue:       []string{"ns.child.example. A", "ns.child.example. AAAA"}},
		{name: "referral with out-of-zone NS has no glue", qname: "nods.example.", qtype: dns.TypeA,
			kind: Delegation, authority: []string{"nods.example. 3600 IN NS ns.other.net."}},
		{name: "sibling delegation, its glue not in-domain of the other", qname: "x.sib.example.",
			qtype: dns.TypeA, kind: Delegation, authority: []string{"sib.example. 3600 IN NS ns1.sib.example."},
			additional: []string{exSibA}, glue: []string{"ns1.sib.example. A"}},
		{name: "ANY at a cut is a referral", qname: "child.example.", qtype: dns.TypeANY, kind: Delegation,
			authority: []string{exChildNS1, exChildNS2, exChildNS3}, additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue: []string{"ns.child.example. A", "ns.child.example. AAAA"}},
		{name: "DS at the cut is the parent's, authoritative", qname: "child.example.", qtype: dns.TypeDS,
			kind: Success, aa: true, answer: []string{"child.example. 3600 IN DS 12345 8 2 " +
				"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}},
		{name: "DS at an unsigned cut is NODATA", qname: "nods.example.", qtype: dns.TypeDS, kind: NoData,
			aa: true, authority: []string{exNegSOA}},
		{name: "DS below the cut is a referral", qname: "x.child.example.", qtype: dns.TypeDS,
			kind: Delegation, authority: []string{exChildNS1, exChildNS2, exChildNS3},
			additional: []string{exGlueA, exGlueAAAA, exSibA},
			glue:       []string{"ns.child.example. A", "ns.child.example. AAAA"}},

		// ANY (RFC 8482): one RRset, the lowest type, like Knot DNS.
		{name: "ANY gives one RRset", qname: "ord.example.", qtype: dns.TypeANY, kind: Success, aa: true,
			answer: []string{"ord.example. 3600 IN A 192.0.2.10"}},
		{name: "ANY at the apex", qname: "example.", qtype: dns.TypeANY, kind: Success, aa: true,
			answer:     []string{"example. 3600 IN NS ns1.example.", "example. 3600 IN NS ns.other.net."},
			additional: []string{"ns1.example. 3600 IN A 192.0.2.1"}},
		{name: "ANY at a CNAME is not followed", qname: "c1.example.", qtype: dns.TypeANY, kind: Success,
			aa: true, answer: []string{"c1.example. 3600 IN CNAME c2.example."}},
		{name: "ANY at a wildcard", qname: "q.wild.example.", qtype: dns.TypeANY, kind: Success, aa: true,
			answer: []string{"q.wild.example. 3600 IN A 192.0.2.4"}},
		{name: "ANY at an empty non-terminal", qname: "b.ent.example.", qtype: dns.TypeANY, kind: NoData,
			aa: true, authority: []string{exNegSOA}},

		{name: "name outside the zone is refused", qname: "www.other.net.", qtype: dns.TypeA,
			kind: NameError, rcode: dns.RcodeRefused},
		{name: "suffix that is not a label boundary is outside", qname: "notexample.", qtype: dns.TypeA,
			kind: NameError, rcode: dns.RcodeRefused},
	})
}

// longName prepends labels to suffix until the name is n characters long.
func longName(tb testing.TB, suffix string, n int) string {
	tb.Helper()
	name := suffix
	for len(name)+64 <= n {
		name = strings.Repeat("a", 63) + "." + name
	}
	if k := n - len(name) - 1; k > 0 {
		name = strings.Repeat("b", k) + "." + name
	}
	if _, ok := dns.IsDomainName(name); !ok || len(name) != n {
		tb.Fatalf("longName built %q (%d), want a valid name of %d", name, len(name), n)
	}
	return name
}

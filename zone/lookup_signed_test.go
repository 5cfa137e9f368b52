package zone

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// signedZone is a small pre-signed zone (the signatures are not valid: the lookup
// neither checks nor needs that). Its SOA TTL (60) is below its MINIMUM (3600), so
// negative answers carry TTL 60 (RFC 2308 section 3).
const signedZone = `$ORIGIN signed.example.
@   60   IN SOA   ns hostmaster 1 7200 3600 1209600 3600
@   60   IN RRSIG SOA 13 2 60 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
@   3600 IN NS    ns
@   3600 IN RRSIG NS 13 2 3600 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
@   3600 IN DNSKEY 257 3 13 ` + keyB64 + `
@   3600 IN RRSIG DNSKEY 13 2 3600 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
@   300  IN NSEC  *.w.signed.example. NS SOA RRSIG NSEC DNSKEY
@   300  IN RRSIG NSEC 13 2 300 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
*.w 300  IN A     192.0.2.80
*.w 300  IN RRSIG A 13 3 300 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
*.w 300  IN NSEC  ns.signed.example. A RRSIG NSEC
*.w 300  IN RRSIG NSEC 13 3 300 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
ns  300  IN A     192.0.2.53
ns  300  IN RRSIG A 13 3 300 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
ns  300  IN NSEC  signed.example. A RRSIG NSEC
ns  300  IN RRSIG NSEC 13 3 300 20300101000000 20200101000000 4711 signed.example. ` + sigB64 + `
`

const (
	keyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
	sigB64 = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGiow=="
)

func sigText(owner, covered string, labels string, ttl string) string {
	return owner + " " + ttl + " IN RRSIG " + covered + " 13 " + labels + " " + ttl +
		" 20300101000000 20200101000000 4711 signed.example. " + sigB64
}

func TestLookupSignedZone(t *testing.T) {
	z := mustCompileText(t, "signed.example.", signedZone)
	neg := "signed.example. 60 IN SOA ns.signed.example. hostmaster.signed.example. 1 7200 3600 1209600 3600"
	runLookupCases(t, z, []lookupCase{
		{name: "DNSKEY", qname: "signed.example.", qtype: dns.TypeDNSKEY, kind: Success, aa: true,
			answer: []string{"signed.example. 3600 IN DNSKEY 257 3 13 " + keyB64}},
		{name: "NSEC by type", qname: "ns.signed.example.", qtype: dns.TypeNSEC, kind: Success, aa: true,
			answer: []string{"ns.signed.example. 300 IN NSEC signed.example. A RRSIG NSEC"}},
		{name: "RRSIG by type unions every signature at the node", qname: "signed.example.",
			qtype: dns.TypeRRSIG, kind: Success, aa: true, answer: []string{
				sigText("signed.example.", "SOA", "2", "60"), sigText("signed.example.", "NS", "2", "3600"),
				sigText("signed.example.", "DNSKEY", "2", "3600"), sigText("signed.example.", "NSEC", "2", "300")}},
		{name: "NXDOMAIN SOA TTL is the SOA TTL when lower than MINIMUM", qname: "nx.signed.example.",
			qtype: dns.TypeTXT, kind: NameError, rcode: dns.RcodeNameError, aa: true, authority: []string{neg}},
		{name: "DS at the apex without the parent is NODATA", qname: "signed.example.", qtype: dns.TypeDS,
			kind: NoData, aa: true, authority: []string{neg}},
		{name: "wildcard expansion", qname: "a.w.signed.example.", qtype: dns.TypeA, kind: Success, aa: true,
			answer: []string{"a.w.signed.example. 300 IN A 192.0.2.80"}},
	})
}

// TestAppendRRsSigs checks the records a server writes with the DO bit: signatures
// follow their RRset, a wildcard expansion renames them but keeps the Labels field
// (RFC 4035 section 5.3.4), and the negative SOA's signature has its TTL.
func TestAppendRRsSigs(t *testing.T) {
	z := mustCompileText(t, "signed.example.", signedZone)
	var a Answer
	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		section func(*Answer) []RRsetRef
		want    []string
	}{
		{"exact with sigs", "ns.signed.example.", dns.TypeA, func(a *Answer) []RRsetRef { return a.Answer },
			[]string{"ns.signed.example. 300 IN A 192.0.2.53", sigText("ns.signed.example.", "A", "3", "300")}},
		{"wildcard with sigs", "X.Y.w.signed.example.", dns.TypeA, func(a *Answer) []RRsetRef { return a.Answer },
			[]string{"x.y.w.signed.example. 300 IN A 192.0.2.80", sigText("x.y.w.signed.example.", "A", "3", "300")}},
		{"negative SOA with sigs", "nx.signed.example.", dns.TypeA, func(a *Answer) []RRsetRef { return a.Authority },
			[]string{"signed.example. 60 IN SOA ns.signed.example. hostmaster.signed.example. 1 7200 3600 1209600 3600",
				sigText("signed.example.", "SOA", "2", "60")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z.Lookup(tc.qname, tc.qtype, &a)
			got, want := sectionText(t, tc.section(&a), true), wantText(t, tc.want)
			if !slices.Equal(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// TestAppendRRsOwnerCopies checks that writing a wildcard expansion never modifies
// the zone's own records.
func TestAppendRRsOwnerCopies(t *testing.T) {
	z := mustCompileText(t, "signed.example.", signedZone)
	var a Answer
	z.Lookup("q.w.signed.example.", dns.TypeA, &a)
	rrs := a.Answer[0].AppendRRs(nil, true)
	if got := rrs[0].Header().Name; got != "q.w.signed.example." {
		t.Errorf("expanded owner: got %q, want %q", got, "q.w.signed.example.")
	}
	if got := a.Answer[0].Set.Records()[0].Header().Name; got != "*.w.signed.example." {
		t.Errorf("zone record owner after AppendRRs: got %q, want %q", got, "*.w.signed.example.")
	}
	if got := a.Answer[0].Set.Signatures()[0].Header().Name; got != "*.w.signed.example." {
		t.Errorf("zone signature owner after AppendRRs: got %q, want %q", got, "*.w.signed.example.")
	}
}

// TestAppendRRsDNAME checks the CNAME synthesized from a DNAME (RFC 6672 section
// 3.3): owner the query name, TTL the DNAME's, no signature.
func TestAppendRRsDNAME(t *testing.T) {
	z := mustCompileText(t, "example.", exampleZone)
	var a Answer
	z.Lookup("Mail.D.example.", dns.TypeA, &a)
	if len(a.Answer) < 2 {
		t.Fatalf("answer: got %d entries, want at least 2", len(a.Answer))
	}
	rrs := a.Answer[1].AppendRRs(nil, true)
	if len(rrs) != 1 {
		t.Fatalf("synthesized CNAME: got %d records, want 1", len(rrs))
	}
	c, ok := rrs[0].(*dns.CNAME)
	if !ok {
		t.Fatalf("synthesized record: got %T, want *dns.CNAME", rrs[0])
	}
	if c.Hdr.Name != "Mail.D.example." || c.Target != "Mail.target.example." || c.Hdr.Ttl != 3600 ||
		c.Hdr.Class != dns.ClassINET {
		t.Errorf("synthesized CNAME: got %s, want Mail.D.example. 3600 IN CNAME Mail.target.example.", c)
	}
}

// TestCompileTTLAndDuplicates checks RRset construction: one TTL per set, the
// lowest (RFC 2181 section 5.2), and duplicate records collapsed.
func TestCompileTTLAndDuplicates(t *testing.T) {
	z := mustCompileText(t, "example.", `$ORIGIN example.
@ 3600 IN SOA ns host 1 2 3 4 5
@ 3600 IN NS ns
ns 300 IN A 192.0.2.1
ns 100 IN A 192.0.2.2
ns 300 IN A 192.0.2.1
`)
	var a Answer
	z.Lookup("ns.example.", dns.TypeA, &a)
	got := sectionText(t, a.Answer, false)
	want := wantText(t, []string{"ns.example. 100 IN A 192.0.2.1", "ns.example. 100 IN A 192.0.2.2"})
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := z.RecordCount(), 4; got != want {
		t.Errorf("RecordCount: got %d, want %d", got, want)
	}
	if got := a.Answer[0].Set.TTL; got != 100 {
		t.Errorf("RRset.TTL: got %d, want 100", got)
	}
}

package zone

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/miekg/dns"
)

// proofCase is a query with DO and what its answer must hold: the kind, the rcode,
// and the authority section as "owner TYPE" entries (the RRSIGs, which the server
// writes, are not listed).
type proofCase struct {
	name      string
	qname     string
	qtype     uint16
	kind      AnswerKind
	rcode     int
	answer    []string // "owner TYPE" of the answer section
	authority []string
}

// loadShared compiles a zone file of ../shared/data.
func loadShared(tb testing.TB, origin, rel string) *Zone {
	tb.Helper()
	z, err := Load(zonefile.FileSource(filepath.Join(zonetest.SharedData(tb), rel)), origin)
	if err != nil {
		tb.Fatalf("load %s: %v", rel, err)
	}
	return z
}

// refNames renders a section as sorted "owner TYPE" entries, lower-cased.
func refNames(refs []RRsetRef) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		owner, typ := r.Set.Name, r.Set.Type
		if r.Owner != "" {
			owner = r.Owner
		}
		if r.Target != "" {
			typ = dns.TypeCNAME
		}
		out = append(out, strings.ToLower(owner)+" "+dns.TypeToString[typ])
	}
	slices.Sort(out)
	return out
}

func runProofCases(t *testing.T, z *Zone, cases []proofCase) {
	t.Helper()
	var a Answer
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z.LookupDNSSEC(tc.qname, tc.qtype, &a)
			if a.Kind != tc.kind || a.Rcode != tc.rcode {
				t.Errorf("kind %s rcode %s, want %s %s", kindName(a.Kind), dns.RcodeToString[a.Rcode],
					kindName(tc.kind), dns.RcodeToString[tc.rcode])
			}
			if tc.answer != nil {
				if got, want := refNames(a.Answer), sorted(tc.answer); !slices.Equal(got, want) {
					t.Errorf("answer\n got %q\nwant %q", got, want)
				}
			}
			if got, want := refNames(a.Authority), sorted(tc.authority); !slices.Equal(got, want) {
				t.Errorf("authority\n got %q\nwant %q", got, want)
			}
			// Without DO the same query carries no proof (RFC 3225 section 3).
			z.Lookup(tc.qname, tc.qtype, &a)
			for _, r := range a.Authority {
				if r.Set.Type == dns.TypeNSEC || r.Set.Type == dns.TypeNSEC3 || r.Set.Type == dns.TypeDS {
					t.Errorf("without DO: %s in authority", dns.TypeToString[r.Set.Type])
				}
			}
		})
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestProofsNSEC checks the NSEC proofs of the examples of RFC 4035 appendix B on
// the zone of its appendix A, as Knot DNS's test suite extends it (a secure
// delegation a.example, an insecure one b.example, wildcards).
func TestProofsNSEC(t *testing.T) {
	z := loadShared(t, "example.", "knot-tests-extra/basic_nsec_example.zone.nsec")
	if z.Denial() != "NSEC" {
		t.Fatalf("denial %s, want NSEC", z.Denial())
	}
	soa := "example. SOA"
	runProofCases(t, z, []proofCase{
		{name: "B.1 answer", qname: "x.w.example.", qtype: dns.TypeMX, kind: Success,
			answer: []string{"x.w.example. MX"}, authority: nil},
		// B.2: the NSEC covering ml.example and the one covering *.example.
		{name: "B.2 name error", qname: "ml.example.", qtype: dns.TypeA, kind: NameError, rcode: dns.RcodeNameError,
			authority: []string{soa, "b.example. NSEC", "example. NSEC"}},
		{name: "B.3 no data", qname: "ns1.example.", qtype: dns.TypeMX, kind: NoData,
			authority: []string{soa, "ns1.example. NSEC"}},
		{name: "B.4 referral to a signed zone", qname: "mc.a.example.", qtype: dns.TypeMX, kind: Delegation,
			authority: []string{"a.example. NS", "a.example. DS"}},
		{name: "B.5 referral to an unsigned zone", qname: "mc.b.example.", qtype: dns.TypeMX, kind: Delegation,
			authority: []string{"b.example. NS", "b.example. NSEC"}},
		{name: "B.6 wildcard expansion", qname: "a.z.w.example.", qtype: dns.TypeMX, kind: Success,
			answer: []string{"a.z.w.example. MX"}, authority: []string{"x.y.w.example. NSEC"}},
		{name: "B.7 wildcard no data", qname: "a.z.w.example.", qtype: dns.TypeAAAA, kind: NoData,
			authority: []string{soa, "x.y.w.example. NSEC", "*.w.example. NSEC"}},
		{name: "B.8 DS at the apex", qname: "example.", qtype: dns.TypeDS, kind: NoData,
			authority: []string{soa, "example. NSEC"}},
		{name: "DS at an insecure delegation", qname: "b.example.", qtype: dns.TypeDS, kind: NoData,
			authority: []string{soa, "b.example. NSEC"}},
		{name: "DS at a secure delegation", qname: "a.example.", qtype: dns.TypeDS, kind: Success,
			answer: []string{"a.example. DS"}},
		// y.w.example is an empty non-terminal: the NSEC that covers it proves
		// that it owns no type.
		{name: "empty non-terminal", qname: "y.w.example.", qtype: dns.TypeA, kind: NoData,
			authority: []string{soa, "x.w.example. NSEC"}},
		// The NSEC of the chain's last owner in canonical order (z.z.example sorts
		// before zzz.example, RFC 4034 section 6.1) covers names past it, wrapping to
		// the apex (RFC 4034 section 4.1.1).
		{name: "name error past the last owner", qname: "zzz.example.", qtype: dns.TypeA, kind: NameError,
			rcode: dns.RcodeNameError, authority: []string{soa, "c.nsec-deleg.z.z.example. NSEC", "example. NSEC"}},
		// A wildcard CNAME to a name that does not exist: the expansion is proved,
		// then the target's name error.
		{name: "wildcard CNAME to a name error", qname: "q.to-nxdomain.example.", qtype: dns.TypeA,
			kind: NameError, rcode: dns.RcodeNameError, answer: []string{"q.to-nxdomain.example. CNAME"},
			authority: []string{soa, "*.to-nxdomain.example. NSEC", "example. NSEC", "ns2.example. NSEC"}},
		{name: "NSEC by type at a wildcard is the answer, once", qname: "q.w.example.", qtype: dns.TypeNSEC,
			kind: Success, answer: []string{"q.w.example. NSEC"}},
	})
}

// TestProofsNSEC3 checks the NSEC3 proofs of the examples of RFC 5155 appendix B on
// the zone of its appendix A (Opt-Out, salt aabbccdd, 12 iterations): the hashes
// are those the RFC lists.
func TestProofsNSEC3(t *testing.T) {
	z := loadShared(t, "example.", "knot-tests-extra/basic_opt-out_example.zone")
	if z.Denial() != "NSEC3" {
		t.Fatalf("denial %s, want NSEC3", z.Denial())
	}
	h := func(hash string) string { return hash + ".example. NSEC3" }
	soa := "example. SOA"
	runProofCases(t, z, []proofCase{
		// B.1: next closer c.x.w.example covered, closest encloser x.w.example
		// matched, *.x.w.example covered.
		{name: "B.1 name error", qname: "a.c.x.w.example.", qtype: dns.TypeA, kind: NameError, rcode: dns.RcodeNameError,
			authority: []string{soa, h("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), h("b4um86eghhds6nea196smvmlo4ors995"),
				h("35mthgpgcu1qg68fab165klnsnk3dpvl")}},
		{name: "B.2 no data", qname: "ns1.example.", qtype: dns.TypeMX, kind: NoData,
			authority: []string{soa, h("2t7b4g4vsa5smi47k61mv5bv1a22bojr")}},
		{name: "B.2.1 no data, empty non-terminal", qname: "y.w.example.", qtype: dns.TypeA, kind: NoData,
			authority: []string{soa, h("ji6neoaepv8b5o6k4ev33abha8ht9fgc")}},
		// B.3: the closest provable encloser is example, and the NSEC3 covering the
		// next closer c.example has the Opt-Out flag.
		{name: "B.3 referral to an opt-out unsigned zone", qname: "mc.c.example.", qtype: dns.TypeMX, kind: Delegation,
			authority: []string{"c.example. NS", h("35mthgpgcu1qg68fab165klnsnk3dpvl"), h("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")}},
		{name: "B.4 wildcard expansion", qname: "a.z.w.example.", qtype: dns.TypeMX, kind: Success,
			answer: []string{"a.z.w.example. MX"}, authority: []string{h("q04jkcevqvmu85r014c7dkba38o0ji5r")}},
		{name: "B.5 wildcard no data", qname: "a.z.w.example.", qtype: dns.TypeAAAA, kind: NoData,
			authority: []string{soa, h("k8udemvp1j2f7eg6jebps17vp3n8i58h"), h("q04jkcevqvmu85r014c7dkba38o0ji5r"),
				h("r53bq7cc2uvmubfu5ocmm6pers9tk9en")}},
		{name: "B.6 DS at the apex", qname: "example.", qtype: dns.TypeDS, kind: NoData,
			authority: []string{soa, h("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")}},
		// RFC 5155 section 7.2.4: DS at a delegation in an Opt-Out span has no
		// matching NSEC3; the closest encloser proof shows the Opt-Out span.
		{name: "DS at an opt-out delegation", qname: "c.example.", qtype: dns.TypeDS, kind: NoData,
			authority: []string{soa, h("35mthgpgcu1qg68fab165klnsnk3dpvl"), h("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")}},
		{name: "referral to a signed zone", qname: "mc.a.example.", qtype: dns.TypeMX, kind: Delegation,
			authority: []string{"a.example. NS", "a.example. DS"}},
		// Section 7.2.8: an NSEC3 owner name is not a name of the zone.
		{name: "NSEC3 owner name", qname: "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.", qtype: dns.TypeNSEC3,
			kind: NameError, rcode: dns.RcodeNameError,
			authority: []string{soa, h("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), h("gjeqe526plbf1g8mklp59enfd789njgi"),
				h("q04jkcevqvmu85r014c7dkba38o0ji5r")}},
	})
}

// TestProofsUnsigned checks that DO on an unsigned zone changes nothing.
func TestProofsUnsigned(t *testing.T) {
	z := mustCompileText(t, "unsigned.example.", `$ORIGIN unsigned.example.
@ 300 IN SOA ns hostmaster 1 7200 3600 1209600 300
@ 300 IN NS ns
ns 300 IN A 192.0.2.1
child 300 IN NS ns.child
child 300 IN DS 1 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`)
	if z.Denial() != "unsigned" {
		t.Fatalf("denial %s, want unsigned", z.Denial())
	}
	runProofCases(t, z, []proofCase{
		{name: "name error", qname: "nx.unsigned.example.", qtype: dns.TypeA, kind: NameError,
			rcode: dns.RcodeNameError, authority: []string{"unsigned.example. SOA"}},
		{name: "referral keeps out the DS of an unsigned zone", qname: "a.child.unsigned.example.", qtype: dns.TypeA,
			kind: Delegation, authority: []string{"child.unsigned.example. NS"}},
	})
}

// TestProofAllocs proves that a lookup with proofs allocates nothing: the NSEC
// search keys and the NSEC3 hashes are computed in the Answer's scratch space.
func TestProofAllocs(t *testing.T) {
	nsec := loadShared(t, "example.", "knot-tests-extra/basic_nsec_example.zone.nsec")
	nsec3 := loadShared(t, "example.", "knot-tests-extra/basic_opt-out_example.zone")
	tests := []struct {
		name  string
		z     *Zone
		qname string
		qtype uint16
		kind  AnswerKind
	}{
		{"NSEC name error", nsec, "ml.example.", dns.TypeA, NameError},
		{"NSEC no data", nsec, "ns1.example.", dns.TypeMX, NoData},
		{"NSEC empty non-terminal", nsec, "y.w.example.", dns.TypeA, NoData},
		{"NSEC wildcard", nsec, "a.z.w.example.", dns.TypeMX, Success},
		{"NSEC wildcard no data", nsec, "a.z.w.example.", dns.TypeAAAA, NoData},
		{"NSEC insecure referral", nsec, "mc.b.example.", dns.TypeMX, Delegation},
		{"NSEC3 name error", nsec3, "a.c.x.w.example.", dns.TypeA, NameError},
		{"NSEC3 no data", nsec3, "ns1.example.", dns.TypeMX, NoData},
		{"NSEC3 wildcard", nsec3, "a.z.w.example.", dns.TypeMX, Success},
		{"NSEC3 wildcard no data", nsec3, "a.z.w.example.", dns.TypeAAAA, NoData},
		{"NSEC3 opt-out referral", nsec3, "mc.c.example.", dns.TypeMX, Delegation},
		{"NSEC3 signed referral", nsec3, "mc.a.example.", dns.TypeMX, Delegation},
	}
	var a Answer
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { tc.z.LookupDNSSEC(tc.qname, tc.qtype, &a) })
			if allocs != 0 {
				t.Errorf("LookupDNSSEC(%s, %s): got %v allocations, want 0", tc.qname, dns.TypeToString[tc.qtype], allocs)
			}
			if a.Kind != tc.kind {
				t.Errorf("Kind: got %s, want %s", kindName(a.Kind), kindName(tc.kind))
			}
		})
	}
}

// TestProofHashCollision checks RFC 5155 section 7.2.9: when a name that does not
// exist has the hash of an NSEC3 owner, no proof can be given and the answer is
// SERVFAIL. The zone is made so: its chain holds the hash of nx.c.example, which has
// no node.
func TestProofHashCollision(t *testing.T) {
	p := nsec3Params{}
	hashOf := func(name string) string {
		wire, _ := NameToWire(nil, name)
		var buf hashBuf
		h := p.hash(&buf, wire)
		return strings.ToLower(base32Hex.EncodeToString(h[:]))
	}
	apex, nx := hashOf("c.example."), hashOf("nx.c.example.")
	first, second := min(apex, nx), max(apex, nx)
	z := mustCompileText(t, "c.example.", `$ORIGIN c.example.
@ 300 IN SOA ns hostmaster 1 7200 3600 1209600 300
@ 300 IN RRSIG SOA 13 2 300 20300101000000 20200101000000 4711 c.example. `+sigB64+`
@ 300 IN NSEC3PARAM 1 0 0 -
`+first+` 300 IN NSEC3 1 0 0 - `+second+` SOA RRSIG NSEC3PARAM
`+second+` 300 IN NSEC3 1 0 0 - `+first+` A
`)
	var a Answer
	z.LookupDNSSEC("nx.c.example.", dns.TypeA, &a)
	if a.Kind != ServerFailure || a.Rcode != dns.RcodeServerFailure || a.Authoritative || len(a.Authority) != 0 {
		t.Errorf("got kind %s rcode %s aa %v authority %d, want SERVFAIL with nothing",
			kindName(a.Kind), dns.RcodeToString[a.Rcode], a.Authoritative, len(a.Authority))
	}
	if a.EDE != int16(dns.ExtendedErrorCodeOther) {
		t.Errorf("EDE %d, want 0 (Other, RFC 8914 section 4.1)", a.EDE)
	}
	// Without DO there is nothing to prove: NXDOMAIN.
	z.Lookup("nx.c.example.", dns.TypeA, &a)
	if a.Kind != NameError || a.Rcode != dns.RcodeNameError {
		t.Errorf("without DO: got %s, want NameError", kindName(a.Kind))
	}
}

// TestSortBitmaps checks that NSEC3 records whose type bitmap a master file lists
// out of order (RFC 5155 appendix A does) are compiled sorted, so that they have a
// wire form.
func TestSortBitmaps(t *testing.T) {
	z := loadShared(t, "example.", "knot-tests-extra/basic_opt-out_example.zone")
	n := z.nsec3["gjeqe526plbf1g8mklp59enfd789njgi.example."]
	if n == nil {
		t.Fatal("no NSEC3 node")
	}
	set := n.rrset(dns.TypeNSEC3)
	if set.OwnerWire == nil {
		t.Fatal("the NSEC3 RRset has no wire form")
	}
	got := set.first().(*dns.NSEC3).TypeBitMap
	want := []uint16{dns.TypeA, dns.TypeHINFO, dns.TypeAAAA, dns.TypeRRSIG}
	if !slices.Equal(got, want) {
		t.Errorf("bitmap %v, want %v", got, want)
	}
}

package server

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// fastZone exercises every kind of answer the fast path writes: wildcards, a CNAME
// chain, a DNAME, MX and SRV with in-zone targets (additional data), names in the
// RDATA of types that must not be compressed (a HIP record with more than the
// two names a WireRR offers as compression targets among them), a delegation with in-domain and
// sibling glue, an empty non-terminal, and signatures for DO queries.
const fastZone = `$ORIGIN fast.example.
$TTL 300
@        SOA   ns1 hostmaster 1 7200 3600 1209600 60
@        RRSIG SOA 13 2 300 20300101000000 20200101000000 4711 fast.example. ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGiow==
@        NS    ns1
@        NS    ns2.other.example.
@        MX    10 mail
@        MX    20 mail.other.example.
ns1      A     192.0.2.1
mail     A     192.0.2.25
mail     AAAA  2001:db8::25
mail     RRSIG A 13 3 300 20300101000000 20200101000000 4711 fast.example. ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGiow==
_sip._udp SRV  0 5 5060 sip
sip      A     192.0.2.60
naptr    NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.fast.example.
*.wild   A     192.0.2.80
*.wild   TXT   "wildcard text"
*.wild   RRSIG A 13 3 300 20300101000000 20200101000000 4711 fast.example. ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGiow==
*.cn     CNAME www
www      CNAME web
web      A     192.0.2.90
alias    CNAME mail
out      CNAME www.other.example.
dn       DNAME web.fast.example.
a.b.ent  A     192.0.2.100
Mixed    A     192.0.2.101
child    NS    ns.child
child    NS    ns.sibling
ns.child A     192.0.2.53
ns.child AAAA  2001:db8::53
ns.sibling A   192.0.2.54
ptr      PTR   web.fast.example.
hip      HIP   2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs1.other.example. rvs2.other.example. rvs3.other.example.
`

// fastStore serves fastZone beside exampleZone, and the extra zones.
func fastStore(t testing.TB, extra ...*zone.Zone) *zone.Store {
	t.Helper()
	return storeOf(t, append([]*zone.Zone{loadZone(t, "example.", exampleZone), loadZone(t, "fast.example.", fastZone)}, extra...)...)
}

// fastQueries are the queries compared between the two paths: every kind of
// answer, lower and mixed case.
func fastQueries() []*dns.Msg {
	names := []struct {
		name  string
		qtype uint16
	}{
		{"fast.example.", dns.TypeSOA}, {"fast.example.", dns.TypeNS}, {"fast.example.", dns.TypeMX},
		{"fast.example.", dns.TypeANY}, {"mail.fast.example.", dns.TypeA}, {"MAIL.Fast.Example.", dns.TypeA},
		{"_sip._udp.fast.example.", dns.TypeSRV}, {"naptr.fast.example.", dns.TypeNAPTR},
		{"x.wild.fast.example.", dns.TypeA}, {"X.Wild.fast.example.", dns.TypeTXT},
		{"x.wild.fast.example.", dns.TypeMX}, {"a.cn.fast.example.", dns.TypeA},
		{"www.fast.example.", dns.TypeA}, {"alias.fast.example.", dns.TypeMX}, {"out.fast.example.", dns.TypeA},
		{"x.dn.fast.example.", dns.TypeA}, {"a.b.dn.fast.example.", dns.TypeCNAME}, {"dn.fast.example.", dns.TypeDNAME},
		{"b.ent.fast.example.", dns.TypeA}, {"mixed.fast.example.", dns.TypeA}, {"nope.fast.example.", dns.TypeA},
		{"host.child.fast.example.", dns.TypeA}, {"child.fast.example.", dns.TypeDS}, {"ptr.fast.example.", dns.TypePTR},
		{"hip.fast.example.", dns.TypeHIP},
		{"www.example.", dns.TypeA}, {"nope.example.", dns.TypeA}, {"host.wide.example.", dns.TypeA},
		{"big.example.", dns.TypeTXT}, {"many.example.", dns.TypeA}, {"example.org.", dns.TypeA},
		{"fast.example.", dns.TypeAXFR}, {".", dns.TypeNS},
	}
	var out []*dns.Msg
	for _, n := range names {
		out = append(out,
			newQuery(n.name, n.qtype),
			withEDNS(newQuery(n.name, n.qtype), 1232, false),
			withEDNS(newQuery(n.name, n.qtype), 4096, true),
		)
		nsid := withEDNS(newQuery(n.name, n.qtype), 1232, true)
		nsid.IsEdns0().Option = append(nsid.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
		nsid.RecursionDesired, nsid.CheckingDisabled = true, true
		out = append(out, nsid)
	}
	// COOKIE options (RFC 7873): a client cookie alone, with NSID, and with a
	// server cookie the test servers do not verify.
	cc := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	withNSID := cookieQuery("www.fast.example.", dns.TypeA, cc)
	withNSID.IsEdns0().Option = append(withNSID.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	return append(out,
		cookieQuery("www.fast.example.", dns.TypeA, cc),
		cookieQuery("nope.fast.example.", dns.TypeA, cc),
		cookieQuery("host.wide.example.", dns.TypeA, cc),
		cookieQuery("example.org.", dns.TypeA, cc),
		withNSID,
		cookieQuery("www.fast.example.", dns.TypeA, append(cc, bytes.Repeat([]byte{9}, 16)...)),
	)
}

// TestFastMatchesSlow checks that the fast path writes, for each query, the very
// octets the miekg/dns path packs when the query and the zone's names are in lower
// case (same records, same order, same compression, same truncation), and the same
// message otherwise: miekg/dns compresses only names of the same case, the fast
// path ignores case as Knot DNS does (the zone's "Mixed" owner, mixed-case queries).
func TestFastMatchesSlow(t *testing.T) {
	st := fastStore(t)
	fast := newTestServer(t, testConfig(), st)
	slow := newTestServer(t, testConfig(), st)
	slow.slowOnly = true
	fixClock(1_700_000_000, fast, slow)
	for _, q := range fastQueries() {
		msg, err := q.Pack()
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []transport{udp, tcp} {
			name := q.Question[0].Name + "/" + dns.TypeToString[q.Question[0].Qtype] + "/" + tr.String()
			if o := q.IsEdns0(); o != nil {
				name += "/edns"
				if o.Do() {
					name += "+do"
				}
			}
			t.Run(name, func(t *testing.T) {
				sc := newScratch()
				var q2 query
				if parseQuery(msg, &q2, nil) != nil || !fastEligible(&q2) {
					t.Fatal("got a query the fast path does not take, want one it takes")
				}
				if _, ok := fast.respondFast(sc, sc.out[2:], &q2, tr); !ok {
					t.Fatal("got a fallback to the miekg/dns path, want the fast path")
				}
				got, want := call(fast, msg, tr), call(slow, msg, tr)
				if strings.ToLower(q.Question[0].Name) == q.Question[0].Name && !strings.HasPrefix(q.Question[0].Name, "mixed.") {
					if !bytes.Equal(got, want) {
						t.Fatalf("got\n%x\nwant\n%x\n(%s)", got, want, diffText(t, got, want))
					}
					return
				}
				compareReplies(t, got, want)
			})
		}
	}
}

// diffText shows both replies as text.
func diffText(t testing.TB, got, want []byte) string {
	g, _ := unpack(t, got)
	w, _ := unpack(t, want)
	return "fast:\n" + g.String() + "\nslow:\n" + w.String()
}

// compareReplies checks that the fast reply got says what the miekg/dns reply
// want says: header, question, and the records of each section in order (names
// compared ignoring case, RFC 4343). The fast path compresses names ignoring case,
// so its reply may be smaller; it must then not be truncated where the other is
// not, and when only it fits more, it must hold everything the other holds.
func compareReplies(t testing.TB, got, want []byte) {
	t.Helper()
	g, gn := unpack(t, got)
	w, wn := unpack(t, want)
	if gn > wn {
		t.Fatalf("got %d octets from the fast path, want at most the %d of the miekg/dns path\n%s", gn, wn, diffText(t, got, want))
	}
	if g.Truncated != w.Truncated && !(w.Truncated && !g.Truncated) {
		t.Fatalf("got TC %v, want %v\n%s", g.Truncated, w.Truncated, diffText(t, got, want))
	}
	gh, wh := g.MsgHdr, w.MsgHdr
	gh.Truncated, wh.Truncated = false, false
	if gh != wh {
		t.Fatalf("got header %+v, want %+v", gh, wh)
	}
	if !slices.Equal(g.Question, w.Question) {
		t.Fatalf("got question %v, want %v", g.Question, w.Question)
	}
	sections := []struct {
		name      string
		got, want []dns.RR
	}{{"answer", g.Answer, w.Answer}, {"authority", g.Ns, w.Ns}, {"additional", g.Extra, w.Extra}}
	for _, s := range sections {
		gs, ws := rrTexts(s.got), rrTexts(s.want)
		if g.Truncated == w.Truncated {
			if !slices.Equal(gs, ws) {
				t.Fatalf("%s: got %q, want %q", s.name, gs, ws)
			}
			continue
		}
		// Only the fast reply fits more: it holds a superset, in the same order.
		if len(gs) < len(ws) || !slices.Equal(gs[:len(ws)], ws) {
			t.Fatalf("%s: got %q, want it to begin with %q", s.name, gs, ws)
		}
	}
}

// rrTexts returns the records as lower-cased text (names compare ignoring case;
// the test zones hold no upper-case RDATA other than names).
func rrTexts(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.ToLower(rr.String()))
	}
	return out
}

// TestFastPathNoAllocs proves that the common answers (positive, NXDOMAIN, NODATA,
// referral, wildcard, and more) go from query octets to reply octets through the
// fast path without a single heap allocation.
func TestFastPathNoAllocs(t *testing.T) {
	s := newTestServer(t, testConfig(), fastStore(t))
	cases := []struct {
		name string
		q    *dns.Msg
		tr   transport
	}{
		{"positive", newQuery("mail.fast.example.", dns.TypeA), udp},
		{"positive EDNS DO NSID", fastQueries()[4*4+3], udp},
		{"NXDOMAIN", withEDNS(newQuery("nope.fast.example.", dns.TypeA), 1232, false), udp},
		{"NODATA", newQuery("mail.fast.example.", dns.TypeTXT), udp},
		{"referral", withEDNS(newQuery("host.child.fast.example.", dns.TypeA), 1232, false), udp},
		{"referral truncated", newQuery("host.wide.example.", dns.TypeA), udp},
		{"wildcard", withEDNS(newQuery("x.wild.fast.example.", dns.TypeA), 1232, true), udp},
		{"CNAME chain", newQuery("a.cn.fast.example.", dns.TypeA), udp},
		{"DNAME", newQuery("x.dn.fast.example.", dns.TypeA), udp},
		{"MX with additional", newQuery("fast.example.", dns.TypeMX), tcp},
		{"REFUSED", newQuery("example.org.", dns.TypeA), udp},
		{"client cookie", cookieQuery("mail.fast.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8}), udp},
		{"valid server cookie", validCookieQuery(t, s, "mail.fast.example.", dns.TypeA), udp},
		{"bad server cookie", cookieQuery("mail.fast.example.", dns.TypeA, bytes.Repeat([]byte{7}, 24)), udp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := packQuery(t, c.q)
			assertNoAllocs(t, s, msg, c.tr)
		})
	}
	t.Run("DO with proofs", testDOProofsNoAllocs)
}

// doProofCases are DO queries on a zone signed at test time (SignTestZones), one per
// kind of reply that carries a proof: proof is a type the authority section must
// hold with its RRSIG, 0 for the zone's NSEC or NSEC3 records.
var doProofCases = []struct {
	name  string
	qname string // below the zone's origin
	qtype uint16
	proof uint16
}{
	{"NXDOMAIN", "nx", dns.TypeA, 0},
	{"NXDOMAIN below an empty non-terminal", "x.b.c", dns.TypeA, 0},
	{"NODATA", "www", dns.TypeMX, 0},
	{"NODATA at an empty non-terminal", "b.c", dns.TypeA, 0},
	{"wildcard", "host.w", dns.TypeA, 0},
	{"wildcard NODATA", "host.w", dns.TypeAAAA, 0},
	{"CNAME chain to NXDOMAIN", "tonx", dns.TypeA, 0},
	{"referral with DS", "host.sec", dns.TypeA, dns.TypeDS},
	{"referral without DS", "host.ins", dns.TypeA, 0},
}

// testDOProofsNoAllocs proves that replies with DO set, carrying the signed denial
// proofs of RFC 4035 section 3.1.3 and RFC 5155 section 7.2 (or the DS, or the
// proof that there is none, in a referral), take the fast path without a heap
// allocation, on zones signed at test time with NSEC and with NSEC3.
func testDOProofsNoAllocs(t *testing.T) {
	nsec, nsec3 := SignTestZones(t, FormNSEC).Parent, SignTestZones(t, FormNSEC3).Parent
	s := newTestServer(t, testConfig(), storeOf(t, loadSigned(t, nsec), loadSigned(t, nsec3)))
	for _, z := range []SignedZone{nsec, nsec3} {
		denial := uint16(dns.TypeNSEC)
		if z.Origin == FormNSEC3.Origin() {
			denial = dns.TypeNSEC3
		}
		for _, c := range doProofCases {
			t.Run(z.Origin+"/"+c.name, func(t *testing.T) {
				msg := packQuery(t, withEDNS(newQuery(c.qname+"."+z.Origin, c.qtype), 1232, true))
				r, _ := unpack(t, call(s, msg, udp))
				proof := c.proof
				if proof == 0 {
					proof = denial
				}
				if countType(r.Ns, proof) == 0 || countType(r.Ns, dns.TypeRRSIG) == 0 {
					t.Errorf("got authority %v, want %s records with their RRSIGs", typeNames(r.Ns), dns.TypeToString[proof])
				}
				assertNoAllocs(t, s, msg, udp)
			})
		}
	}
}

// typeNames lists the owner and type of each record.
func typeNames(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.Header().Name+" "+dns.TypeToString[rr.Header().Rrtype])
	}
	return out
}

// packQuery packs m.
func packQuery(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	msg, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// assertNoAllocs checks that s answers msg over tr through the fast path, with no
// heap allocation.
func assertNoAllocs(t *testing.T, s *Server, msg []byte, tr transport) {
	t.Helper()
	sc := newScratch()
	var q query
	if parseQuery(msg, &q, nil) != nil {
		t.Fatal("query does not parse")
	}
	if _, ok := s.respondFast(sc, sc.out[2:], &q, tr); !ok {
		t.Fatal("got a fallback to the miekg/dns path, want the fast path")
	}
	allocs := testing.AllocsPerRun(200, func() {
		if s.respond(sc, sc.out[2:], msg, tr, testClient) == nil {
			t.Fatal("no reply")
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per query, want 0", allocs)
	}
}

// loadSigned compiles a zone signed at test time.
func loadSigned(t testing.TB, z SignedZone) *zone.Zone {
	t.Helper()
	lz, err := zone.Load(zonefile.FileSource(z.File), z.Origin)
	if err != nil {
		t.Fatalf("load %s: %v", z.Origin, err)
	}
	return lz
}

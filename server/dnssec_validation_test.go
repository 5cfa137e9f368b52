package server_test

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/server"
)

// The validation test: signed zones served by knotd (the reference) and by our server,
// each queried through real validators, Unbound (a validating resolver with a stub zone
// pointing at the server) and delv, for every kind of answer of RFC 4035 section 3.1
// and RFC 5155 section 7.2. Each answer must come back secure (Unbound sets AD, delv
// says "fully validated"), or, where the zone cannot prove more (an opt-out span, RFC
// 5155 section 6; below an insecure delegation), insecure; never bogus (SERVFAIL).

// security is how a validator classes an answer (RFC 4035 section 4.3).
type security int

const (
	secure   security = iota // validated from the trust anchor: AD set
	insecure                 // proven unsigned (opt-out, or no DS): AD clear, not SERVFAIL
)

func (s security) String() string {
	if s == secure {
		return "secure"
	}
	return "insecure"
}

// valCase is one question and what a validator must conclude.
type valCase struct {
	name   string
	qname  string
	qtype  uint16
	rcode  int
	answer bool     // the answer section holds records (false: NXDOMAIN or NODATA)
	sec    security // through Unbound
	// delv is delv's expected verdict; "" where delv cannot check the case (old
	// signatures, or a zone delv cannot reach).
	delv delvVerdict
}

// validationGroup is a set of zones served together by the server under test, and
// the questions asked of the validators.
type validationGroup struct {
	// zones are served by the server under test, each a stub zone of Unbound (so
	// that it never turns to the children's name server addresses, which do not
	// answer); the first is the trust anchor's.
	zones   []zoneSpec
	anchors []*dns.DNSKEY
	date    string // Unbound's val-override-date; "" for signatures valid now
	cases   []valCase
}

// target is a server under test, serving zones on one 127.0.0.1 port for UDP and TCP
// (a stub-addr of Unbound and delv's -p name one port).
type target struct {
	name  string
	start func(t testing.TB, zones []zoneSpec) string
}

var targets = []target{
	{"knot", startKnot},
	{"anycastdns", func(t testing.TB, zones []zoneSpec) string {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testutil.FreePort(t, "127.0.0.1")))
		e := startOursAt(t, zones, addr)
		if e.udp != addr || e.tcp != addr {
			t.Fatalf("got UDP %s and TCP %s, want both on %s", e.udp, e.tcp, addr)
		}
		return addr
	}},
}

// perForm is an expectation for each form of server.DNSSECForms, in that order.
type perForm [3]security

var (
	allSecure      = perForm{secure, secure, secure}
	optOutInsecure = perForm{secure, secure, insecure} // next closer name in an opt-out span
	allInsecure    = perForm{insecure, insecure, insecure}
)

// testZoneCase is a question about the zone signed at test time (server.SignTestZones),
// by a name relative to the form's origin ("@" for the apex), with the security each
// validator must conclude in each form.
type testZoneCase struct {
	name          string
	qname         string
	qtype         uint16
	rcode         int
	answer        bool
	unbound, delv perForm
	// viaDelv asks delv too: each delv is a process that builds the chain of trust
	// anew, so it checks one case of each kind of proof.
	viaDelv bool
}

// testZoneCases are the kinds of answer the test zone holds. Under Opt-Out every NSEC3
// record sets the flag, and where a proof covers the next closer name rather than
// matching it (RFC 5155 sections 7.2.1 to 7.2.6) the covered span may hide an unsigned
// delegation (section 6). The validators differ on what that makes the answer: Unbound
// calls every such answer insecure, name errors and the no-DS proof of section 7.2.4
// included; BIND (delv) calls an opt-out name error or no-data proof secure (sections 8.4
// to 8.7 ask only for the closest encloser proof and the covering records) and only a
// wildcard expansion insecure (section 8.8). Both are right for a resolver: neither
// is bogus.
var testZoneCases = []testZoneCase{
	{"positive", "www", dns.TypeA, dns.RcodeSuccess, true, allSecure, allSecure, true},
	{"positive at the apex", "@", dns.TypeTXT, dns.RcodeSuccess, true, allSecure, allSecure, false},
	{"MX with its targets' addresses", "@", dns.TypeMX, dns.RcodeSuccess, true, allSecure, allSecure, false},
	{"DNSKEY", "@", dns.TypeDNSKEY, dns.RcodeSuccess, true, allSecure, allSecure, false},
	{"deep name", "a.b.c.d.e.deep", dns.TypeA, dns.RcodeSuccess, true, allSecure, allSecure, false},
	{"NXDOMAIN", "nx", dns.TypeA, dns.RcodeNameError, false, optOutInsecure, allSecure, true},
	{"NXDOMAIN below a name", "nx.www", dns.TypeAAAA, dns.RcodeNameError, false, optOutInsecure, allSecure, false},
	{"NXDOMAIN below an empty non-terminal", "x.b.c", dns.TypeA, dns.RcodeNameError, false, optOutInsecure, allSecure, true},
	{"NXDOMAIN below deep empty non-terminals", "nx.d.e.deep", dns.TypeTXT, dns.RcodeNameError, false, optOutInsecure, allSecure, false},
	{"NODATA", "www", dns.TypeMX, dns.RcodeSuccess, false, allSecure, allSecure, true},
	{"NODATA at an empty non-terminal", "b.c", dns.TypeA, dns.RcodeSuccess, false, allSecure, allSecure, true},
	{"NODATA at a higher empty non-terminal", "c", dns.TypeTXT, dns.RcodeSuccess, false, allSecure, allSecure, false},
	{"wildcard", "host.w", dns.TypeA, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, true},
	{"wildcard, two labels synthesized", "a.b.w", dns.TypeTXT, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, false},
	{"name beside a wildcard", "x.w", dns.TypeA, dns.RcodeSuccess, true, allSecure, allSecure, false},
	{"wildcard NODATA", "host.w", dns.TypeAAAA, dns.RcodeSuccess, false, optOutInsecure, allSecure, true},
	{"wildcard under an empty non-terminal", "q.e.f", dns.TypeA, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, true},
	{"wildcard NODATA under an empty non-terminal", "q.e.f", dns.TypeTXT, dns.RcodeSuccess, false, optOutInsecure, allSecure, false},
	{"wildcard CNAME", "host.cw", dns.TypeA, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, false},
	{"CNAME into a wildcard", "towild", dns.TypeA, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, true},
	{"CNAME into a wildcard CNAME", "tocw", dns.TypeA, dns.RcodeSuccess, true, optOutInsecure, optOutInsecure, false},
	// delv gives no verdict on the name error that ends a chain, only on its links.
	{"CNAME chain to NXDOMAIN", "tonx", dns.TypeA, dns.RcodeNameError, true, optOutInsecure, allSecure, true},
	{"DNAME", "x.dn", dns.TypeA, dns.RcodeSuccess, true, allSecure, allSecure, true},
	{"DNAME to a name that does not exist", "nx.dn", dns.TypeA, dns.RcodeNameError, true, optOutInsecure, allSecure, false},
	{"DS at a secure delegation", "sec", dns.TypeDS, dns.RcodeSuccess, true, allSecure, allSecure, true},
	{"DS at an insecure delegation", "ins", dns.TypeDS, dns.RcodeSuccess, false, optOutInsecure, allSecure, true},
	{"DS at an insecure delegation without glue", "ins3", dns.TypeDS, dns.RcodeSuccess, false, optOutInsecure, allSecure, false},
	{"below a secure delegation", "host.sec", dns.TypeA, dns.RcodeSuccess, true, allSecure, allSecure, true},
	{"NXDOMAIN below a secure delegation", "nx.sec", dns.TypeA, dns.RcodeNameError, false, allSecure, allSecure, false},
	{"below an insecure delegation", "host.ins", dns.TypeTXT, dns.RcodeSuccess, true, allInsecure, allInsecure, true},
}

// testZoneGroup signs the test zone in form, with its children, and asks testZoneCases.
func testZoneGroup(t testing.TB, form server.DNSSECForm) validationGroup {
	z := server.SignTestZones(t, form)
	g := validationGroup{anchors: []*dns.DNSKEY{z.Parent.KSK}}
	for _, s := range []server.SignedZone{z.Parent, z.Secure, z.Insecure} {
		g.zones = append(g.zones, zoneSpec{Origin: s.Origin, File: s.File})
	}
	for _, c := range testZoneCases {
		name := c.qname + "." + z.Parent.Origin
		if c.qname == "@" {
			name = z.Parent.Origin
		}
		vc := valCase{c.name, name, c.qtype, c.rcode, c.answer, c.unbound[form], ""}
		if c.viaDelv {
			vc.delv = delvExpects(c.answer, c.delv[form] == secure)
		}
		g.cases = append(g.cases, vc)
	}
	return g
}

// rfc4035Cases are the queries of RFC 4035 appendix B on Knot's copies of its example
// zone (signed with NSEC, and with NSEC3 without opt-out), which add a wildcard CNAME
// to the apex and one to a name that does not exist. Names below the delegations a. and
// b. would need their servers, which do not exist: their DS is asked instead.
var rfc4035Cases = []valCase{
	{"B.1 answer", "x.w.example.", dns.TypeMX, dns.RcodeSuccess, true, secure, delvSecure},
	{"B.2 name error", "ml.example.", dns.TypeA, dns.RcodeNameError, false, secure, delvSecureNegative},
	{"B.3 no data", "ns1.example.", dns.TypeMX, dns.RcodeSuccess, false, secure, delvSecureNegative},
	{"B.4 DS of a signed child", "a.example.", dns.TypeDS, dns.RcodeSuccess, true, secure, delvSecure},
	{"B.5 no DS of an unsigned child", "b.example.", dns.TypeDS, dns.RcodeSuccess, false, secure, delvSecureNegative},
	{"B.6 wildcard expansion", "a.z.w.example.", dns.TypeMX, dns.RcodeSuccess, true, secure, delvSecure},
	{"B.7 wildcard no data", "a.z.w.example.", dns.TypeAAAA, dns.RcodeSuccess, false, secure, delvSecureNegative},
	{"empty non-terminal", "y.w.example.", dns.TypeA, dns.RcodeSuccess, false, secure, delvSecureNegative},
	{"wildcard CNAME to the apex", "q.to-apex.example.", dns.TypeMX, dns.RcodeSuccess, true, secure, delvSecure},
	{"wildcard CNAME to NXDOMAIN", "q.to-nxdomain.example.", dns.TypeA, dns.RcodeNameError, true, secure, delvSecure},
}

// rfc5155Cases are the queries of RFC 5155 appendix B on its example zone (NSEC3 with
// Opt-Out on every record, signatures of 2005 to 2015: no delv). The names below the
// unsigned delegation c. would need its servers: its DS is asked instead (B.3).
var rfc5155Cases = []valCase{
	{"answer", "x.w.example.", dns.TypeMX, dns.RcodeSuccess, true, secure, ""},
	{"B.1 name error", "a.c.x.w.example.", dns.TypeA, dns.RcodeNameError, false, insecure, ""},
	{"B.2 no data", "ns1.example.", dns.TypeMX, dns.RcodeSuccess, false, secure, ""},
	{"B.2.1 no data, empty non-terminal", "y.w.example.", dns.TypeA, dns.RcodeSuccess, false, secure, ""},
	{"B.3 no DS in an opt-out span", "c.example.", dns.TypeDS, dns.RcodeSuccess, false, insecure, ""},
	{"B.4 wildcard expansion", "a.z.w.example.", dns.TypeMX, dns.RcodeSuccess, true, insecure, ""},
	{"B.5 wildcard no data", "a.z.w.example.", dns.TypeAAAA, dns.RcodeSuccess, false, insecure, ""},
	{"DS of a signed child", "a.example.", dns.TypeDS, dns.RcodeSuccess, true, secure, ""},
}

// validationGroups are the zones of the validation test, each built by its subtest.
var validationGroups = []struct {
	name  string
	build func(t testing.TB) validationGroup
}{
	{"nsec", func(t testing.TB) validationGroup { return testZoneGroup(t, server.FormNSEC) }},
	{"nsec3", func(t testing.TB) validationGroup { return testZoneGroup(t, server.FormNSEC3) }},
	{"nsec3-optout", func(t testing.TB) validationGroup { return testZoneGroup(t, server.FormNSEC3OptOut) }},
	{"root", func(t testing.TB) validationGroup {
		// The root zone of 2023-05-11, its signatures valid from 2023-05-11 to 2023-05-24;
		// the trust anchor is its KSK, 20326.
		return sharedGroup(t, ".", "root.zone", "20230515000000", []valCase{
			{"apex SOA", ".", dns.TypeSOA, dns.RcodeSuccess, true, secure, ""},
			{"DNSKEY", ".", dns.TypeDNSKEY, dns.RcodeSuccess, true, secure, ""},
			{"NXDOMAIN", "nx-tld-a7f3.", dns.TypeA, dns.RcodeNameError, false, secure, ""},
			{"NXDOMAIN, mixed case", "NX-Tld-b9c1.", dns.TypeAAAA, dns.RcodeNameError, false, secure, ""},
			{"NODATA at the apex", ".", dns.TypeTXT, dns.RcodeSuccess, false, secure, ""},
			{"DS of a signed TLD", "com.", dns.TypeDS, dns.RcodeSuccess, true, secure, ""},
			{"no DS of an unsigned TLD", "aq.", dns.TypeDS, dns.RcodeSuccess, false, secure, ""},
		})
	}},
	{"knot-nsec", func(t testing.TB) validationGroup {
		return sharedGroup(t, "example.", "knot-tests-extra/basic_nsec_example.zone.nsec", "", rfc4035Cases)
	}},
	{"knot-nsec3", func(t testing.TB) validationGroup {
		return sharedGroup(t, "example.", "knot-tests-extra/basic_nsec3_example.zone.nsec3", "", rfc4035Cases)
	}},
	{"knot-opt-out", func(t testing.TB) validationGroup {
		return sharedGroup(t, "example.", "knot-tests-extra/basic_opt-out_example.zone", "20100101000000", rfc5155Cases)
	}},
	{"nsd-wildnodatads", func(t testing.TB) validationGroup {
		// NSD's zone: a wildcard below two empty non-terminals, asked for a type it does
		// not hold and for DS (wildcard NODATA), NSEC3 with salt, signatures of
		// 2020-10-19 to 2020-11-16; the only key is a ZSK, which is then the anchor.
		return sharedGroup(t, "example.com.", "nsd-tpkg/nsec3_wildnodatads.zone.signed", "20201101000000", []valCase{
			{"positive", "example.com.", dns.TypeA, dns.RcodeSuccess, true, secure, ""},
			{"NXDOMAIN", "nx.example.com.", dns.TypeA, dns.RcodeNameError, false, secure, ""},
			{"NODATA", "example.com.", dns.TypeTXT, dns.RcodeSuccess, false, secure, ""},
			{"empty non-terminal", "d.example.com.", dns.TypeA, dns.RcodeSuccess, false, secure, ""},
			{"empty non-terminal above hosts", "aa.example.com.", dns.TypeA, dns.RcodeSuccess, false, secure, ""},
			{"wildcard expansion", "x.c.d.example.com.", dns.TypeMX, dns.RcodeSuccess, true, secure, ""},
			{"wildcard NODATA", "x.c.d.example.com.", dns.TypeA, dns.RcodeSuccess, false, secure, ""},
			{"wildcard NODATA for DS", "y.c.d.example.com.", dns.TypeDS, dns.RcodeSuccess, false, secure, ""},
		})
	}},
}

// sharedGroup serves one zone of ../shared/data, trusting its key-signing keys (or,
// when it has none, its zone keys).
func sharedGroup(t testing.TB, origin, rel, date string, cases []valCase) validationGroup {
	spec := zoneSpec{Origin: origin, File: sharedData(t, rel)}
	return validationGroup{zones: []zoneSpec{spec}, anchors: zoneAnchors(t, spec), date: date, cases: cases}
}

// zoneAnchors returns the apex DNSKEYs of a signed zone file that have the SEP flag
// (RFC 4034 section 2.1.1), or every apex DNSKEY when none has it.
func zoneAnchors(t testing.TB, spec zoneSpec) []*dns.DNSKEY {
	t.Helper()
	f, err := os.Open(spec.File)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sep, all []*dns.DNSKEY
	zp := dns.NewZoneParser(f, spec.Origin, spec.File)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if k, ok := rr.(*dns.DNSKEY); ok && strings.EqualFold(k.Hdr.Name, spec.Origin) {
			all = append(all, k)
			if k.Flags&dns.SEP != 0 {
				sep = append(sep, k)
			}
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	if len(sep) > 0 {
		return sep
	}
	if len(all) == 0 {
		t.Fatalf("%s: no DNSKEY at %s", spec.File, spec.Origin)
	}
	return all
}

// TestDNSSECValidation serves each group's zones from knotd and from our server and asks
// every case of the group through Unbound and, where signatures are valid now, delv.
func TestDNSSECValidation(t *testing.T) {
	requireTool(t, "unbound", "/usr/sbin/unbound")
	delvPath := requireTool(t, "delv")
	for _, vg := range validationGroups {
		t.Run(vg.name, func(t *testing.T) {
			g := vg.build(t)
			var anchors []dns.RR
			for _, k := range g.anchors {
				anchors = append(anchors, k)
			}
			delvAnchorFile := delvAnchors(t, g.anchors)
			for _, tg := range targets {
				t.Run(tg.name, func(t *testing.T) {
					addr := tg.start(t, g.zones)
					var stubs []string
					for _, z := range g.zones {
						stubs = append(stubs, z.Origin)
					}
					u := startUnbound(t, unboundSetup{server: addr, zones: stubs, anchors: anchors, date: g.date})
					t.Run("unbound", func(t *testing.T) {
						for _, c := range g.cases {
							t.Run(c.name, func(t *testing.T) { checkUnbound(t, u, c) })
						}
					})
					if g.date != "" {
						return // delv validates against the clock only
					}
					t.Run("delv", func(t *testing.T) {
						for _, c := range g.cases {
							if c.delv == "" {
								continue
							}
							t.Run(c.name, func(t *testing.T) {
								t.Parallel() // each delv is a process of its own, mostly waiting
								got, rcode, out := delv(t, delvPath, addr, delvAnchorFile, g.zones[0].Origin, c.qname, c.qtype)
								if got != c.delv || rcode != c.rcode {
									t.Errorf("delv %s %s: got %q, %s; want %q, %s\n%s", c.qname, dns.TypeToString[c.qtype],
										got, dns.RcodeToString[rcode], c.delv, dns.RcodeToString[c.rcode], out)
								}
							})
						}
					})
				})
			}
		})
	}
}

// checkUnbound asks Unbound the case's question and checks the rcode, whether the
// answer section holds records, and the AD bit.
func checkUnbound(t *testing.T, u *unbound, c valCase) {
	t.Helper()
	r, err := u.resolve(c.qname, c.qtype)
	if err != nil {
		t.Fatalf("%s %s: %v\nunbound log:\n%s", c.qname, dns.TypeToString[c.qtype], err, u.logFor(c.qname))
	}
	var problems []string
	if r.Rcode != c.rcode {
		problems = append(problems, "rcode "+dns.RcodeToString[r.Rcode]+", want "+dns.RcodeToString[c.rcode])
	}
	if got := len(r.Answer) > 0; got != c.answer {
		problems = append(problems, "answer records "+strconv.FormatBool(got)+", want "+strconv.FormatBool(c.answer))
	}
	if r.AuthenticatedData != (c.sec == secure) {
		got := "insecure or bogus (AD clear)"
		if r.AuthenticatedData {
			got = "secure (AD set)"
		}
		problems = append(problems, got+", want "+c.sec.String())
	}
	if len(problems) == 0 {
		return
	}
	// Unbound says why an answer is bogus in an extended error (or else in its log);
	// for an answer that is not bogus, the reply shows what is wrong.
	why := extendedErrors(r)
	if why == "" {
		why = "unbound log:\n" + u.logFor(c.qname)
	}
	if r.Rcode != dns.RcodeServerFailure {
		why += "\nreply:\n" + r.String()
	}
	t.Errorf("%s %s: %s\n%s", c.qname, dns.TypeToString[c.qtype], strings.Join(problems, "; "), why)
}

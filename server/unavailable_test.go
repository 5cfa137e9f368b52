package server

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// unavailableStore serves exampleZone and two zones without data, published as a
// secondary publishes them through the Loader: notready.example. (never received)
// and expired.example. (past its SOA expire).
func unavailableStore(t testing.TB) *zone.Store {
	t.Helper()
	var st zone.Store
	l, err := zone.NewLoader(&st, nil, zone.LoaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	z, res, err := zone.Build("example.", loadZone(t, "example.", exampleZone).Records(), zone.DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Feed("example.", z, res); err != nil {
		t.Fatal(err)
	}
	if err := l.SetUnavailable("notready.example.", zone.NotReady); err != nil {
		t.Fatal(err)
	}
	if err := l.SetUnavailable("expired.example.", zone.Expired); err != nil {
		t.Fatal(err)
	}
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	return &st
}

// edeOf returns the INFO-CODE of the reply's Extended DNS Error and whether it has
// one.
func edeOf(r *dns.Msg) (uint16, bool) {
	o := r.IsEdns0()
	if o == nil {
		return 0, false
	}
	for _, opt := range o.Option {
		if e, ok := opt.(*dns.EDNS0_EDE); ok {
			return e.InfoCode, true
		}
	}
	return 0, false
}

// TestUnavailableZoneAnswers: every name of a zone without data gets SERVFAIL with
// no records and AA clear, with an Extended DNS Error (RFC 8914) in the OPT when the
// query had EDNS, as Knot DNS answers a zone without contents; no OPT otherwise
// (RFC 6891 section 6.1.1). The other zones and the CHAOS names are unaffected. The
// fast path and the miekg/dns path agree.
func TestUnavailableZoneAnswers(t *testing.T) {
	st := unavailableStore(t)
	fast := newTestServer(t, testConfig(), st)
	slow := newTestServer(t, testConfig(), st)
	slow.slowOnly = true
	cases := []struct {
		name  string
		qtype uint16
		ede   uint16
	}{
		{"notready.example.", dns.TypeSOA, dns.ExtendedErrorCodeNotReady},
		{"WWW.NotReady.example.", dns.TypeA, dns.ExtendedErrorCodeNotReady},
		{"expired.example.", dns.TypeNS, dns.ExtendedErrorCodeInvalidData},
		{"a.b.expired.example.", dns.TypeAAAA, dns.ExtendedErrorCodeInvalidData},
	}
	for _, c := range cases {
		for _, s := range []*Server{fast, slow} {
			for _, tr := range []transport{udp, tcp} {
				for _, edns := range []int{0, 1, 2} { // none, EDNS, EDNS with DO and NSID
					q := newQuery(c.name, c.qtype)
					if edns > 0 {
						withEDNS(q, 1232, edns == 2)
					}
					if edns == 2 {
						q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
					}
					r, _ := ask(t, s, q, tr)
					name := c.name + "/" + tr.String()
					if r.Rcode != dns.RcodeServerFailure || r.Authoritative || len(r.Answer)+len(r.Ns) != 0 ||
						len(r.Question) != 1 || r.Question[0].Name != c.name {
						t.Errorf("%s edns %d: rcode %s AA %v, %d answers %d authority, question %v; want SERVFAIL, AA clear, no records, the question",
							name, edns, dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer), len(r.Ns), r.Question)
					}
					code, ok := edeOf(r)
					switch {
					case edns == 0 && r.IsEdns0() != nil:
						t.Errorf("%s: an OPT in the reply to a query without EDNS", name)
					case edns > 0 && (!ok || code != c.ede):
						t.Errorf("%s edns %d: EDE %d (%v), want %d", name, edns, code, ok, c.ede)
					}
				}
			}
		}
	}
	for _, q := range []*dns.Msg{
		withEDNS(newQuery("www.example.", dns.TypeA), 1232, true),
		withEDNS(newQuery("nope.example.", dns.TypeA), 1232, false),
		withEDNS(&dns.Msg{Question: []dns.Question{{Name: "hostname.bind.", Qtype: dns.TypeTXT, Qclass: dns.ClassCHAOS}}}, 1232, false),
	} {
		r, _ := ask(t, fast, q, udp)
		if _, ok := edeOf(r); ok || r.Rcode == dns.RcodeServerFailure {
			t.Errorf("%s: rcode %s with an EDE %v; want the usual answer", q.Question[0].Name, dns.RcodeToString[r.Rcode], ok)
		}
	}
}

// TestUnavailableZoneFastPath: the fast path writes the SERVFAIL itself, with the
// Extended DNS Error in the OPT when the query had EDNS, allocating nothing.
func TestUnavailableZoneFastPath(t *testing.T) {
	s := newTestServer(t, testConfig(), unavailableStore(t))
	assertNoAllocs(t, s, packQuery(t, newQuery("www.expired.example.", dns.TypeA)), udp)
	assertNoAllocs(t, s, packQuery(t, withEDNS(newQuery("www.expired.example.", dns.TypeA), 1232, false)), udp)
}

// TestUnavailableZoneOverTheWire asks a running server over UDP and TCP.
func TestUnavailableZoneOverTheWire(t *testing.T) {
	_, udpAddr, tcpAddr := startServer(t, testConfig(), unavailableStore(t))
	for network, addr := range map[string]string{"udp": udpAddr, "tcp": tcpAddr} {
		r := exchange(t, network, addr, withEDNS(newQuery("expired.example.", dns.TypeSOA), 1232, false))
		if code, ok := edeOf(r); r.Rcode != dns.RcodeServerFailure || !ok || code != dns.ExtendedErrorCodeInvalidData {
			t.Errorf("%s: rcode %s EDE %d %v, want SERVFAIL with EDE 24", network, dns.RcodeToString[r.Rcode], code, ok)
		}
	}
}

package server

import (
	"testing"

	"github.com/miekg/dns"
)

// Each refusal says why in an Extended DNS Error (RFC 8914), to a client whose
// query had EDNS and to no other, through both reply writers and over UDP and
// TCP; answers carry none.
func TestEDE(t *testing.T) {
	hidden := testConfig()
	hidden.HideVersion = true
	fast, slow := newTestServer(t, testConfig(), nil), newTestServer(t, testConfig(), nil)
	slow.slowOnly = true
	hiddenFast, hiddenSlow := newTestServer(t, hidden, nil), newTestServer(t, hidden, nil)
	hiddenSlow.slowOnly = true
	for _, c := range []struct {
		name    string
		qname   string
		qclass  uint16
		qtype   uint16
		servers []*Server
		rcode   int
		ede     int
	}{
		{"outside our zones", "example.org.", dns.ClassINET, dns.TypeA, []*Server{fast, slow}, dns.RcodeRefused, edeNotAuthoritative},
		{"outside our zones, QCLASS *", "example.org.", dns.ClassANY, dns.TypeA, []*Server{fast, slow}, dns.RcodeRefused, edeNotAuthoritative},
		{"AXFR without transfers", "example.", dns.ClassINET, dns.TypeAXFR, []*Server{fast, slow}, dns.RcodeRefused, edeProhibited},
		{"IXFR without transfers", "example.", dns.ClassINET, dns.TypeIXFR, []*Server{fast, slow}, dns.RcodeRefused, edeProhibited},
		{"version.bind hidden", "version.bind.", dns.ClassCHAOS, dns.TypeTXT, []*Server{hiddenFast, hiddenSlow}, dns.RcodeRefused, edeProhibited},
		{"version.server hidden", "VERSION.server.", dns.ClassCHAOS, dns.TypeTXT, []*Server{hiddenFast, hiddenSlow}, dns.RcodeRefused, edeProhibited},
		{"version.bind shown", "version.bind.", dns.ClassCHAOS, dns.TypeTXT, []*Server{fast, slow}, dns.RcodeSuccess, noEDE},
		{"hostname.bind, version hidden", "hostname.bind.", dns.ClassCHAOS, dns.TypeTXT, []*Server{hiddenFast, hiddenSlow}, dns.RcodeSuccess, noEDE},
		{"CHAOS name not served", "nope.bind.", dns.ClassCHAOS, dns.TypeTXT, []*Server{fast, slow}, dns.RcodeRefused, edeNotSupported},
		{"CHAOS type not TXT", "id.server.", dns.ClassCHAOS, dns.TypeA, []*Server{fast, slow}, dns.RcodeRefused, edeNotSupported},
		{"class HESIOD", "example.", dns.ClassHESIOD, dns.TypeSOA, []*Server{fast, slow}, dns.RcodeRefused, edeNotSupported},
		{"class NONE", "example.", dns.ClassNONE, dns.TypeSOA, []*Server{fast, slow}, dns.RcodeRefused, edeNotSupported},
		{"an answer", "www.example.", dns.ClassINET, dns.TypeA, []*Server{fast, slow}, dns.RcodeSuccess, noEDE},
		{"NXDOMAIN", "nope.example.", dns.ClassINET, dns.TypeA, []*Server{fast, slow}, dns.RcodeNameError, noEDE},
	} {
		for _, s := range c.servers {
			for _, tr := range []transport{udp, tcp} {
				for _, edns := range []bool{false, true} {
					q := newQuery(c.qname, c.qtype)
					q.Question[0].Qclass = c.qclass
					if edns {
						withEDNS(q, 1232, false)
					}
					r, _ := ask(t, s, q, tr)
					code, ok := edeOf(r)
					want := c.ede
					if !edns {
						want = noEDE
					}
					got := noEDE
					if ok {
						got = int(code)
					}
					if r.Rcode != c.rcode || got != want {
						t.Errorf("%s (slow only %v, %s, EDNS %v): got %s with EDE %d, want %s with EDE %d", c.name, s.slowOnly, tr, edns,
							dns.RcodeToString[r.Rcode], got, dns.RcodeToString[c.rcode], want)
					}
				}
			}
		}
	}
}

// A REFUSED with its Extended DNS Error, a cookie and NSID, is still written by
// the fast path with no allocation, and the same as the miekg/dns path writes it.
func TestEDEFastPath(t *testing.T) {
	fast, slow := newTestServer(t, testConfig(), nil), newTestServer(t, testConfig(), nil)
	slow.slowOnly = true
	fixClock(1_700_000_000, fast, slow)
	q := cookieQuery("example.org.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	msg := packQuery(t, q)
	assertNoAllocs(t, fast, msg, udp)
	if got, want := call(fast, msg, udp), call(slow, msg, udp); string(got) != string(want) {
		t.Errorf("got\n%x\nwant\n%x\n%s", got, want, diffText(t, got, want))
	}
}

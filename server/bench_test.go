package server

import (
	"path/filepath"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// BenchmarkRespond measures the whole packet path, bytes in to bytes out, with no
// sockets: the fast path (fast.go) and, under "miekg/", the miekg/dns path it
// replaced for these answers.
func BenchmarkRespond(b *testing.B) {
	s := newTestServer(b, testConfig(), fastStore(b))
	slow := newTestServer(b, testConfig(), fastStore(b))
	slow.slowOnly = true
	cases := []struct {
		name string
		q    *dns.Msg
		tr   transport
	}{
		{"A", newQuery("www.example.", dns.TypeA), udp},
		{"A_EDNS", withEDNS(newQuery("www.example.", dns.TypeA), 1232, false), udp},
		{"NXDOMAIN", newQuery("nope.example.", dns.TypeA), udp},
		{"NODATA", newQuery("www.fast.example.", dns.TypeTXT), udp},
		{"wildcard_DO", withEDNS(newQuery("x.wild.fast.example.", dns.TypeA), 1232, true), udp},
		{"MX_additional", newQuery("fast.example.", dns.TypeMX), udp},
		{"DNAME", newQuery("x.dn.fast.example.", dns.TypeA), udp},
		{"referral_small", newQuery("host.child.fast.example.", dns.TypeA), udp},
		{"referral", withEDNS(newQuery("host.wide.example.", dns.TypeA), 1232, false), udp},
		{"truncated", newQuery("big.example.", dns.TypeTXT), udp},
		{"TXT50_TCP", newQuery("big.example.", dns.TypeTXT), tcp},
		{"hostname.bind", func() *dns.Msg {
			m := newQuery("hostname.bind.", dns.TypeTXT)
			m.Question[0].Qclass = dns.ClassCHAOS
			return m
		}(), udp},
		{"REFUSED", newQuery("example.org.", dns.TypeA), udp},
		// DNS cookies (RFC 7873): a client cookie alone gets a new server cookie,
		// a valid one is verified and echoed.
		{"A_COOKIE_new", cookieQuery("www.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8}), udp},
		{"A_COOKIE_valid", validCookieQuery(b, s, "www.example.", dns.TypeA), udp},
	}
	for _, c := range cases {
		msg, err := c.q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		for _, srv := range []*Server{s, slow} {
			name := c.name
			if srv.slowOnly {
				name = "miekg/" + name
			}
			b.Run(name, func(b *testing.B) {
				sc := newScratch()
				b.ReportAllocs()
				for b.Loop() {
					if srv.respond(sc, sc.out[2:], msg, c.tr, testClient) == nil {
						b.Fatal("no reply")
					}
				}
			})
		}
	}
}

// BenchmarkRespondRoot measures the packet path on the signed root zone with DO set,
// as validating resolvers ask (RFC 4035 section 3.1): RRSIGs with every RRset and
// the NSEC proofs of a name error and of an unsigned delegation.
func BenchmarkRespondRoot(b *testing.B) {
	z, err := zone.Load(zonefile.FileSource(filepath.Join("..", "zone", "testdata", "root.zone")), ".")
	if err != nil {
		testutil.Missing(b, "root zone: %v", err)
	}
	s := newTestServer(b, testConfig(), storeOf(b, z))
	for _, c := range []struct {
		name string
		q    *dns.Msg
	}{
		{"referral_DS_DO", withEDNS(newQuery("www.example.com.", dns.TypeA), 1232, true)},
		{"referral_NSEC_DO", withEDNS(newQuery("www.example.cf.", dns.TypeA), 1232, true)},
		{"NXDOMAIN_DO", withEDNS(newQuery("www.example.invalidtld.", dns.TypeA), 1232, true)},
		{"NXDOMAIN", withEDNS(newQuery("www.example.invalidtld.", dns.TypeA), 1232, false)},
		{"DS_DO", withEDNS(newQuery("com.", dns.TypeDS), 1232, true)},
	} {
		msg, err := c.q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			sc := newScratch()
			b.ReportAllocs()
			for b.Loop() {
				if s.respond(sc, sc.out[2:], msg, udp, testClient) == nil {
					b.Fatal("no reply")
				}
			}
		})
	}
}

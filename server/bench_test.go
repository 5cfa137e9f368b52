package server

import (
	"testing"

	"github.com/miekg/dns"
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
					if srv.respond(sc, sc.out[2:], msg, c.tr) == nil {
						b.Fatal("no reply")
					}
				}
			})
		}
	}
}

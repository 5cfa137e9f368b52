package server

import (
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkRespond measures the whole packet path, bytes in to bytes out, with no
// sockets.
func BenchmarkRespond(b *testing.B) {
	s := newTestServer(b, testConfig(), nil)
	cases := []struct {
		name string
		q    *dns.Msg
		tr   transport
	}{
		{"A", newQuery("www.example.", dns.TypeA), udp},
		{"A_EDNS", withEDNS(newQuery("www.example.", dns.TypeA), 1232, false), udp},
		{"NXDOMAIN", newQuery("nope.example.", dns.TypeA), udp},
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
		b.Run(c.name, func(b *testing.B) {
			sc := newScratch()
			b.ReportAllocs()
			for b.Loop() {
				if s.respond(sc, sc.out[2:], msg, c.tr) == nil {
					b.Fatal("no reply")
				}
			}
		})
	}
}

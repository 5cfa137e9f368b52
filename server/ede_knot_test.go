package server_test

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// replyEDE returns the INFO-CODE of the reply's Extended DNS Error (RFC 8914),
// or -1 without one.
func replyEDE(r *dns.Msg) int {
	if o := r.IsEdns0(); o != nil {
		for _, e := range o.Option {
			if ede, ok := e.(*dns.EDNS0_EDE); ok {
				return int(ede.InfoCode)
			}
		}
	}
	return -1
}

// TestEDEKnot asks knotd 3.2 and our server, both serving flags., the queries
// whose replies carry an Extended DNS Error from one of them, and checks each
// against the table: where Knot sends one (20 with the REFUSED of a name outside
// its zones) we send the same; where we add one Knot does not, the table says
// so. Without EDNS neither sends one (RFC 8914 section 3).
func TestEDEKnot(t *testing.T) {
	requireTool(t, "knotd", "/usr/sbin/knotd")
	specs := []zoneSpec{{Origin: "flags.", File: sharedData(t, "knot-tests-extra/data_flags.zone")}}
	knot := startKnot(t, specs)
	ours := startOurs(t, specs)
	for _, c := range []struct {
		name    string
		qname   string
		qclass  uint16
		qtype   uint16
		edns    bool
		net     string
		knot    int // Knot's rcode and EDE
		knotEDE int
		ours    int
		oursEDE int
	}{
		{"outside our zones", "example.com.", dns.ClassINET, dns.TypeA, true, "udp", dns.RcodeRefused, 20, dns.RcodeRefused, 20},
		{"outside our zones, no EDNS", "example.com.", dns.ClassINET, dns.TypeA, false, "udp", dns.RcodeRefused, -1, dns.RcodeRefused, -1},
		{"CHAOS name not served", "nope.bind.", dns.ClassCHAOS, dns.TypeTXT, true, "udp", dns.RcodeRefused, -1, dns.RcodeRefused, 21},
		{"CHAOS type not TXT", "id.server.", dns.ClassCHAOS, dns.TypeA, true, "udp", dns.RcodeRefused, -1, dns.RcodeRefused, 21},
		{"class HESIOD", "flags.", dns.ClassHESIOD, dns.TypeSOA, true, "udp", dns.RcodeRefused, -1, dns.RcodeRefused, 21},
		{"class HESIOD, no EDNS", "flags.", dns.ClassHESIOD, dns.TypeSOA, false, "udp", dns.RcodeRefused, -1, dns.RcodeRefused, -1},
		// Knot without a transfer ACL answers NOTAUTH and no EDE; we serve no
		// transfers here (no transfer side) and say that policy prohibits it.
		{"AXFR refused", "flags.", dns.ClassINET, dns.TypeAXFR, true, "tcp", dns.RcodeNotAuth, -1, dns.RcodeRefused, 18},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion(c.qname, c.qtype)
			q.Question[0].Qclass = c.qclass
			if c.edns {
				q.SetEdns0(1232, false)
			}
			cl := &dns.Client{Net: c.net, Timeout: 2 * time.Second}
			for _, srv := range []struct {
				name, addr string
				rcode, ede int
			}{{"knot", knot, c.knot, c.knotEDE}, {"ours", ours.addr(transport{net: c.net}), c.ours, c.oursEDE}} {
				r, _, err := cl.Exchange(q, srv.addr)
				if err != nil {
					t.Fatalf("%s: %v", srv.name, err)
				}
				if r.Rcode != srv.rcode || replyEDE(r) != srv.ede {
					t.Errorf("%s: got %s with EDE %d, want %s with EDE %d", srv.name,
						dns.RcodeToString[r.Rcode], replyEDE(r), dns.RcodeToString[srv.rcode], srv.ede)
				}
			}
		})
	}
}

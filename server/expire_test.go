package server

import (
	"testing"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// withExpire adds an empty EXPIRE option (RFC 7314 section 2) to m, which must
// have EDNS.
func withExpire(m *dns.Msg) *dns.Msg {
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
	return m
}

// expireOf returns the EXPIRE value of r, and whether r carries one.
func expireOf(r *dns.Msg) (uint32, bool) {
	if r == nil || r.IsEdns0() == nil {
		return 0, false
	}
	for _, o := range r.IsEdns0().Option {
		if e, ok := o.(*dns.EDNS0_EXPIRE); ok && !e.Empty {
			return e.Expire, true
		}
	}
	return 0, false
}

// A query with an EXPIRE option gets the zone's EXPIRE in every reply from one of
// our zones (RFC 7314 section 3), as Knot DNS answers: the SOA's for a zone of our
// own, what Options.ZoneExpire says for a secondary's copy; nothing outside our
// zones, in CHAOS, or when the query did not ask.
func TestExpireOption(t *testing.T) {
	fast, slow := newTestServer(t, testConfig(), nil), newTestServer(t, testConfig(), nil)
	slow.slowOnly = true
	secondary, err := New(testConfig(), exampleStore(t), Options{Logger: zap.NewNop(),
		ZoneExpire: func(z *zone.Zone) uint32 {
			if z.Origin() != "example." {
				t.Errorf("ZoneExpire asked for %s, want example.", z.Origin())
			}
			return 4242
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		qname  string
		qclass uint16
		qtype  uint16
		ask    bool   // the query carries EXPIRE
		want   uint32 // 0: no EXPIRE in the reply
	}{
		{"SOA", "example.", dns.ClassINET, dns.TypeSOA, true, 1209600},
		{"an answer", "www.example.", dns.ClassINET, dns.TypeA, true, 1209600},
		{"NXDOMAIN", "nope.example.", dns.ClassINET, dns.TypeA, true, 1209600},
		{"NODATA", "www.example.", dns.ClassINET, dns.TypeMX, true, 1209600},
		{"referral", "host.sub.example.", dns.ClassINET, dns.TypeA, true, 1209600},
		{"not asked", "example.", dns.ClassINET, dns.TypeSOA, false, 0},
		{"outside our zones", "example.org.", dns.ClassINET, dns.TypeSOA, true, 0},
		{"CHAOS", "hostname.bind.", dns.ClassCHAOS, dns.TypeTXT, true, 0},
	} {
		for _, s := range []*Server{fast, slow, secondary} {
			for _, tr := range []transport{udp, tcp} {
				q := withEDNS(newQuery(c.qname, c.qtype), 1232, false)
				q.Question[0].Qclass = c.qclass
				if c.ask {
					withExpire(q)
				}
				r, _ := ask(t, s, q, tr)
				want := c.want
				if s == secondary && want != 0 {
					want = 4242
				}
				got, ok := expireOf(r)
				switch {
				case want == 0 && ok:
					t.Errorf("%s (%v): EXPIRE %d in the reply, want none", c.name, tr, got)
				case want != 0 && (!ok || got != want):
					t.Errorf("%s (%v): EXPIRE %d (present %v), want %d\n%v", c.name, tr, got, ok, want, r)
				}
			}
		}
	}
}

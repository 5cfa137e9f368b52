package server_test

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// expireValue returns the EDNS EXPIRE value of r (RFC 7314), and whether r has one.
func expireValue(r *dns.Msg) (uint32, bool) {
	if o := r.IsEdns0(); o != nil {
		for _, e := range o.Option {
			if x, ok := e.(*dns.EDNS0_EXPIRE); ok && !x.Empty {
				return x.Expire, true
			}
		}
	}
	return 0, false
}

// TestExpireKnot asks knotd 3.2 and our server, both serving flags. from its file,
// queries with an EDNS EXPIRE option: the option comes back where Knot sends it
// (every reply from the zone, RFC 7314 section 3) with the same value, the SOA's
// EXPIRE of a zone served from its file, and not for a name outside the zones.
func TestExpireKnot(t *testing.T) {
	requireTool(t, "knotd", "/usr/sbin/knotd")
	specs := []zoneSpec{{Origin: "flags.", File: sharedData(t, "knot-tests-extra/data_flags.zone")}}
	knot := startKnot(t, specs)
	ours := startOurs(t, specs)
	present := 0
	for _, c := range []struct {
		qname string
		qtype uint16
		net   string
	}{
		{"flags.", dns.TypeSOA, "udp"},
		{"flags.", dns.TypeSOA, "tcp"},
		{"dns1.flags.", dns.TypeA, "udp"},
		{"nope.flags.", dns.TypeA, "udp"},
		{"dns1.flags.", dns.TypeMX, "tcp"},
		{"example.com.", dns.TypeSOA, "udp"},
	} {
		q := new(dns.Msg)
		q.SetQuestion(c.qname, c.qtype)
		q.SetEdns0(1232, false)
		q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
		cl := &dns.Client{Net: c.net, Timeout: 2 * time.Second}
		k, _, err := cl.Exchange(q, knot)
		if err != nil {
			t.Fatalf("knot: %v", err)
		}
		o, _, err := cl.Exchange(q, ours.addr(transport{net: c.net}))
		if err != nil {
			t.Fatalf("ours: %v", err)
		}
		kv, kok := expireValue(k)
		ov, ook := expireValue(o)
		if kv != ov || kok != ook {
			t.Errorf("%s %s over %s: EXPIRE %d (present %v), Knot DNS %d (present %v)",
				c.qname, dns.TypeToString[c.qtype], c.net, ov, ook, kv, kok)
		}
		if ook {
			present++
		}
	}
	if present == 0 {
		t.Error("no reply carried EXPIRE: the comparison proved nothing")
	}
}

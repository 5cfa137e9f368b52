package server

import (
	"bytes"
	"testing"

	"github.com/miekg/dns"
)

// seedQueries are real queries: the fuzz corpus starts from them.
func seedQueries() []*dns.Msg {
	ch := newQuery("hostname.bind.", dns.TypeTXT)
	ch.Question[0].Qclass = dns.ClassCHAOS
	nsid := withEDNS(newQuery("example.", dns.TypeSOA), 1232, true)
	nsid.IsEdns0().Option = append(nsid.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	v1 := withEDNS(newQuery("example.", dns.TypeSOA), 4096, false)
	v1.IsEdns0().SetVersion(1)
	notify := newQuery("example.", dns.TypeSOA)
	notify.Opcode = dns.OpcodeNotify
	return []*dns.Msg{
		newQuery("www.example.", dns.TypeA),
		newQuery("WWW.example.", dns.TypeAAAA),
		newQuery("big.example.", dns.TypeTXT),
		withEDNS(newQuery("many.example.", dns.TypeA), 512, false),
		newQuery("host.wide.example.", dns.TypeA),
		newQuery("nope.example.", dns.TypeMX),
		newQuery("example.", dns.TypeANY),
		newQuery("example.org.", dns.TypeA),
		newQuery("example.", dns.TypeAXFR),
		ch, nsid, v1, notify,
		// COOKIE options (RFC 7873 section 4): a client cookie alone, one with a
		// server cookie, and malformed ones (section 5.2.2).
		cookieQuery("www.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8}),
		cookieQuery("www.example.", dns.TypeA, make([]byte, 24)),
		cookieQuery("www.example.", dns.TypeA, make([]byte, 7)),
		cookieQuery("www.example.", dns.TypeA, make([]byte, 12)),
		cookieQuery("www.example.", dns.TypeA, make([]byte, 41)),
		// EXPIRE (RFC 7314 section 2), answered only by the miekg/dns path.
		withExpire(withEDNS(newQuery("example.", dns.TypeSOA), 1232, false)),
	}
}

// FuzzRespond feeds any bytes to the packet path: it must not panic, and a reply
// must parse, keep the query's ID and fit the UDP limit. It is also a differential
// test of the two reply writers: the reply of the fast path (fast.go) must say
// what the miekg/dns path (respond.go) says for the same query.
func FuzzRespond(f *testing.F) {
	for _, m := range seedQueries() {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte{}, false)
	f.Add(rawHeader(0, 0, 0, 0, 0, 0), false)
	f.Add(append(rawHeader(0, 0, 1, 0, 0, 0), 0xC0, 12, 0, 1, 0, 1), false)
	for _, m := range fastQueries() {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	// DO queries on zones signed with NSEC and with NSEC3 Opt-Out: the replies that
	// carry signatures and denial proofs (RFC 4035 section 3.1, RFC 5155 section 7.2).
	nsec, optOut := SignTestZones(f, FormNSEC).Parent, SignTestZones(f, FormNSEC3OptOut).Parent
	for _, z := range []SignedZone{nsec, optOut} {
		for _, m := range doSeedQueries(z.Origin) {
			b, err := m.Pack()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, false)
			f.Add(b, true)
		}
	}
	st := fastStore(f, loadSigned(f, nsec), loadSigned(f, optOut))
	s := newTestServer(f, testConfig(), st)
	slow := newTestServer(f, testConfig(), st)
	slow.slowOnly = true
	// lim limits at one reply a second (rrl.go), its clock fixed: most replies
	// of a fuzzing run are over budget, slipped or dropped.
	lim := newTestServer(f, rrlTestConfig(1, 15, 2), st)
	lim.rrl.Load().now = func() uint32 { return 1_700_000_000 }
	fixClock(1_700_000_000, s, slow, lim)
	sc, slowSc, limSc := newScratch(), newScratch(), newScratch()
	f.Fuzz(func(t *testing.T, msg []byte, overTCP bool) {
		if len(msg) > maxTCPMessage {
			return
		}
		tr := udp
		if overTCP {
			tr = tcp
		}
		limited := lim.respond(limSc, limSc.out[2:], msg, tr, testClient)
		out := s.respond(sc, sc.out[2:], msg, tr, testClient)
		if out == nil {
			if limited != nil {
				t.Fatal("got a reply with rate limiting, want none as without")
			}
			return
		}
		checkLimited(t, limited, out, msg, tr)
		if len(msg) < headerLen {
			t.Fatalf("got a reply to %d octets, want none", len(msg))
		}
		r := new(dns.Msg)
		if err := r.Unpack(out); err != nil {
			t.Fatalf("reply does not parse: %v", err)
		}
		if !r.Response || r.Id != uint16(msg[0])<<8|uint16(msg[1]) {
			t.Fatalf("got QR %v id %d, want a reply to id %d", r.Response, r.Id, uint16(msg[0])<<8|uint16(msg[1]))
		}
		limit := maxTCPMessage
		if tr == udp {
			limit = minUDPSize
			var q query
			if parseQuery(msg, &q, nil) == nil && q.edns && q.udpSize > minUDPSize {
				limit = int(min(q.udpSize, s.cfg.UDPSize))
			}
		}
		if len(out) > limit {
			t.Fatalf("got %d octets over %s, want at most %d", len(out), tr, limit)
		}
		want := slow.respond(slowSc, slowSc.out[2:], msg, tr, testClient)
		if want == nil {
			t.Fatal("got a reply from the fast path, want none as from the miekg/dns path")
		}
		compareReplies(t, out, want)
	})
}

// doSeedQueries are the DO queries of doProofCases below origin, with EDNS payloads of
// 512, 1232 and 4096 octets (a proof that does not fit sets TC), then a positive
// answer, the apex DNSKEY set, a DNAME and a CNAME into a wildcard CNAME, each signed.
func doSeedQueries(origin string) []*dns.Msg {
	var out []*dns.Msg
	for _, c := range doProofCases {
		for _, size := range []uint16{512, 1232, 4096} {
			out = append(out, withEDNS(newQuery(c.qname+"."+origin, c.qtype), size, true))
		}
	}
	return append(out,
		withEDNS(newQuery("www."+origin, dns.TypeA), 1232, true),
		withEDNS(newQuery(origin, dns.TypeDNSKEY), 512, true),
		withEDNS(newQuery("x.dn."+origin, dns.TypeA), 1232, true),
		withEDNS(newQuery("tocw."+origin, dns.TypeA), 1232, true),
	)
}

// checkLimited checks the reply of a rate-limiting server to msg over tr: the
// reply out of a server without, or none, or its slip (over UDP only): TC set,
// no records, the ID kept and never longer than the query.
func checkLimited(t *testing.T, limited, out, msg []byte, tr transport) {
	t.Helper()
	if bytes.Equal(limited, out) {
		return
	}
	if tr != udp {
		t.Fatalf("over %s: got a reply other than without rate limiting", tr)
	}
	if limited == nil {
		return // dropped
	}
	if len(limited) < headerLen || len(limited) > len(msg) {
		t.Fatalf("slipped reply of %d octets to a query of %d, want a header and at most the query's size", len(limited), len(msg))
	}
	r := new(dns.Msg)
	if err := r.Unpack(limited); err != nil {
		t.Fatalf("slipped reply does not parse: %v", err)
	}
	if !r.Truncated || !r.Response || r.Id != uint16(msg[0])<<8|uint16(msg[1]) || len(r.Answer)+len(r.Ns)+len(r.Extra) > 0 {
		t.Fatalf("slipped reply: got TC %v QR %v id %d and %d records, want TC, QR, id %d and none",
			r.Truncated, r.Response, r.Id, len(r.Answer)+len(r.Ns)+len(r.Extra), uint16(msg[0])<<8|uint16(msg[1]))
	}
}

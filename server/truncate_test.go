package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestTruncation checks that a reply too large for UDP sets TC and carries whole
// RRsets only (RFC 2181 section 9), and that TCP carries it all.
func TestTruncation(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	tests := []struct {
		name    string
		q       *dns.Msg
		tr      transport
		qtype   uint16
		tc      bool
		answers []int // acceptable answer counts of qtype: whole RRsets only
	}{
		{name: "TXT 50 over UDP 512", q: newQuery("big.example.", dns.TypeTXT), qtype: dns.TypeTXT, tc: true, answers: []int{0}},
		{name: "TXT 50 over UDP 1232", q: withEDNS(newQuery("big.example.", dns.TypeTXT), 1232, false), qtype: dns.TypeTXT, tc: true, answers: []int{0}},
		{name: "TXT 50 over TCP", q: newQuery("big.example.", dns.TypeTXT), tr: tcp, qtype: dns.TypeTXT, answers: []int{50}},
		{name: "A 50 over UDP 512", q: newQuery("many.example.", dns.TypeA), qtype: dns.TypeA, tc: true, answers: []int{0}},
		{name: "A 50 over UDP 1232", q: withEDNS(newQuery("many.example.", dns.TypeA), 1232, false), qtype: dns.TypeA, answers: []int{50}},
		{name: "A 50 over TCP", q: newQuery("many.example.", dns.TypeA), tr: tcp, qtype: dns.TypeA, answers: []int{50}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := ask(t, s, tc.q, tc.tr)
			if r.Truncated != tc.tc {
				t.Errorf("got TC %v, want %v", r.Truncated, tc.tc)
			}
			got := countType(r.Answer, tc.qtype)
			ok := false
			for _, n := range tc.answers {
				ok = ok || got == n
			}
			if !ok {
				t.Errorf("got %d %s records, want one of %v", got, dns.TypeToString[tc.qtype], tc.answers)
			}
			if tc.q.IsEdns0() != nil && r.IsEdns0() == nil {
				t.Error("got no OPT in the truncated reply, want it kept (RFC 6891 section 7)")
			}
		})
	}
}

// TestReferralGlue checks RFC 9471: a referral whose in-domain glue does not all
// fit sets TC; when it fits, TC is clear and all the glue is there.
func TestReferralGlue(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	tests := []struct {
		name string
		q    *dns.Msg
		tc   bool
		glue int // A and AAAA records in additional
	}{
		{name: "512 loses glue", q: newQuery("host.wide.example.", dns.TypeA), tc: true},
		{name: "1232 fits", q: withEDNS(newQuery("host.wide.example.", dns.TypeA), 1232, false), glue: 26},
		{name: "small referral", q: newQuery("host.sub.example.", dns.TypeA), glue: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, n := ask(t, s, tc.q, udp)
			if r.Authoritative {
				t.Error("got AA on a referral, want clear (RFC 1034 section 4.3.2)")
			}
			if r.Truncated != tc.tc {
				t.Errorf("got TC %v, want %v (%d octets)", r.Truncated, tc.tc, n)
			}
			if !tc.tc {
				if got := countType(r.Extra, dns.TypeA) + countType(r.Extra, dns.TypeAAAA); got != tc.glue {
					t.Errorf("got %d glue records, want %d", got, tc.glue)
				}
				if len(r.Ns) == 0 {
					t.Error("got no NS in authority, want the delegation")
				}
			}
		})
	}
}

// TestAdditionalDroppedSilently checks that additional data other than glue is
// dropped without TC when it does not fit (RFC 9471 section 4.1, RFC 2181 section 9).
func TestAdditionalDroppedSilently(t *testing.T) {
	text := "$ORIGIN mx.test.\n$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
	for i := range 12 {
		text += "@ MX 10 mail" + string(rune('a'+i)) + "\n"
		text += "mail" + string(rune('a'+i)) + " AAAA 2001:db8::1\nmail" + string(rune('a'+i)) + " A 192.0.2.1\n"
	}
	st := storeOf(t, loadZone(t, "mx.test.", text))
	s := newTestServer(t, testConfig(), st)
	r, n := ask(t, s, newQuery("mx.test.", dns.TypeMX), udp)
	if len(r.Answer) != 12 {
		t.Fatalf("got %d MX, want 12", len(r.Answer))
	}
	if r.Truncated {
		t.Errorf("got TC for dropped additional data, want clear (%d octets)", n)
	}
	if n > 512 {
		t.Errorf("got %d octets, want at most 512", n)
	}
	full, _ := ask(t, s, newQuery("mx.test.", dns.TypeMX), tcp)
	if len(full.Extra) <= len(r.Extra) {
		t.Errorf("got %d additional over TCP and %d over UDP, want more over TCP (the test zone is too small)", len(full.Extra), len(r.Extra))
	}
}

// TestInDomainGlueFirst checks that in-domain glue is kept before sibling glue when
// a referral does not fit: losing sibling glue does not set TC, losing in-domain
// glue would (RFC 9471 sections 3 and 4.1).
func TestInDomainGlueFirst(t *testing.T) {
	text := "$ORIGIN sib.test.\n$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
	for i := range 8 {
		name := fmt.Sprintf("a%d.a-long-sibling-name-for-this-test", i)
		text += "kid NS " + name + "\n" + name + " A 192.0.2.10\n" + name + " AAAA 2001:db8::10\n"
	}
	// Listed last, so the lookup gives its glue last.
	text += "kid NS ns.kid\nns.kid A 192.0.2.53\nns.kid AAAA 2001:db8::53\n"
	s := newTestServer(t, testConfig(), storeOf(t, loadZone(t, "sib.test.", text)))

	r, n := ask(t, s, newQuery("www.kid.sib.test.", dns.TypeA), udp)
	if r.Truncated {
		t.Errorf("got TC, want clear: the in-domain glue fits in 512 octets (%d)", n)
	}
	if len(r.Ns) != 9 {
		t.Errorf("got %d NS, want 9", len(r.Ns))
	}
	inDomain := 0
	for _, rr := range r.Extra {
		if dns.CanonicalName(rr.Header().Name) == "ns.kid.sib.test." {
			inDomain++
		}
	}
	if inDomain != 2 {
		t.Errorf("got %d in-domain glue records, want 2 (A and AAAA): %v", inDomain, r.Extra)
	}
	full, _ := ask(t, s, newQuery("www.kid.sib.test.", dns.TypeA), tcp)
	if len(full.Extra) != 18 {
		t.Errorf("got %d glue records over TCP, want 18", len(full.Extra))
	}
}

// TestLargeTCPReply checks a TCP reply larger than the scratch buffer (it is packed
// into a buffer of its own) and one larger than 65535 octets uncompressed.
func TestLargeTCPReply(t *testing.T) {
	text := "$ORIGIN large.test.\n$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
	for i := range 300 {
		text += fmt.Sprintf("txt TXT \"%03d %s\"\n", i, strings.Repeat("x", 100))
	}
	for i := range 1000 {
		text += fmt.Sprintf("huge TXT \"%04d %s\"\n", i, strings.Repeat("y", 200))
	}
	st := storeOf(t, loadZone(t, "large.test.", text))
	_, _, addr := startServer(t, testConfig(), st)
	r := exchange(t, "tcp", addr, newQuery("txt.large.test.", dns.TypeTXT))
	if len(r.Answer) != 300 || r.Truncated {
		t.Errorf("got %d records and TC %v, want 300 and clear", len(r.Answer), r.Truncated)
	}
	// 1000 records of about 215 octets cannot fit in one message: TC, no records.
	r = exchange(t, "tcp", addr, newQuery("huge.large.test.", dns.TypeTXT))
	if !r.Truncated || len(r.Answer) != 0 {
		t.Errorf("got %d records and TC %v, want none and TC set", len(r.Answer), r.Truncated)
	}
}

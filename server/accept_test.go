package server

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// TestAcceptRules checks the accept rules on whole messages given to respond.
func TestAcceptRules(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	packed := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// question is the wire form of "www.example. IN A".
	question := packed(newQuery("www.example.", dns.TypeA))[headerLen:]
	withOpcode := func(op int) []byte {
		m := newQuery("www.example.", dns.TypeA)
		m.Opcode = op
		return packed(m)
	}
	withClass := func(name string, qtype, class uint16) []byte {
		m := newQuery(name, qtype)
		m.Question[0].Qclass = class
		return packed(m)
	}
	twoOPT := func() []byte {
		m := withEDNS(newQuery("www.example.", dns.TypeA), 1232, false)
		m.Extra = append(m.Extra, m.Extra[0])
		return packed(m)
	}
	nonRootOPT := func() []byte {
		m := withEDNS(newQuery("www.example.", dns.TypeA), 1232, false)
		m.Extra[0].Header().Name = "example."
		return packed(m)
	}
	qr := packed(newQuery("www.example.", dns.TypeA))
	qr[2] |= bitQR
	rdSet := newQuery("www.example.", dns.TypeA)
	rdSet.RecursionDesired = true
	flags := newQuery("www.example.", dns.TypeA)
	flags.CheckingDisabled, flags.AuthenticatedData, flags.Zero = true, true, true

	tests := []struct {
		name      string
		msg       []byte
		tr        transport
		noReply   bool
		rcode     int
		aa        bool
		answers   int
		question  bool // the reply echoes the question
		opt       bool // the reply has an OPT record
		rd, cd    bool
		opcodeOut int
	}{
		{name: "empty", msg: nil, noReply: true},
		{name: "short header", msg: []byte{1, 2, 3, 4, 5}, noReply: true},
		{name: "eleven octets", msg: rawHeader(0, 0, 1, 0, 0, 0)[:11], noReply: true},
		{name: "QR set", msg: qr, noReply: true},
		{name: "header only", msg: rawHeader(0, 0, 0, 0, 0, 0), rcode: dns.RcodeFormatError},
		{name: "QDCOUNT 2", msg: append(append(rawHeader(0, 0, 2, 0, 0, 0), question...), question...), rcode: dns.RcodeFormatError},
		{name: "QDCOUNT 0 keeps OPT", msg: append(rawHeader(0, 0, 0, 0, 0, 1), 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0), rcode: dns.RcodeFormatError, opt: true},
		{name: "question cut short", msg: append(rawHeader(0, 0, 1, 0, 0, 0), question[:7]...), rcode: dns.RcodeFormatError},
		{name: "question type cut short", msg: append(rawHeader(0, 0, 1, 0, 0, 0), question[:len(question)-2]...), rcode: dns.RcodeFormatError},
		{name: "compression loop", msg: append(rawHeader(0, 0, 1, 0, 0, 0), 0xC0, 12, 0, 1, 0, 1), rcode: dns.RcodeFormatError},
		{name: "additional cut short", msg: append(append(rawHeader(0, 0, 1, 0, 0, 1), question...), 0, 0, 41), rcode: dns.RcodeFormatError},
		{name: "two OPT records", msg: twoOPT(), rcode: dns.RcodeFormatError, opt: true},
		{name: "OPT owner not root", msg: nonRootOPT(), rcode: dns.RcodeFormatError},
		{name: "opcode NOTIFY", msg: withOpcode(dns.OpcodeNotify), rcode: dns.RcodeNotImplemented, question: true, opcodeOut: dns.OpcodeNotify},
		{name: "opcode UPDATE", msg: withOpcode(dns.OpcodeUpdate), rcode: dns.RcodeNotImplemented, question: true, opcodeOut: dns.OpcodeUpdate},
		{name: "opcode 15 header only", msg: rawHeader(15<<3, 0, 0, 0, 0, 0), rcode: dns.RcodeNotImplemented, opcodeOut: 15},
		{name: "IN in zone", msg: packed(newQuery("www.example.", dns.TypeA)), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "IN in zone over TCP", msg: packed(newQuery("www.example.", dns.TypeA)), tr: tcp, rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "mixed case", msg: packed(newQuery("WwW.ExAmPlE.", dns.TypeA)), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "unknown qtype", msg: packed(newQuery("www.example.", 1000)), rcode: dns.RcodeSuccess, aa: true, question: true},
		{name: "NXDOMAIN", msg: packed(newQuery("nope.example.", dns.TypeA)), rcode: dns.RcodeNameError, aa: true, question: true},
		{name: "outside our zones", msg: packed(newQuery("www.example.org.", dns.TypeA)), rcode: dns.RcodeRefused, question: true},
		{name: "root outside our zones", msg: packed(newQuery(".", dns.TypeNS)), rcode: dns.RcodeRefused, question: true},
		{name: "AXFR over UDP", msg: packed(newQuery("example.", dns.TypeAXFR)), rcode: dns.RcodeRefused, question: true},
		{name: "AXFR over TCP", msg: packed(newQuery("example.", dns.TypeAXFR)), tr: tcp, rcode: dns.RcodeRefused, question: true},
		{name: "IXFR", msg: packed(newQuery("example.", dns.TypeIXFR)), rcode: dns.RcodeRefused, question: true},
		{name: "class CH hostname.bind", msg: withClass("hostname.bind.", dns.TypeTXT, dns.ClassCHAOS), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "class CH ANY", msg: withClass("id.server.", dns.TypeANY, dns.ClassCHAOS), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "class CH other name", msg: withClass("authors.bind.", dns.TypeTXT, dns.ClassCHAOS), rcode: dns.RcodeRefused, question: true},
		{name: "class CH identity name, type A", msg: withClass("hostname.bind.", dns.TypeA, dns.ClassCHAOS), rcode: dns.RcodeRefused, question: true},
		{name: "class CH zone name", msg: withClass("www.example.", dns.TypeA, dns.ClassCHAOS), rcode: dns.RcodeRefused, question: true},
		{name: "class HS", msg: withClass("www.example.", dns.TypeA, dns.ClassHESIOD), rcode: dns.RcodeRefused, question: true},
		{name: "class ANY matches IN", msg: withClass("www.example.", dns.TypeA, dns.ClassANY), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true},
		{name: "identity name in IN", msg: packed(newQuery("hostname.bind.", dns.TypeTXT)), rcode: dns.RcodeRefused, question: true},
		{name: "RD copied", msg: packed(rdSet), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true, rd: true},
		{name: "CD copied, AD and Z not", msg: packed(flags), rcode: dns.RcodeSuccess, aa: true, answers: 1, question: true, cd: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := call(s, tc.msg, tc.tr)
			if tc.noReply {
				if out != nil {
					t.Fatalf("got a reply of %d octets, want none", len(out))
				}
				return
			}
			r, _ := unpack(t, out)
			if r == nil {
				t.Fatal("got no reply, want one")
			}
			if want := uint16(tc.msg[0])<<8 | uint16(tc.msg[1]); r.Id != want {
				t.Errorf("got id %#x, want %#x", r.Id, want)
			}
			if !r.Response {
				t.Error("got QR clear, want set")
			}
			if r.Rcode != tc.rcode {
				t.Errorf("got rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
			}
			if r.Authoritative != tc.aa {
				t.Errorf("got AA %v, want %v", r.Authoritative, tc.aa)
			}
			if len(r.Answer) != tc.answers {
				t.Errorf("got %d answers, want %d: %v", len(r.Answer), tc.answers, r.Answer)
			}
			if got := len(r.Question) == 1; got != tc.question {
				t.Errorf("got question echoed %v, want %v", got, tc.question)
			}
			if got := r.IsEdns0() != nil; got != tc.opt {
				t.Errorf("got OPT %v, want %v", got, tc.opt)
			}
			if r.RecursionDesired != tc.rd {
				t.Errorf("got RD %v, want %v", r.RecursionDesired, tc.rd)
			}
			if r.RecursionAvailable {
				t.Error("got RA set, want never")
			}
			if r.CheckingDisabled != tc.cd {
				t.Errorf("got CD %v, want %v", r.CheckingDisabled, tc.cd)
			}
			if r.AuthenticatedData || r.Zero {
				t.Errorf("got AD %v Z %v, want both clear", r.AuthenticatedData, r.Zero)
			}
			if r.Opcode != tc.opcodeOut {
				t.Errorf("got opcode %d, want %d", r.Opcode, tc.opcodeOut)
			}
		})
	}
}

// TestQuestionKeepsCase checks that the question section keeps the client's case.
func TestQuestionKeepsCase(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	r, _ := ask(t, s, newQuery("WwW.ExAmPlE.", dns.TypeA), udp)
	if got := r.Question[0].Name; got != "WwW.ExAmPlE." {
		t.Errorf("got question %q, want %q", got, "WwW.ExAmPlE.")
	}
}

// TestNoZonesPublished checks that a store with nothing published refuses.
func TestNoZonesPublished(t *testing.T) {
	s, err := New(testConfig(), new(zone.Store), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ask(t, s, newQuery("www.example.", dns.TypeA), udp)
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("got rcode %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
}

// TestCompressionAgainstQuestion checks that an answer owner compresses against a
// question in another case, and that the question keeps the client's case.
func TestCompressionAgainstQuestion(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	_, lower := ask(t, s, newQuery("www.example.", dns.TypeA), udp)
	r, mixed := ask(t, s, newQuery("WwW.eXample.", dns.TypeA), udp)
	if mixed != lower {
		t.Errorf("got %d octets for a mixed-case query, want %d as for lower case", mixed, lower)
	}
	if got := r.Question[0].Name; got != "WwW.eXample." {
		t.Errorf("got question %q, want the client's case", got)
	}
	if len(r.Answer) != 1 || !dns.IsSubDomain("www.example.", dns.CanonicalName(r.Answer[0].Header().Name)) {
		t.Errorf("got answer %v, want www.example. A", r.Answer)
	}
}

// TestDNAMEOverflow checks that a DNAME substitution too long for a domain name
// comes out as YXDOMAIN, AA set, with the DNAME (RFC 6672 section 2.2).
func TestDNAMEOverflow(t *testing.T) {
	text := "$ORIGIN dn.test.\n$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n" +
		"d DNAME a-very-long-target-name-for-the-dname-overflow-test.and-one-more-label.example.\n"
	s := newTestServer(t, testConfig(), storeOf(t, loadZone(t, "dn.test.", text)))
	label := strings.Repeat("a", 63)
	qname := label + "." + label + "." + label + ".x.d.dn.test."
	r, _ := ask(t, s, newQuery(qname, dns.TypeA), udp)
	if r.Rcode != dns.RcodeYXDomain {
		t.Errorf("got rcode %s, want YXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	if !r.Authoritative {
		t.Error("got AA clear, want set")
	}
	if countType(r.Answer, dns.TypeDNAME) != 1 {
		t.Errorf("got answer %v, want the DNAME", r.Answer)
	}
}

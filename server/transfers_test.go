package server

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fakeTransfers records the messages handed over and answers each with count
// replies, each a copy of the query with QR set and its index in the answer
// section (a TXT record), waiting pause between two; a signed standard query is
// answered with the server's own Answer.
type fakeTransfers struct {
	count int
	pause time.Duration

	mu   sync.Mutex
	seen []handed
}

type handed struct {
	remote netip.AddrPort
	tcp    bool
	qtype  uint16
	opcode int
}

func (f *fakeTransfers) ServeTransfer(r *TransferRequest) {
	m := new(dns.Msg)
	if err := m.Unpack(r.Msg); err != nil {
		return
	}
	f.mu.Lock()
	f.seen = append(f.seen, handed{r.Remote, r.TCP, m.Question[0].Qtype, m.Opcode})
	f.mu.Unlock()
	if m.IsTsig() != nil && m.Opcode == dns.OpcodeQuery && m.Question[0].Qtype != dns.TypeAXFR {
		m.Extra = m.Extra[:len(m.Extra)-1]
		b, _ := m.Pack()
		r.Reply(r.Answer(b))
		return
	}
	for i := range f.count {
		if i > 0 {
			time.Sleep(f.pause)
		}
		rep := new(dns.Msg)
		rep.SetReply(m)
		rep.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: m.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{string(rune('a' + i))}}}
		b, _ := rep.Pack()
		if r.Reply(b) != nil {
			return
		}
	}
}

func (f *fakeTransfers) handed() []handed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]handed(nil), f.seen...)
}

// startTransferServer starts a server with tr as its Transfers.
func startTransferServer(t *testing.T, tr Transfers) (udpAddr, tcpAddr string) {
	t.Helper()
	cfg := testConfig()
	cfg.TCP.IdleTimeout = 300 * time.Millisecond
	s := startServerWith(t, cfg, nil, Options{Transfers: tr})
	a := s.Addrs()
	return a[0].String(), a[1].String()
}

func signed(m *dns.Msg) *dns.Msg {
	m.SetTsig("k.", dns.HmacSHA256, 300, time.Now().Unix())
	return m
}

// TestTransfersHandedOver: NOTIFY, AXFR, IXFR and signed messages go to
// Transfers with the client's address, over UDP and TCP; other queries do not.
func TestTransfersHandedOver(t *testing.T) {
	f := &fakeTransfers{count: 1}
	udpAddr, tcpAddr := startTransferServer(t, f)
	notify := new(dns.Msg).SetNotify("example.")
	for _, c := range []struct {
		net  string
		addr string
		m    *dns.Msg
	}{
		{"udp", udpAddr, notify},
		{"tcp", tcpAddr, newQuery("example.", dns.TypeAXFR)},
		{"udp", udpAddr, newQuery("example.", dns.TypeIXFR)},
		{"tcp", tcpAddr, newQuery("example.", dns.TypeIXFR)},
	} {
		r := exchange(t, c.net, c.addr, c.m)
		if len(r.Answer) != 1 || r.Id != c.m.Id {
			t.Errorf("%s %s: got %v, want the fake's reply", c.net, dns.TypeToString[c.m.Question[0].Qtype], r)
		}
	}
	h := f.handed()
	if len(h) != 4 {
		t.Fatalf("handed over %d messages, want 4", len(h))
	}
	if h[0].opcode != dns.OpcodeNotify || h[0].tcp || !h[1].tcp || h[1].qtype != dns.TypeAXFR {
		t.Errorf("handed over %+v", h)
	}
	for _, x := range h {
		if x.remote.Addr() != netip.MustParseAddr("127.0.0.1") || x.remote.Port() == 0 {
			t.Errorf("remote = %v, want 127.0.0.1 and the client's port", x.remote)
		}
	}
	// A standard query stays the server's.
	if r := exchange(t, "udp", udpAddr, newQuery("www.example.", dns.TypeA)); len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeA {
		t.Errorf("www.example. A: got %v", r)
	}
	if len(f.handed()) != 4 {
		t.Error("a standard query was handed over")
	}
}

// TestTransfersSignedQueryAnswer: a TSIG-signed standard query is handed over,
// and Answer gives the server's own reply, over both transports.
func TestTransfersSignedQueryAnswer(t *testing.T) {
	f := &fakeTransfers{}
	udpAddr, tcpAddr := startTransferServer(t, f)
	for _, c := range [][2]string{{"udp", udpAddr}, {"tcp", tcpAddr}} {
		m := signed(newQuery("www.example.", dns.TypeA))
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		r := rawExchange(t, c[0], c[1], b)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.10" || !r.Authoritative {
			t.Errorf("%s: got %v, want the server's answer", c[0], r)
		}
	}
	if len(f.handed()) != 2 {
		t.Errorf("handed over %d messages, want 2", len(f.handed()))
	}
}

// TestTSIGNotLastIsFormErr: a TSIG record anywhere but last in the additional
// section is FORMERR (RFC 8945 section 5.1), with or without Transfers.
func TestTSIGNotLastIsFormErr(t *testing.T) {
	m := signed(newQuery("www.example.", dns.TypeA))
	m.SetEdns0(1232, false) // the OPT now follows the TSIG
	s := newTestServer(t, testConfig(), nil)
	s.transfers = &fakeTransfers{}
	r, _ := ask(t, s, m, udp)
	if r == nil || r.Rcode != dns.RcodeFormatError {
		t.Errorf("got %v, want FORMERR", r)
	}
}

// TestNoTransfersAsBefore: without Transfers, AXFR is REFUSED, NOTIFY NOTIMP and a
// signed query answered as an unsigned one.
func TestNoTransfersAsBefore(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	for _, c := range []struct {
		m     *dns.Msg
		rcode int
	}{
		{newQuery("example.", dns.TypeAXFR), dns.RcodeRefused},
		{new(dns.Msg).SetNotify("example."), dns.RcodeNotImplemented},
		{signed(newQuery("www.example.", dns.TypeA)), dns.RcodeSuccess},
	} {
		if r, _ := ask(t, s, c.m, tcp); r == nil || r.Rcode != c.rcode {
			t.Errorf("%s opcode %d: got %v, want %s", dns.TypeToString[c.m.Question[0].Qtype], c.m.Opcode, r, dns.RcodeToString[c.rcode])
		}
	}
}

// TestTCPTransferInterleaves: a long transfer on a TCP connection neither holds
// back the replies to queries pipelined behind it nor is cut by the idle timeout
// (300 ms here) while it writes.
func TestTCPTransferInterleaves(t *testing.T) {
	f := &fakeTransfers{count: 8, pause: 100 * time.Millisecond}
	_, tcpAddr := startTransferServer(t, f)
	c := dialTCP(t, tcpAddr)
	axfr := newQuery("example.", dns.TypeAXFR)
	writeMsg(t, c, axfr)
	q := newQuery("www.example.", dns.TypeA)
	writeMsg(t, c, q)
	got, order := 0, []uint16{}
	for range 9 {
		r, err := readMsg(c)
		if err != nil {
			t.Fatalf("after %d messages of the transfer: %v", got, err)
		}
		order = append(order, r.Id)
		if r.Id == axfr.Id {
			got++
		}
	}
	if got != 8 {
		t.Errorf("got %d messages of the transfer, want 8", got)
	}
	if order[len(order)-1] == q.Id {
		t.Errorf("the pipelined query was answered after the whole transfer")
	}
}

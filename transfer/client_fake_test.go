package transfer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file is an in-process primary for the client's tests: it answers on UDP and
// TCP of one loopback port with the messages a handler writes, byte for byte, so
// that a test can send what no real primary would (unsigned runs, bad MACs,
// skewed clocks).

// fakeReply computes the reply messages (wire form) to the query q (raw as sent)
// from the client at from; over UDP only the first is sent.
type fakeReply func(q *dns.Msg, raw []byte, from netip.AddrPort, tcp bool) [][]byte

// wirePrimary is the in-process primary.
type wirePrimary struct {
	addr netip.AddrPort
	mu   sync.Mutex
	from []netip.AddrPort // the source of each query
}

// startFake serves reply on a free 127.0.0.1 port until the test ends.
func startFake(t *testing.T, reply fakeReply) *wirePrimary {
	t.Helper()
	pc, ln := testutil.ListenUDPTCP(t, "127.0.0.1")
	f := &wirePrimary{addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		pc.Close()
		ln.Close()
		wg.Wait()
	})
	wg.Add(2)
	go func() {
		defer wg.Done()
		f.serveUDP(pc, reply)
	}()
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.serveTCP(c, reply)
			}()
		}
	}()
	return f
}

func (f *wirePrimary) seen(from netip.AddrPort) {
	f.mu.Lock()
	f.from = append(f.from, from)
	f.mu.Unlock()
}

// sources returns the source address of each query so far.
func (f *wirePrimary) sources() []netip.AddrPort {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]netip.AddrPort(nil), f.from...)
}

func (f *wirePrimary) serveUDP(pc net.PacketConn, reply fakeReply) {
	buf := make([]byte, 0xffff)
	for {
		n, a, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		q := new(dns.Msg)
		if q.Unpack(buf[:n]) != nil {
			continue
		}
		from := a.(*net.UDPAddr).AddrPort()
		f.seen(from)
		if out := reply(q, append([]byte(nil), buf[:n]...), from, false); len(out) > 0 {
			_, _ = pc.WriteTo(out[0], a)
		}
	}
}

func (f *wirePrimary) serveTCP(c net.Conn, reply fakeReply) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return
	}
	raw := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c, raw); err != nil {
		return
	}
	q := new(dns.Msg)
	if q.Unpack(raw) != nil {
		return
	}
	from := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	f.seen(from)
	for _, m := range reply(q, raw, from, true) {
		binary.BigEndian.PutUint16(n[:], uint16(len(m)))
		if _, err := c.Write(append(n[:], m...)); err != nil {
			return
		}
	}
}

// testKey is the key the fake primary and the client share.
func testKey(t *testing.T, name string) Key {
	t.Helper()
	k, err := NewKey(name, "hmac-sha256", base64.StdEncoding.EncodeToString([]byte("a secret of thirty-two bytes!!!!")))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signer signs the messages of one reply the way RFC 8945 section 5.3.1 says,
// independently of the code under test: the first message over the query's MAC
// and the full TSIG variables (with miekg/dns), each later signed one with
// crypto/hmac over the previous MAC, the unsigned messages since, itself and the
// timers.
type fakeSigner struct {
	key      Key
	mac      string // hex; the query's MAC at first
	first    bool
	unsigned [][]byte
	at       time.Time // the time signed; the zero Time: now
}

// newSigner returns the signer of the replies to the signed query raw.
func newSigner(t *testing.T, key Key, raw []byte, at time.Time) *fakeSigner {
	t.Helper()
	q := new(dns.Msg)
	if err := q.Unpack(raw); err != nil || q.IsTsig() == nil {
		t.Fatalf("query not signed: %v", err)
	}
	return &fakeSigner{key: key, mac: q.IsTsig().MAC, first: true, at: at}
}

// unsignedMsg packs m unsigned, to be covered by the next signed one.
func (s *fakeSigner) unsignedMsg(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	wire, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	s.unsigned = append(s.unsigned, append([]byte(nil), wire...))
	return wire
}

// sign packs m with its TSIG.
func (s *fakeSigner) sign(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	at := s.at
	if at.IsZero() {
		at = time.Now()
	}
	if s.first {
		s.first = false
		m.SetTsig(s.key.Name, s.key.Algorithm, 300, at.Unix())
		wire, mac, err := dns.TsigGenerate(m, s.key.Secret, s.mac, false)
		if err != nil {
			t.Fatal(err)
		}
		s.mac = mac
		return wire
	}
	body, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := base64.StdEncoding.DecodeString(s.key.Secret)
	h := hmac.New(sha256.New, secret)
	prev, _ := hex.DecodeString(s.mac)
	_ = binary.Write(h, binary.BigEndian, uint16(len(prev)))
	h.Write(prev)
	for _, u := range s.unsigned {
		h.Write(u)
	}
	h.Write(body)
	var timers [8]byte
	binary.BigEndian.PutUint16(timers[0:], uint16(at.Unix()>>32))
	binary.BigEndian.PutUint32(timers[2:], uint32(at.Unix()))
	binary.BigEndian.PutUint16(timers[6:], 300)
	h.Write(timers[:])
	mac := h.Sum(nil)
	s.mac, s.unsigned = hex.EncodeToString(mac), nil
	m.Extra = append(m.Extra, &dns.TSIG{
		Hdr:       dns.RR_Header{Name: s.key.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: s.key.Algorithm, TimeSigned: uint64(at.Unix()), Fudge: 300,
		MACSize: uint16(len(mac)), MAC: s.mac, OrigId: m.Id,
	})
	wire, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return wire
}

// answerTo returns the reply header to q with rcode and the answer records.
func answerTo(q *dns.Msg, rcode int, answer ...dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(q, rcode)
	m.Authoritative = true
	m.Answer = answer
	return m
}

// pack packs m, failing the test on error.
func pack(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	wire, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return wire
}

// rr parses one record of zone text.
func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// asError reports whether err is (wraps) an E, and returns it.
func asError[E error](err error) (E, bool) {
	var e E
	ok := errors.As(err, &e)
	return e, ok
}

// wantError fails the test unless err says want, is a *TSIGError exactly when
// tsigErr, and an *RcodeError of rcode when rcode is not 0.
func wantError(t *testing.T, err error, want string, tsigErr bool, rcode int) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one saying %q", err, want)
	}
	if _, ok := asError[*TSIGError](err); ok != tsigErr {
		t.Errorf("err %v: TSIGError %v, want %v", err, ok, tsigErr)
	}
	if e, ok := asError[*RcodeError](err); rcode != 0 && (!ok || e.Rcode != rcode) {
		t.Errorf("err %v: want RcodeError %d", err, rcode)
	}
}

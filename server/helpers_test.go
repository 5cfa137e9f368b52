package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// exampleZone is the zone most tests serve. It has a 50-record TXT set and a
// 50-record A set (neither fits in 512 octets), a delegation whose glue fits in
// 1232 octets but not in 512, and a delegation with one glue address.
var exampleZone = func() string {
	var b strings.Builder
	b.WriteString(`$ORIGIN example.
$TTL 300
@        SOA  ns1 hostmaster 2026112601 7200 3600 1209600 300
@        NS   ns1
@        NS   ns2
ns1      A    192.0.2.1
ns2      A    192.0.2.2
www      A    192.0.2.10
www      AAAA 2001:db8::10
sub      NS   ns.sub
ns.sub   A    192.0.2.53
`)
	for i := range 50 {
		fmt.Fprintf(&b, "big TXT \"record %02d of a set too large for a 512-octet reply\"\n", i)
		fmt.Fprintf(&b, "many A 198.51.100.%d\n", i+1)
	}
	for i := range 13 {
		fmt.Fprintf(&b, "wide NS ns%d.wide\n", i)
		fmt.Fprintf(&b, "ns%d.wide A 203.0.113.%d\n", i, i+1)
		fmt.Fprintf(&b, "ns%d.wide AAAA 2001:db8:1::%d\n", i, i+1)
	}
	return b.String()
}()

// loadZone compiles the zone text at origin.
func loadZone(t testing.TB, origin, text string) *zone.Zone {
	t.Helper()
	z, err := zone.Load(zonefile.Source{FS: fstest.MapFS{"z": {Data: []byte(text)}}, Name: "z", Path: "z"}, origin)
	if err != nil {
		t.Fatalf("load %s: %v", origin, err)
	}
	return z
}

// exampleStore returns a store serving exampleZone.
func exampleStore(t testing.TB) *zone.Store {
	t.Helper()
	set, err := zone.NewSet(loadZone(t, "example.", exampleZone))
	if err != nil {
		t.Fatal(err)
	}
	var st zone.Store
	st.Publish(set)
	return &st
}

// testConfig is the configuration of the test servers: cookies on, with
// testCookieSecret.
func testConfig() Config {
	return Config{
		Listen:   []string{"127.0.0.1:0"},
		Identity: "node1.test",
		Version:  "anycastdns-test",
		NSID:     true,
		Cookies:  CookieConfig{Enabled: true, Secret: testCookieSecret},
	}
}

// testCookieSecret is the cookie secret of the test servers (RFC 9018 appendix
// A.1's).
const testCookieSecret = "e5e973e5a6b2a43f48e7dc849e37bfcf"

// testClient is the client address of the queries the tests pass to respond: a
// cookie is made over the client's address, so the query path needs one.
var testClient = netip.MustParseAddr("192.0.2.1")

// newTestServer builds a server without opening sockets, for respond.
func newTestServer(t testing.TB, cfg Config, st *zone.Store) *Server {
	t.Helper()
	if st == nil {
		st = exampleStore(t)
	}
	s, err := New(cfg, st, Options{Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startServerWith starts a server of cfg serving st (exampleStore when nil) with
// opts (a logger that logs nothing when opts has none); it is shut down when the
// test ends, and a failed shutdown fails the test.
func startServerWith(t testing.TB, cfg Config, st *zone.Store, opts Options) *Server {
	t.Helper()
	if st == nil {
		st = exampleStore(t)
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	s, err := New(cfg, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// startServer starts a server on cfg.Listen and returns its UDP and TCP addresses
// (the first of each); it is shut down when the test ends.
func startServer(t testing.TB, cfg Config, st *zone.Store) (s *Server, udpAddr, tcpAddr string) {
	t.Helper()
	s = startServerWith(t, cfg, st, Options{})
	for _, a := range s.Addrs() {
		switch a.(type) {
		case *net.UDPAddr:
			if udpAddr == "" {
				udpAddr = a.String()
			}
		case *net.TCPAddr:
			if tcpAddr == "" {
				tcpAddr = a.String()
			}
		}
	}
	return s, udpAddr, tcpAddr
}

// query returns a query for name/qtype in class IN without EDNS and with RD clear.
func newQuery(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	return m
}

// withEDNS adds an OPT record with the payload size and DO bit.
func withEDNS(m *dns.Msg, size uint16, do bool) *dns.Msg {
	m.SetEdns0(size, do)
	return m
}

// exchange sends m to addr over network ("udp" or "tcp") with a miekg/dns client.
func exchange(t testing.TB, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: 65535}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s exchange %s %s: %v", network, m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], err)
	}
	return r
}

// call runs respond on the packed message msg and returns the reply bytes, or nil.
func call(s *Server, msg []byte, t transport) []byte {
	sc := newScratch()
	out := s.respond(sc, sc.out[2:], msg, t, testClient)
	if out == nil {
		return nil
	}
	return append([]byte(nil), out...)
}

// ask packs m, runs respond over t and unpacks the reply (nil for no reply).
func ask(t testing.TB, s *Server, m *dns.Msg, tr transport) (*dns.Msg, int) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return unpack(t, call(s, b, tr))
}

// unpack unpacks a reply; nil stays nil. It also returns the reply's size.
func unpack(t testing.TB, b []byte) (*dns.Msg, int) {
	t.Helper()
	if b == nil {
		return nil, 0
	}
	r := new(dns.Msg)
	if err := r.Unpack(b); err != nil {
		t.Fatalf("reply does not unpack: %v", err)
	}
	return r, len(b)
}

// countType counts the records of type t.
func countType(rrs []dns.RR, t uint16) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			n++
		}
	}
	return n
}

// rawHeader builds a message header: id 0x1234, the flag octets, and the counts.
func rawHeader(flags1, flags2 byte, qd, an, ns, ar uint16) []byte {
	return []byte{0x12, 0x34, flags1, flags2,
		byte(qd >> 8), byte(qd), byte(an >> 8), byte(an), byte(ns >> 8), byte(ns), byte(ar >> 8), byte(ar)}
}

// storeOf returns a store publishing the zones.
func storeOf(t testing.TB, zones ...*zone.Zone) *zone.Store {
	t.Helper()
	set, err := zone.NewSet(zones...)
	if err != nil {
		t.Fatal(err)
	}
	var st zone.Store
	st.Publish(set)
	return &st
}

// contextWithTimeout is context.WithTimeout on the background context.
func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

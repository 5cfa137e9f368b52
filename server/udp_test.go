package server

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestUDPReplySource checks that a UDP reply leaves from the address the query was
// sent to, on wildcard binds too: otherwise a client (or a connected UDP socket)
// drops it. All of 127.0.0.0/8 is on the loopback interface, so a server bound to
// 0.0.0.0 receives on 127.0.0.2 as well as on 127.0.0.1.
func TestUDPReplySource(t *testing.T) {
	tests := []struct {
		name   string
		listen string
		client string // the client's own address
		dst    string // the address queried (the port is the server's)
	}{
		{name: "wildcard v4 to 127.0.0.1", listen: "0.0.0.0:0", client: "127.0.0.1:0", dst: "127.0.0.1"},
		{name: "wildcard v4 to 127.0.0.2", listen: "0.0.0.0:0", client: "127.0.0.1:0", dst: "127.0.0.2"},
		{name: "wildcard v4 to 127.0.0.3 from 127.0.0.2", listen: "0.0.0.0:0", client: "127.0.0.2:0", dst: "127.0.0.3"},
		{name: "specific v4", listen: "127.0.0.1:0", client: "127.0.0.1:0", dst: "127.0.0.1"},
		{name: "wildcard v6 to ::1", listen: "[::]:0", client: "[::1]:0", dst: "::1"},
		{name: "specific v6", listen: "[::1]:0", client: "[::1]:0", dst: "::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Listen = []string{tc.listen}
			s, udpAddr, _ := startServerOrSkip(t, cfg)
			_ = s
			port := netip.MustParseAddrPort(udpAddr).Port()
			client, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tc.client)))
			if err != nil {
				t.Skipf("no %s here: %v", tc.client, err)
			}
			defer client.Close()
			dst := netip.AddrPortFrom(netip.MustParseAddr(tc.dst), port)
			m := newQuery("www.example.", dns.TypeA)
			b, _ := m.Pack()
			if _, err := client.WriteToUDPAddrPort(b, dst); err != nil {
				t.Fatal(err)
			}
			client.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 1500)
			n, from, err := client.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatalf("no reply: %v", err)
			}
			if from.Addr().Unmap() != dst.Addr() || from.Port() != port {
				t.Errorf("got reply from %s, want %s", from, dst)
			}
			r := new(dns.Msg)
			if err := r.Unpack(buf[:n]); err != nil || r.Id != m.Id || len(r.Answer) != 1 {
				t.Errorf("got reply %v (err %v), want the answer to id %d", r, err, m.Id)
			}
		})
	}
}

// startServerOrSkip starts a server, skipping the test when the address family is
// missing on this machine (IPv6 disabled in a container, say).
func startServerOrSkip(t *testing.T, cfg Config) (*Server, string, string) {
	t.Helper()
	for _, a := range cfg.Listen {
		ap, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.ListenUDP(udpNetwork(ap.IP), ap)
		if err != nil {
			t.Skipf("cannot bind %s here: %v", a, err)
		}
		c.Close()
	}
	return startServer(t, cfg, nil)
}

// TestUDPAndTCPSamePort checks that with port 0 both transports get one port, so
// that a client retrying over TCP after TC finds the server.
func TestUDPAndTCPSamePort(t *testing.T) {
	cfg := testConfig()
	cfg.Listen = []string{"127.0.0.1:0", "[::1]:0"}
	s, _, _ := startServerOrSkip(t, cfg)
	addrs := s.Addrs()
	if len(addrs) != 4 {
		t.Fatalf("got %d addresses, want 4 (UDP and TCP on two addresses)", len(addrs))
	}
	for i := range 2 {
		u, tc := addrs[i].(*net.UDPAddr), addrs[i+2].(*net.TCPAddr)
		if u.Port != tc.Port || !u.IP.Equal(tc.IP) {
			t.Errorf("got UDP %s and TCP %s, want the same address and port", u, tc)
		}
	}
}

// TestTruncatedRetriedOverTCP is what a resolver does: UDP gets TC, the same query
// over TCP gets the whole answer, from the same address and port.
func TestTruncatedRetriedOverTCP(t *testing.T) {
	_, udpAddr, tcpAddr := startServer(t, testConfig(), nil)
	if udpAddr != tcpAddr {
		t.Fatalf("got UDP %s and TCP %s, want one address", udpAddr, tcpAddr)
	}
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	r, _, err := c.Exchange(newQuery("big.example.", dns.TypeTXT), udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated {
		t.Fatalf("got TC clear over UDP with %d answers, want set", len(r.Answer))
	}
	r = exchange(t, "tcp", tcpAddr, newQuery("big.example.", dns.TypeTXT))
	if r.Truncated || len(r.Answer) != 50 {
		t.Errorf("got TC %v and %d answers over TCP, want clear and 50", r.Truncated, len(r.Answer))
	}
}

// TestStartError checks that an address in use is an error naming it, and that the
// listeners opened before it are closed.
func TestStartError(t *testing.T) {
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := testConfig()
	cfg.Listen = []string{"127.0.0.1:0", busy.LocalAddr().String()}
	s := newTestServer(t, cfg, nil)
	err = s.Start()
	if err == nil {
		s.Shutdown(t.Context())
		t.Fatal("got no error, want the busy address named")
	}
	if want := busy.LocalAddr().String(); !strings.Contains(err.Error(), want) {
		t.Errorf("got error %q, want it to name %s", err, want)
	}
	if got := s.Addrs(); len(got) != 0 {
		t.Errorf("got %d addresses after a failed start, want none", len(got))
	}
}

// TestNewRejectsBadAddress checks that New names a listen address that does not parse.
func TestNewRejectsBadAddress(t *testing.T) {
	cfg := testConfig()
	cfg.Listen = []string{"not an address"}
	if _, err := New(cfg, exampleStore(t), Options{}); err == nil {
		t.Error("got no error, want one for the bad address")
	}
}

// TestListenEmptyHost: an empty host means every address of the host, IPv4 and
// IPv6 alike (issue 13 found ":5353" bound IPv4 only): both loopbacks answer, over
// UDP and TCP, on the one port ListenPorts reports.
func TestListenEmptyHost(t *testing.T) {
	s, _, _ := startServer(t, Config{Listen: []string{":0"}}, nil)
	ports := s.ListenPorts()
	if len(ports) != 1 || ports[0] == 0 {
		t.Fatalf("ListenPorts() = %v, want one bound port", ports)
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		for _, network := range []string{"udp", "tcp"} {
			addr := net.JoinHostPort(host, strconv.Itoa(ports[0]))
			r := exchange(t, network, addr, newQuery("www.example.", dns.TypeA))
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
				t.Errorf("%s %s: rcode %s, %d answers", network, addr, dns.RcodeToString[r.Rcode], len(r.Answer))
			}
		}
	}
}

package server

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestUDPBurst sends a burst of queries from one socket without waiting, so that
// the readers take them in batches, and checks that every query gets its own
// reply (matched by ID and question), and that each listen address has one socket
// per reader.
func TestUDPBurst(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		t.Run(listen, func(t *testing.T) {
			cfg := testConfig()
			cfg.Listen = []string{listen}
			cfg.UDPSockets = 3
			s, udpAddr, _ := startServerOrSkip(t, cfg)
			if got, want := len(s.udp[0].socks), min(3, maxUDPSockets); got != want {
				t.Errorf("got %d sockets on %s, want %d", got, listen, want)
			}
			_, port, _ := net.SplitHostPort(udpAddr)
			c, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", port))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// 100 queries of about 40 octets stay well inside the default socket
			// buffers, so loopback should drop none of them.
			const n = 100
			names := []string{"www.example.", "nope.example.", "host.sub.example.", "ns1.example."}
			want := make(map[uint16]string, n)
			for i := range n {
				m := newQuery(names[i%len(names)], dns.TypeA)
				m.Id = uint16(i + 1)
				b, _ := m.Pack()
				if _, err := c.Write(b); err != nil {
					t.Fatal(err)
				}
				want[m.Id] = m.Question[0].Name
			}
			buf := make([]byte, 1500)
			deadline := time.Now().Add(5 * time.Second)
			for len(want) > 0 {
				c.SetReadDeadline(deadline)
				k, err := c.Read(buf)
				if err != nil {
					// Loopback may still drop under a burst on a loaded machine (the
					// race detector slows the readers down); most replies must come.
					if len(want) > n/4 {
						t.Fatalf("got %d replies of %d: %v", n-len(want), n, err)
					}
					return
				}
				r := new(dns.Msg)
				if err := r.Unpack(buf[:k]); err != nil {
					t.Fatalf("reply does not parse: %v", err)
				}
				q, ok := want[r.Id]
				if !ok || len(r.Question) != 1 || r.Question[0].Name != q {
					t.Fatalf("got reply id %d for %v, want one of the queries sent, once", r.Id, r.Question)
				}
				delete(want, r.Id)
			}
		})
	}
}

package server

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dialTCP opens a raw TCP connection to addr, closed when the test ends.
func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// dialTCPFrom opens a raw TCP connection to addr from the address src (on
// Linux any 127.0.0.0/8 address binds without setup), closed when the test ends.
func dialTCPFrom(t testing.TB, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// writeMsg writes m with its 2-octet length prefix.
func writeMsg(t *testing.T, c net.Conn, m *dns.Msg) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)); err != nil {
		t.Fatal(err)
	}
}

// askTCP sends the query for www.example. A over c and fails the test unless a
// reply comes back.
func askTCP(t *testing.T, c net.Conn) {
	t.Helper()
	writeMsg(t, c, newQuery("www.example.", dns.TypeA))
	if _, err := readMsg(c); err != nil {
		t.Fatalf("got %v, want the reply", err)
	}
}

// readMsg reads one length-prefixed reply; it returns the error of the read.
func readMsg(c net.Conn) (*dns.Msg, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, err
	}
	r := new(dns.Msg)
	return r, r.Unpack(b)
}

// TestTCPPipelining sends 20 queries back to back on one connection and matches
// the 20 replies by ID (RFC 7766 section 6.2.1.1).
func TestTCPPipelining(t *testing.T) {
	_, _, addr := startServer(t, testConfig(), nil)
	c := dialTCP(t, addr)
	names := []string{"www.example.", "ns1.example.", "ns2.example.", "many.example.", "nope.example."}
	want := map[uint16]string{}
	var batch []byte
	for i := range 20 {
		m := newQuery(names[i%len(names)], dns.TypeA)
		m.Id = uint16(1000 + i)
		want[m.Id] = m.Question[0].Name
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, byte(len(b)>>8), byte(len(b)))
		batch = append(batch, b...)
	}
	// One write: the queries reach the server together.
	if _, err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		r, err := readMsg(c)
		if err != nil {
			t.Fatalf("after %d replies: %v", 20-len(want), err)
		}
		name, ok := want[r.Id]
		if !ok {
			t.Fatalf("got reply id %d, not asked or answered twice", r.Id)
		}
		if r.Question[0].Name != name {
			t.Errorf("id %d: got question %s, want %s", r.Id, r.Question[0].Name, name)
		}
		delete(want, r.Id)
	}
	if len(want) != 0 {
		t.Errorf("got no reply for ids %v", want)
	}
}

// TestTCPIdleTimeout checks that an idle connection is closed (RFC 7766 section 6.2.3).
func TestTCPIdleTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.IdleTimeout = 200 * time.Millisecond
	_, _, addr := startServer(t, cfg, nil)
	c := dialTCP(t, addr)
	writeMsg(t, c, newQuery("www.example.", dns.TypeA))
	if _, err := readMsg(c); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := readMsg(c)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want EOF when the server closes the idle connection", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
		t.Errorf("closed after %v, want about 200ms", d)
	}
}

// pipelined returns n queries for www.example. A with IDs 1 to n, each with its
// two-octet length prefix (RFC 1035 section 4.2.2), ready for one write.
func pipelined(t *testing.T, n int) []byte {
	t.Helper()
	var batch []byte
	for i := range n {
		m := newQuery("www.example.", dns.TypeA)
		m.Id = uint16(i + 1)
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		batch = append(binary.BigEndian.AppendUint16(batch, uint16(len(b))), b...)
	}
	return batch
}

// TestTCPNoQueryCapByDefault checks that by default a connection answers more
// queries than the cap of 1000 this server once had, as NSD and Knot DNS do.
func TestTCPNoQueryCapByDefault(t *testing.T) {
	_, _, addr := startServer(t, testConfig(), nil)
	c := dialTCP(t, addr)
	const n = 1500
	if _, err := c.Write(pipelined(t, n)); err != nil {
		t.Fatal(err)
	}
	for got := range n {
		if _, err := readMsg(c); err != nil {
			t.Fatalf("got %v after %d replies, want %d replies on one connection", err, got, n)
		}
	}
}

// TestTCPMaxQueries checks that a connection is closed after TCP.MaxQueries queries,
// the replies to those queries written first.
func TestTCPMaxQueries(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxQueries = 3
	_, _, addr := startServer(t, cfg, nil)
	c := dialTCP(t, addr)
	// One write, so that the server's close cannot break the client's writes.
	if _, err := c.Write(pipelined(t, 5)); err != nil {
		t.Fatal(err)
	}
	got := 0
	for {
		_, err := readMsg(c)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("got %v after %d replies, want EOF after 3", err, got)
			}
			break
		}
		got++
	}
	if got != 3 {
		t.Errorf("got %d replies, want 3", got)
	}
}

// TestTCPMaxConns checks that at the cap a new connection replaces the oldest
// idle one instead of being turned away, and that the others stay.
func TestTCPMaxConns(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 2
	cfg.TCP.BusyIdleTimeout = time.Minute
	_, _, addr := startServer(t, cfg, nil)
	var conns []net.Conn
	for i, src := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		c := dialTCPFrom(t, src, addr)
		writeMsg(t, c, newQuery("www.example.", dns.TypeA))
		if _, err := readMsg(c); err != nil {
			t.Fatalf("connection %d: %v, want it answered", i, err)
		}
		conns = append(conns, c)
	}
	// The first one, the oldest idle, made room for the third.
	if r, err := readMsg(conns[0]); err == nil {
		t.Fatalf("got a message (id %d) on the evicted connection, want it closed", r.Id)
	}
	writeMsg(t, conns[1], newQuery("ns1.example.", dns.TypeA))
	if _, err := readMsg(conns[1]); err != nil {
		t.Fatalf("second connection after the eviction: %v", err)
	}
}

// TestTCPShortMessage checks that a length prefix promising more than is sent
// before the client closes gets no reply and no crash.
func TestTCPShortMessage(t *testing.T) {
	_, _, addr := startServer(t, testConfig(), nil)
	c := dialTCP(t, addr)
	if _, err := c.Write([]byte{0, 40, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	if _, err := readMsg(c); err == nil {
		t.Fatal("got a reply to a cut message, want none")
	}
	// The server still answers.
	r := exchange(t, "tcp", addr, newQuery("www.example.", dns.TypeA))
	if r.Rcode != dns.RcodeSuccess {
		t.Errorf("got rcode %s, want NOERROR", dns.RcodeToString[r.Rcode])
	}
}

// TestShutdownClosesTCP checks that Shutdown closes open connections and returns.
func TestShutdownClosesTCP(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.IdleTimeout = time.Minute
	s := newTestServer(t, cfg, nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := dialTCP(t, s.Addrs()[1].String())
	writeMsg(t, c, newQuery("www.example.", dns.TypeA))
	if _, err := readMsg(c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v, want it not to wait for the idle timeout", d)
	}
	if _, err := readMsg(c); err == nil {
		t.Error("got a reply after shutdown, want the connection closed")
	}
	if _, err := net.DialTimeout("tcp", s.Addrs()[1].String(), time.Second); err == nil {
		t.Error("dial after shutdown succeeded, want the listener closed")
	}
}

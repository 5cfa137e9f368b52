package server

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// startTCPServer starts a server with metrics (registered nowhere) and opts, and
// returns it with its TCP address; it is shut down when the test ends.
func startTCPServer(t testing.TB, cfg Config, opts Options) (*Server, string) {
	t.Helper()
	opts.Metrics = NewMetrics(nil)
	s := startServerWith(t, cfg, nil, opts)
	for _, a := range s.Addrs() {
		if _, ok := a.(*net.TCPAddr); ok {
			return s, a.String()
		}
	}
	t.Fatal("no TCP address")
	return nil, ""
}

// value returns the value of a counter or gauge.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if c := d.GetCounter(); c != nil {
		return c.GetValue()
	}
	return d.GetGauge().GetValue()
}

// closedFor returns the count of connections closed for r.
func closedFor(s *Server, r closeReason) float64 {
	return value(s.metrics.tcp.closedBy[r])
}

// refusedFor returns the count of connections refused for r.
func refusedFor(s *Server, r refuseReason) float64 {
	return value(s.metrics.tcp.refusedBy[r])
}

// waitFor polls cond every 5ms until it holds or d passes; it reports whether it
// held.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// partialConns returns the number of connections of s with a message partly
// read.
func partialConns(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for tc := s.conns.oldest; tc != nil; tc = tc.next {
		if tc.partial.Load() {
			n++
		}
	}
	return n
}

// packed returns m with its 2-octet length prefix.
func packed(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
}

// closedWithin reads from c until the server closes it; it returns how long
// that took, or fails the test after d.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v, want it closed", d)
	}
	return time.Since(start)
}

// A message that trickles in, one octet at a time, is cut at io-timeout after
// its first octet, long before the idle timeout; one sent in two parts within it
// is answered.
func TestTCPIOTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.IOTimeout = 300 * time.Millisecond
	cfg.TCP.IdleTimeout = 10 * time.Second
	s, addr := startTCPServer(t, cfg, Options{})

	t.Run("trickle", func(t *testing.T) {
		c := dialTCP(t, addr)
		msg := packed(t, newQuery("www.example.", dns.TypeA))
		go func() {
			for _, b := range msg {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		if d := closedWithin(t, c, 3*time.Second); d < 200*time.Millisecond {
			t.Errorf("closed after %v, want about 300ms", d)
		}
		if !waitFor(time.Second, func() bool { return closedFor(s, closeIO) == 1 }) {
			t.Errorf("got %v io-timeout closes, want 1", closedFor(s, closeIO))
		}
	})
	t.Run("in two parts", func(t *testing.T) {
		c := dialTCP(t, addr)
		msg := packed(t, newQuery("www.example.", dns.TypeA))
		if _, err := c.Write(msg[:5]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := c.Write(msg[5:]); err != nil {
			t.Fatal(err)
		}
		if _, err := readMsg(c); err != nil {
			t.Fatalf("got %v, want the reply", err)
		}
	})
}

// Once more than half of max-connections are open, a connection waiting for its
// next query gets busy-idle-timeout (RFC 7766 section 6.2.3); below, the full
// idle timeout.
func TestTCPBusyIdleTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 4
	cfg.TCP.MaxConnsPerSource = 4
	cfg.TCP.IdleTimeout = 10 * time.Second
	cfg.TCP.BusyIdleTimeout = 200 * time.Millisecond
	s, addr := startTCPServer(t, cfg, Options{})
	a, b := dialTCP(t, addr), dialTCP(t, addr)
	askTCP(t, a)
	askTCP(t, b)
	c := dialTCP(t, addr) // the third of 4: more than half
	askTCP(t, c)
	if d := closedWithin(t, c, 3*time.Second); d > 2*time.Second {
		t.Errorf("closed after %v, want about 200ms", d)
	}
	if !waitFor(time.Second, func() bool { return closedFor(s, closeIdle) == 1 }) {
		t.Errorf("got %v idle-timeout closes, want 1", closedFor(s, closeIdle))
	}
	// Two open of 4 (a and d): the full idle timeout again.
	b.Close()
	if !waitFor(2*time.Second, func() bool { return value(s.metrics.tcp.open) == 1 }) {
		t.Fatalf("got %v connections open, want 1", value(s.metrics.tcp.open))
	}
	d := dialTCP(t, addr)
	askTCP(t, d)
	d.SetReadDeadline(time.Now().Add(600 * time.Millisecond))
	if _, err := readMsg(d); !isTimeout(err) {
		t.Errorf("got %v, want the connection kept open with 2 of 4 open", err)
	}
	d.SetReadDeadline(time.Now().Add(5 * time.Second))
	askTCP(t, d)
	askTCP(t, a)
}

// A source at max-connections-per-source has its next connection closed at
// once; other sources are served. IPv6 sources count by /64.
func TestTCPMaxConnsPerSource(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 10
	cfg.TCP.MaxConnsPerSource = 2
	s, addr := startTCPServer(t, cfg, Options{})
	for range 2 {
		askTCP(t, dialTCPFrom(t, "127.0.0.1", addr))
	}
	over := dialTCPFrom(t, "127.0.0.1", addr)
	writeMsg(t, over, newQuery("www.example.", dns.TypeA)) // accepted at once (deferAccept)
	closedWithin(t, over, 2*time.Second)
	if got := refusedFor(s, refusePerSource); got != 1 {
		t.Errorf("got %v per-source refusals, want 1", got)
	}
	other := dialTCPFrom(t, "127.0.0.2", addr)
	writeMsg(t, other, newQuery("www.example.", dns.TypeA))
	if _, err := readMsg(other); err != nil {
		t.Fatalf("another source: %v, want it answered", err)
	}
}

// The caps turning connections away are logged, at most once per capLogEvery.
func TestTCPCapLogged(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 10
	cfg.TCP.MaxConnsPerSource = 1
	log, logs := observedLogger()
	_, addr := startTCPServer(t, cfg, Options{Logger: log})
	held := dialTCPFrom(t, "127.0.0.1", addr)
	askTCP(t, held)
	for range 3 {
		c := dialTCPFrom(t, "127.0.0.1", addr)
		writeMsg(t, c, newQuery("www.example.", dns.TypeA)) // accepted at once (deferAccept)
		closedWithin(t, c, 2*time.Second)
	}
	if got := strings.Count(logs(), "tcp connection caps reached"); got != 1 {
		t.Errorf("got %d log lines about the caps, want 1 for 3 refusals within %v:\n%s", got, capLogEvery, logs())
	}
}

func TestSourceOf(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.1:53", "192.0.2.1/32"},
		{"[::ffff:192.0.2.1]:53", "192.0.2.1/32"},
		{"[2001:db8::1]:53", "2001:db8::/64"},
		{"[2001:db8::ffff:1]:5353", "2001:db8::/64"},
		{"[2001:db8:0:1::1]:53", "2001:db8:0:1::/64"},
	}
	for _, tc := range tests {
		a := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tc.addr))
		if got := sourceOf(a); got.String() != tc.want {
			t.Errorf("sourceOf(%s): got %s, want %s", tc.addr, got, tc.want)
		}
	}
}

// At max-connections a new connection evicts the oldest idle one, even when
// older ones are stuck mid-message; with none idle, the oldest stuck one.
func TestTCPEvictionOrder(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 3
	cfg.TCP.IdleTimeout = time.Minute
	cfg.TCP.BusyIdleTimeout = time.Minute
	cfg.TCP.IOTimeout = time.Minute
	s, addr := startTCPServer(t, cfg, Options{})
	msg := packed(t, newQuery("www.example.", dns.TypeA))
	stuck := func(src string) net.Conn {
		t.Helper()
		c := dialTCPFrom(t, src, addr)
		if _, err := c.Write(msg[:1]); err != nil {
			t.Fatal(err)
		}
		return c
	}
	answered := func(c net.Conn, rest []byte) {
		t.Helper()
		if _, err := c.Write(rest); err != nil {
			t.Fatal(err)
		}
		if _, err := readMsg(c); err != nil {
			t.Fatalf("got %v, want the reply", err)
		}
	}
	a := stuck("127.0.0.1")
	b := dialTCPFrom(t, "127.0.0.2", addr)
	answered(b, msg)
	c := stuck("127.0.0.3")
	if !waitFor(2*time.Second, func() bool { return partialConns(s) == 2 }) {
		t.Fatalf("got %d connections mid-message, want 2", partialConns(s))
	}
	d := stuck("127.0.0.4") // evicts b, the idle one
	closedWithin(t, b, 2*time.Second)
	if !waitFor(2*time.Second, func() bool { return partialConns(s) == 3 }) {
		t.Fatalf("got %d connections mid-message, want 3", partialConns(s))
	}
	e := dialTCPFrom(t, "127.0.0.5", addr) // evicts a, the oldest stuck one
	answered(e, msg)
	closedWithin(t, a, 2*time.Second)
	answered(c, msg[1:])
	answered(d, msg[1:])
	if got := closedFor(s, closeEvicted); got != 2 {
		t.Errorf("got %v evictions, want 2", got)
	}
}

// blockingTransfers holds every message handed over until release is closed.
type blockingTransfers struct{ release chan struct{} }

func (b blockingTransfers) ServeTransfer(*TransferRequest) { <-b.release }

// At max-connections with every connection answering a query, a new one is
// closed at once and counted.
func TestTCPFullRefused(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.MaxConns = 1
	release := make(chan struct{})
	s, addr := startTCPServer(t, cfg, Options{Transfers: blockingTransfers{release}})
	defer close(release)
	busy := dialTCPFrom(t, "127.0.0.1", addr)
	writeMsg(t, busy, newQuery("example.", dns.TypeAXFR))
	if !waitFor(2*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.conns.oldest != nil && s.conns.oldest.busy.Load() == 1
	}) {
		t.Fatal("the transfer never started")
	}
	c := dialTCPFrom(t, "127.0.0.2", addr)
	writeMsg(t, c, newQuery("www.example.", dns.TypeA)) // accepted at once (deferAccept)
	closedWithin(t, c, 2*time.Second)
	if got := refusedFor(s, refuseFull); got != 1 {
		t.Errorf("got %v full refusals, want 1", got)
	}
}

// A client that sends queries and never reads the replies is closed once a
// write has waited io-timeout, not after the idle timeout.
func TestTCPWriteTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.IOTimeout = 300 * time.Millisecond
	cfg.TCP.IdleTimeout = time.Minute
	s, addr := startTCPServer(t, cfg, Options{})
	c := dialTCP(t, addr)
	c.(*net.TCPConn).SetReadBuffer(4096)
	// About 3 KB replies; write until the server stops reading or closes.
	q := packed(t, newQuery("big.example.", dns.TypeTXT))
	var batch []byte
	for range 100 {
		batch = append(batch, q...)
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for i := 0; i < 2000; i++ {
		if _, err := c.Write(batch); err != nil {
			break
		}
	}
	if !waitFor(5*time.Second, func() bool { return closedFor(s, closeWrite) == 1 }) {
		t.Fatalf("got %v write-timeout closes, want 1", closedFor(s, closeWrite))
	}
	if got := value(s.metrics.tcp.open); got != 0 {
		t.Errorf("got %v connections open, want 0", got)
	}
}

// A client sending 65535-octet queries and not reading the replies holds at
// most tcpPipelineBytes of query buffers (three queries), not 32 of 64 KiB,
// until its writes time out.
func TestTCPPipelineBytes(t *testing.T) {
	cfg := testConfig()
	cfg.TCP.IOTimeout = 300 * time.Millisecond
	cfg.TCP.IdleTimeout = time.Minute
	s, addr := startTCPServer(t, cfg, Options{})
	c := dialTCP(t, addr)
	c.(*net.TCPConn).SetReadBuffer(4096)
	m := withEDNS(newQuery("big.example.", dns.TypeTXT), 4096, false)
	opt := m.IsEdns0()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	opt.Option = append(opt.Option, &dns.EDNS0_PADDING{Padding: make([]byte, maxTCPMessage-len(b)-4)})
	q := packed(t, m)
	if len(q) != 2+maxTCPMessage {
		t.Fatalf("query of %d octets, want %d", len(q)-2, maxTCPMessage)
	}
	var tc *tcpConn
	waitFor(2*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		tc = s.conns.oldest
		return tc != nil
	})
	if tc == nil {
		t.Fatal("connection not tracked")
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for range 5000 {
		if _, err := c.Write(q); err != nil {
			break
		}
	}
	if !waitFor(5*time.Second, func() bool { return closedFor(s, closeWrite) == 1 }) {
		t.Fatalf("got %v write-timeout closes, want 1", closedFor(s, closeWrite))
	}
	if got := tc.peakHeld.Load(); got > tcpPipelineBytes {
		t.Errorf("held %d octets at once, want at most %d", got, tcpPipelineBytes)
	}
	if got := tc.peakBusy.Load(); got > 3 {
		t.Errorf("%d queries in progress at once, want at most 3", got)
	}
	t.Logf("at most %d queries and %d octets held", tc.peakBusy.Load(), tc.peakHeld.Load())
}

// Shutdown counts the connections it closes.
func TestTCPShutdownCounted(t *testing.T) {
	s, addr := startTCPServer(t, testConfig(), Options{})
	c := dialTCP(t, addr)
	askTCP(t, c)
	if got := value(s.metrics.tcp.open); got != 1 {
		t.Errorf("got %v connections open, want 1", got)
	}
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := closedFor(s, closeShutdown); got != 1 {
		t.Errorf("got %v shutdown closes, want 1", got)
	}
	if got := value(s.metrics.tcp.open); got != 0 {
		t.Errorf("got %v connections open, want 0", got)
	}
}

// AbuseTCP and LegitTCP are abuseTCP and legitTCP for the side-by-side
// measurement with Knot DNS and NSD (package server_test).
var (
	AbuseTCP   = abuseTCP
	LegitTCP   = legitTCP
	Percentile = percentile
)

// abuseTCP runs n abusers against addr from the 127.0.0.0/8 sources srcs until
// stop is closed: each holds one connection, silent (i%3 == 0), trickling one
// octet of a message every 100ms (i%3 == 1), or idle after one query (i%3 ==
// 2), and opens another as soon as the server closes it. It returns when every abuser has stopped, and how many
// connections they opened.
func abuseTCP(addr string, srcs []string, n int, stop <-chan struct{}) (wait func() int) {
	done := make(chan int, n)
	m := newQuery("www.example.org.", dns.TypeA)
	b, _ := m.Pack()
	query := append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
	for i := range n {
		go func() {
			d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(srcs[i%len(srcs)])}}
			opened := 0
			defer func() { done <- opened }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				opened++
				closed := make(chan struct{})
				go func() {
					defer close(closed)
					c.SetReadDeadline(time.Now().Add(30 * time.Second))
					io.Copy(io.Discard, c)
				}()
				if i%3 == 2 {
					c.Write(query)
				}
				tick := time.NewTicker(100 * time.Millisecond)
				for held := true; held; {
					if i%3 == 1 {
						c.Write([]byte{0})
					}
					select {
					case <-closed:
						held = false
					case <-stop:
						held = false
					case <-tick.C:
					}
				}
				tick.Stop()
				c.Close()
				<-closed
			}
		}()
	}
	return func() int {
		total := 0
		for range n {
			total += <-done
		}
		return total
	}
}

// legitTCP sends n queries for qname A from src to addr, each on a new
// connection as a stub resolver does, and returns the time each answered one
// took (dial to reply): an answer is a NOERROR reply with records, within 1s.
func legitTCP(t testing.TB, src, addr, qname string, n int) (took []time.Duration) {
	d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	q := packed(t, newQuery(qname, dns.TypeA))
	failed := map[string]int{} // why queries were not answered, for the log
	fail := func(what string, err error) {
		reason := what
		switch {
		case isTimeout(err):
			reason += ": timeout"
		case errors.Is(err, io.EOF):
			reason += ": closed"
		case err != nil:
			reason += ": error"
		}
		failed[reason]++
	}
	for range n {
		start := time.Now()
		c, err := d.Dial("tcp", addr)
		if err != nil {
			fail("dial", err)
			continue
		}
		c.SetDeadline(start.Add(time.Second))
		if _, err := c.Write(q); err != nil {
			fail("write", err)
		} else if r, err := readMsg(c); err != nil {
			fail("read", err)
		} else if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
			fail("no answer", nil)
		} else {
			took = append(took, time.Since(start))
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	if len(failed) > 0 {
		t.Logf("%s: unanswered queries: %v", addr, failed)
	}
	return took
}

// percentile returns the p-th percentile of took (sorted in place).
func percentile(took []time.Duration, p float64) time.Duration {
	if len(took) == 0 {
		return 0
	}
	slices.Sort(took)
	return took[min(len(took)-1, int(float64(len(took))*p/100))]
}

// TestTCPUnderAbuse holds 10 times max-connections connections open, silent,
// trickling a message or idle after a query, from 20 sources, while a client sends queries
// each on a new connection (issue 13; before, every new client was turned away).
// Runs alone here answer 198-200 of 200 with a p99 of 14-52 ms (README, "TCP under
// attack"); the test asserts what breaks when a defence does, with room for a CI
// machine busy with other packages under -race: at least 95% answered (27% without
// the unread check, none without eviction), and no answer waiting for the 10 s idle
// timeout (p99 under 2 s). The figures themselves come from the logged run and the
// side-by-side measurement (ANYCASTDNS_TCP_ABUSE=1).
func TestTCPUnderAbuse(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load")
	}
	cfg := testConfig()
	cfg.TCP.MaxConns = 20 // so 2 per source
	s, addr := startTCPServer(t, cfg, Options{})
	var srcs []string
	for i := range 20 {
		srcs = append(srcs, "127.0.1."+strconv.Itoa(i+1))
	}
	stop := make(chan struct{})
	wait := abuseTCP(addr, srcs, 10*cfg.TCP.MaxConns, stop)
	// Let the abusers fill the server.
	if !waitFor(3*time.Second, func() bool { return int(s.conns.open.Load()) == cfg.TCP.MaxConns }) {
		t.Errorf("the abusers hold %d connections, want %d", s.conns.open.Load(), cfg.TCP.MaxConns)
	}
	const n = 200
	took := legitTCP(t, "127.0.0.2", addr, "www.example.", n)
	close(stop)
	opened := wait()
	p50, p99 := percentile(took, 50), percentile(took, 99)
	t.Logf("answered %d of %d, p50 %v, p99 %v; abusers opened %d connections; closed: evicted %v, idle %v, io %v; refused: per-source %v, full %v",
		len(took), n, p50, p99, opened, closedFor(s, closeEvicted), closedFor(s, closeIdle), closedFor(s, closeIO),
		refusedFor(s, refusePerSource), refusedFor(s, refuseFull))
	if len(took) < n*95/100 {
		t.Errorf("answered %d of %d, want at least 95%%", len(took), n)
	}
	if p99 > 2*time.Second {
		t.Errorf("p99 %v, want the new clients answered without waiting for an idle timeout", p99)
	}
}

//go:build linux

package server

import (
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// soakZone has a thousand names, one A record each: the legitimate client
// asks each about twice, far below its rate.
var soakZone = func() string {
	var b strings.Builder
	b.WriteString("$ORIGIN soak.example.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
	}
	return b.String()
}()

// soakSource is one attacker: the address it sends from (the victim's, as an
// attacker spoofs it) and what it sent and got back.
type soakSource struct {
	addr               string
	sent, got          atomic.Int64 // queries sent, replies got
	bytesOut, bytesIn  atomic.Int64 // octets sent (queries), got (replies)
	truncated, answers atomic.Int64
}

// A flood from several prefixes (on Linux a socket may bind any address of
// 127.0.0.0/8 without configuration) for an answer of 1232 octets: with rate
// limiting on, the victims get fewer octets than the attacker sent (an
// amplification of at most 1, where each whole answer is 20), mostly slips, while a legitimate client in
// another prefix gets its answers. Bounded: 3 seconds (10 on a slow machine),
// 1,000 queries a second from each of 4 sources.
func TestRRLSoak(t *testing.T) {
	cfg := rrlTestConfig(20, 15, 2)
	cfg.Listen = []string{"127.0.0.1:0"}
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	st := storeOf(t, loadZone(t, "example.", exampleZone), loadZone(t, "soak.example.", soakZone))
	core, logs := observer.New(zap.InfoLevel)
	s := startServerWith(t, cfg, st, Options{Metrics: met, Logger: zap.New(core)})
	server := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(s.ListenPorts()[0])))

	// 50 A records: a reply 20 times the size of the query.
	attack := withEDNS(newQuery("many.example.", dns.TypeA), 1232, false)
	attackMsg := packQuery(t, attack)
	fullLen := soakExchange(t, server, attackMsg)
	if fullLen < 10*len(attackMsg) {
		t.Fatalf("the attack's reply: %d octets for a query of %d, want a whole answer ten times larger", fullLen, len(attackMsg))
	}
	const (
		soakFor  = 3 * time.Second
		hardStop = 10 * time.Second // on a slow machine, until 1,000 legitimate queries
		perTick  = 10               // queries every 10 ms: 1,000 a second per source
		tickFor  = 10 * time.Millisecond
		maxQuery = 15_000 // per source, whatever the clock says
	)
	var sources []*soakSource
	for _, a := range []string{"127.0.1.2", "127.0.2.2", "127.0.3.2", "127.0.4.2"} {
		sources = append(sources, &soakSource{addr: a})
	}
	var wg sync.WaitGroup
	begin := time.Now()
	deadline := begin.Add(soakFor)
	var stop atomic.Bool // the legitimate client is done
	for _, src := range sources {
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(src.addr)})
		if err != nil {
			t.Skipf("binding %s: %v", src.addr, err)
		}
		defer conn.Close()
		wg.Add(2)
		go func() { // the victim: counts what comes back
			defer wg.Done()
			buf := make([]byte, 65535)
			for {
				conn.SetReadDeadline(time.Now().Add(time.Second))
				n, err := conn.Read(buf)
				if err != nil {
					return
				}
				src.got.Add(1)
				src.bytesIn.Add(int64(n))
				if n >= headerLen && buf[2]&0x02 != 0 {
					src.truncated.Add(1)
				} else {
					src.answers.Add(1)
				}
			}
		}()
		go func() { // the attacker
			defer wg.Done()
			tick := time.NewTicker(tickFor)
			defer tick.Stop()
			for !stop.Load() && time.Since(begin) < hardStop && src.sent.Load() < maxQuery {
				for range perTick {
					if _, err := conn.WriteToUDP(attackMsg, server); err == nil {
						src.sent.Add(1)
						src.bytesOut.Add(int64(len(attackMsg)))
					}
				}
				<-tick.C
			}
		}()
	}

	// The legitimate client, in 127.0.0.0/24, asks one name after another and
	// waits for each answer (one try, 1 s), at most 2,000 a second: each name
	// twice a second, a tenth of its budget.
	legit, err := net.DialUDP("udp4", nil, server)
	if err != nil {
		t.Fatal(err)
	}
	defer legit.Close()
	var asked, answered, retries int
	buf := make([]byte, 65535)
	pace := time.NewTicker(10 * time.Millisecond)
	defer pace.Stop()
	for i := 0; (time.Now().Before(deadline) || i < 1000) && time.Since(begin) < hardStop && i < 6_000; i++ {
		if i%20 == 19 {
			<-pace.C
		}
		m := newQuery(fmt.Sprintf("h%d.soak.example.", i%1000), dns.TypeA)
		m.Id = uint16(i)
		msg := packQuery(t, m)
		asked++
		// Up to three tries, as a stub or resolver would: a query the kernel
		// drops from a full socket buffer (a slow machine, -race) is not
		// a reply the rate limiter withheld; a retry is logged.
		for try := range 3 {
			if try > 0 {
				retries++
			}
			legit.Write(msg)
			if soakAnswer(legit, buf, m.Id) {
				answered++
				break
			}
		}
	}
	stop.Store(true)
	wg.Wait()

	t.Logf("one whole answer: %d octets for a query of %d (amplification %.1f without rate limiting)", fullLen, len(attackMsg), float64(fullLen)/float64(len(attackMsg)))
	t.Logf("legitimate client: %d answered of %d (%d retries)", answered, asked, retries)
	if asked < 1000 {
		t.Errorf("the legitimate client asked %d in %v, want at least 1000 to measure", asked, hardStop)
	}
	if float64(answered) < 0.999*float64(asked) {
		t.Errorf("legitimate client: got %d answers of %d (%.2f %%), want at least 99.9 %%", answered, asked, 100*float64(answered)/float64(asked))
	}
	for _, e := range logs.FilterMessage("rate limiting started").All() {
		if p := e.ContextMap()["prefix"]; p == "127.0.0.0/24" {
			t.Errorf("the legitimate client's prefix was limited: %v", e.ContextMap())
		}
	}
	for _, src := range sources {
		out, in := src.bytesOut.Load(), src.bytesIn.Load()
		t.Logf("%s: %d queries (%d octets), %d replies (%d octets: %d answers, %d slips): amplification %.3f",
			src.addr, src.sent.Load(), out, src.got.Load(), in, src.answers.Load(), src.truncated.Load(), float64(in)/float64(out))
		if src.sent.Load() < 1000 {
			t.Errorf("%s sent %d queries, want a flood", src.addr, src.sent.Load())
		}
		if in > out {
			t.Errorf("%s: got %d octets back for %d sent, want an amplification of at most 1", src.addr, in, out)
		}
		if src.truncated.Load() == 0 {
			t.Errorf("%s: got no slipped replies", src.addr)
		}
	}
	if d := counterValue(t, met.rrlBy[rrlPositive][rrlDropped]); d == 0 {
		t.Error("anycastdns_dns_rrl_responses_total{class=\"positive\",action=\"dropped\"} is 0")
	}
}

// soakAnswer reads from c, up to 300 ms, until the reply with id comes, and
// reports whether it is an answer (NOERROR, TC clear, one record).
func soakAnswer(c *net.UDPConn, buf []byte, id uint16) bool {
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		n, err := c.Read(buf)
		if err != nil {
			return false
		}
		r := new(dns.Msg)
		if r.Unpack(buf[:n]) == nil && r.Id == id {
			return r.Rcode == dns.RcodeSuccess && !r.Truncated && len(r.Answer) == 1
		}
	}
}

// soakExchange sends msg to server from 127.0.0.1 and returns the size of the
// reply.
func soakExchange(t *testing.T, server *net.UDPAddr, msg []byte) int {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, server)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dig sees a slipped reply's TC bit and asks again over TCP, which is never
// limited, and gets the answer.
func TestRRLDigRetriesOverTCP(t *testing.T) {
	dig := testutil.Tool(t, "dig")
	cfg := rrlTestConfig(1, 15, 1) // every reply over budget slips
	cfg.Listen = []string{"127.0.0.1:0"}
	_, udpAddr, _ := startServer(t, cfg, fastStore(t))
	m := newQuery("mail.fast.example.", dns.TypeA)
	exchange(t, "udp", udpAddr, m) // the budget of this second
	port := udpAddr[strings.LastIndex(udpAddr, ":")+1:]
	out, err := exec.Command(dig, "@127.0.0.1", "-p", port, "+time=3", "+tries=1", "+norec", "+nocookie",
		"mail.fast.example.", "A").CombinedOutput()
	if err != nil {
		t.Fatalf("dig: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Truncated, retrying in TCP mode", "status: NOERROR", "mail.fast.example.\t300\tIN\tA\t192.0.2.25", "(TCP)"} {
		if !strings.Contains(text, want) {
			t.Errorf("dig output lacks %q:\n%s", want, text)
		}
	}
}

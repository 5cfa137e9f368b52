package server

import (
	"bytes"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/secret"
	"github.com/anycastdns/anycastdns/internal/testutil"
)

// freeAddr returns a loopback address with a port free for UDP and TCP.
func freeAddr(t *testing.T) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testutil.FreePort(t, "127.0.0.1")))
}

// answers reports whether a SOA query to addr over network gets an answer.
func answers(network, addr string) bool {
	c := &dns.Client{Net: network, Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(newQuery("example.", dns.TypeSOA), addr)
	return err == nil && r.Rcode == dns.RcodeSuccess
}

func TestSetListen(t *testing.T) {
	cfg := testConfig()
	first := freeAddr(t)
	cfg.Listen = []string{first}
	s, _, _ := startServer(t, cfg, nil)

	second := freeAddr(t)
	if err := s.SetListen([]string{first, second}, nil); err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, a := range []string{first, second} {
			if !answers(network, a) {
				t.Errorf("%s %s: no answer after the address was added", network, a)
			}
		}
	}
	if got := s.ListenPorts(); len(got) != 2 {
		t.Errorf("ListenPorts: got %v, want two", got)
	}

	// An address that cannot be opened changes nothing.
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = s.SetListen([]string{second, taken.LocalAddr().String()}, func([]int) { t.Error("opened called for a failed SetListen") })
	if err == nil || !strings.Contains(err.Error(), taken.LocalAddr().String()) {
		t.Errorf("SetListen with a taken address: got %v, want an error naming it", err)
	}
	if !answers("udp", first) || !answers("udp", second) {
		t.Error("a failed SetListen closed a listener")
	}

	var ports []int
	if err := s.SetListen([]string{second}, func(p []int) {
		ports = p
		if !answers("udp", first) { // not closed yet
			t.Errorf("%s closed before opened was called", first)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(ports) != 1 || strconv.Itoa(ports[0]) != second[strings.LastIndex(second, ":")+1:] {
		t.Errorf("opened got ports %v, want the port of %s", ports, second)
	}
	if answers("udp", first) || answers("tcp", first) {
		t.Errorf("%s still answers after it was removed", first)
	}
	if !answers("udp", second) || !answers("tcp", second) {
		t.Errorf("%s stopped answering", second)
	}
	if got := s.Addrs(); len(got) != 2 {
		t.Errorf("Addrs: got %v, want the UDP and TCP of one address", got)
	}
	if err := s.SetListen([]string{second, second}, nil); err == nil {
		t.Error("SetListen with an address twice: no error")
	}
}

// Queries sent to an address that stays are all answered while other addresses
// come and go, over and over.
func TestSetListenLosesNoQuery(t *testing.T) {
	cfg := testConfig()
	kept := freeAddr(t)
	cfg.Listen = []string{kept}
	s, _, _ := startServer(t, cfg, nil)

	var sent, lost atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: "udp", Timeout: time.Second}
			for i := 0; i < 20000; i++ { // bounded; stopped once the reloads are done
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				if r, _, err := c.Exchange(newQuery("example.", dns.TypeSOA), kept); err != nil || r.Rcode != dns.RcodeSuccess {
					lost.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		other := freeAddr(t)
		if err := s.SetListen([]string{kept, other}, nil); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
		if err := s.SetListen([]string{kept}, nil); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	if sent.Load() == 0 || lost.Load() != 0 {
		t.Errorf("%d of %d queries lost during 40 listener changes", lost.Load(), sent.Load())
	}
}

func TestSetIdentity(t *testing.T) {
	s, udpAddr, _ := startServer(t, testConfig(), nil)
	cfg := testConfig()
	cfg.Identity = "node2.test"
	cfg.HideVersion = true
	if err := s.SetIdentity(cfg); err != nil {
		t.Fatal(err)
	}
	if s.Identity() != "node2.test" {
		t.Errorf("Identity: got %q, want node2.test", s.Identity())
	}
	m := newQuery("hostname.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	r := exchange(t, "udp", udpAddr, m)
	if len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "node2.test" {
		t.Errorf("hostname.bind: got %v, want node2.test", r.Answer)
	}
	q := withEDNS(newQuery("example.", dns.TypeSOA), 1232, false)
	q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	r = exchange(t, "udp", udpAddr, q)
	var nsid string
	for _, o := range r.IsEdns0().Option {
		if n, ok := o.(*dns.EDNS0_NSID); ok {
			nsid = n.Nsid
		}
	}
	if want := "6e6f6465322e74657374"; nsid != want { // "node2.test"
		t.Errorf("NSID: got %q, want %q", nsid, want)
	}
	m = newQuery("version.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	if r := exchange(t, "udp", udpAddr, m); r.Rcode != dns.RcodeRefused {
		t.Errorf("version.bind with hide-version: got %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
}

func TestSetRateLimitExempt(t *testing.T) {
	cfg := testConfig()
	cfg.RateLimit = defaultRateLimit()
	cfg.RateLimit.Exempt = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/28")}
	s := newTestServer(t, cfg, nil)
	s.SetRateLimitExempt([]netip.Prefix{netip.MustParsePrefix("::ffff:198.51.100.53/128")})
	for _, c := range []struct {
		addr string
		want bool
	}{{"203.0.113.9", true}, {"198.51.100.53", true}, {"198.51.100.54", false}} {
		if got := s.rrl.Load().isExempt(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("%s exempt: got %v, want %v", c.addr, got, c.want)
		}
	}
	s.SetRateLimitExempt(nil)
	if s.rrl.Load().isExempt(netip.MustParseAddr("198.51.100.53")) || !s.rrl.Load().isExempt(netip.MustParseAddr("203.0.113.9")) {
		t.Error("SetRateLimitExempt(nil): want only the configured prefixes exempt")
	}
	off := newTestServer(t, testConfig(), nil)
	off.SetRateLimitExempt(nil) // rate limiting off: nothing to do
}

// A reload's new cookie secret makes new cookies at once and accepts the old
// ones as previous-secrets says; turning cookies off stops answering them.
func TestSetCookies(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	fixClock(1_700_000_000, s)
	cc := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	r, _ := ask(t, s, cookieQuery("example.", dns.TypeSOA, cc), udp)
	first := replyCookie(r)
	if len(first) != cookieReplyLen {
		t.Fatalf("cookie before the reload: %x", first)
	}
	const next = "0102030405060708090a0b0c0d0e0f10"
	if err := s.SetCookies(CookieConfig{Enabled: true, Secret: secret.Text(next), PreviousSecrets: []secret.Text{testCookieSecret}}); err != nil {
		t.Fatal(err)
	}
	fixClock(1_700_000_000, s)
	r, _ = ask(t, s, cookieQuery("example.", dns.TypeSOA, cc), udp)
	if got := replyCookie(r); bytes.Equal(got, first) || len(got) != cookieReplyLen {
		t.Errorf("a client cookie alone after a new secret: got %x, want a new server cookie", got)
	}
	var echo [cookieReplyLen]byte
	if o := s.cookies.Load().reply(&echo, first, testClient); o != cookieRenewed {
		t.Errorf("a cookie of the previous secret: %v, want renewed (accepted)", o)
	}
	if err := s.SetCookies(CookieConfig{Enabled: true, SecretFile: "/nonexistent/secret"}); err == nil {
		t.Error("an unreadable secret file: no error")
	}
	if s.cookies.Load().current != testCookies(t, 0, next).current {
		t.Error("a failed SetCookies changed the secret")
	}
	if err := s.SetCookies(CookieConfig{}); err != nil {
		t.Fatal(err)
	}
	if r, _ := ask(t, s, cookieQuery("example.", dns.TypeSOA, cc), udp); replyCookie(r) != nil {
		t.Error("cookies off: the reply has a cookie")
	}
}

// A reload turns rate limiting on, with the exemptions from the zones kept, and
// off again.
func TestSetRateLimit(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	if s.rrl.Load() != nil {
		t.Fatal("rate limiting on in the test configuration")
	}
	s.SetRateLimitExempt([]netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")})
	on := defaultRateLimit()
	if err := s.SetRateLimit(on); err != nil {
		t.Fatal(err)
	}
	if r := s.rrl.Load(); r == nil || !r.isExempt(netip.MustParseAddr("198.51.100.7")) {
		t.Errorf("after SetRateLimit: limiter on %v, want one exempting the zones' peers", r != nil)
	}
	bad := on
	bad.Slip = -1
	if err := s.SetRateLimit(bad); err == nil || s.rrl.Load() == nil {
		t.Errorf("a bad rate-limit: got %v, want an error and the limiter kept", err)
	}
	off := on
	off.Enabled = false
	if err := s.SetRateLimit(off); err != nil || s.rrl.Load() != nil {
		t.Errorf("rate limiting off: %v, limiter on %v", err, s.rrl.Load() != nil)
	}
}

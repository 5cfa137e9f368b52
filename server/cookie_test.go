package server

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/internal/secret"
)

// fixClock makes the cookies of every server read the time ts.
func fixClock(ts uint32, servers ...*Server) {
	for _, s := range servers {
		s.cookies.Load().now = func() uint32 { return ts }
	}
}

// testCookies returns cookies with the current secret and the previous ones, at
// time now.
func testCookies(t testing.TB, now uint32, current string, previous ...string) *cookies {
	t.Helper()
	cfg := CookieConfig{Enabled: true, Secret: secret.Text(current)}
	for _, p := range previous {
		cfg.PreviousSecrets = append(cfg.PreviousSecrets, secret.Text(p))
	}
	c, err := newCookies(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() uint32 { return now }
	return &c
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The examples of RFC 9018 appendix A, each a query's COOKIE option and the
// reply's, with the secrets, client address and time of the example. A.2 comes
// 40 minutes after A.1, so its cookie is renewed; A.3's came from an older
// implementation (reserved octets set) almost two hours before, past the one
// hour a cookie lives; A.4's was made with the secret the server just replaced,
// which it still accepts and replaces.
func TestServerCookieRFC9018(t *testing.T) {
	for _, c := range []struct {
		name              string
		current, previous string
		client            string
		now               uint32
		query, reply      string
		outcome           cookieOutcome
	}{
		{"A.1 a new client", "e5e973e5a6b2a43f48e7dc849e37bfcf", "", "198.51.100.100", 1559731985,
			"2464c4abcf10c957", "2464c4abcf10c957010000005cf79f111f8130c3eee29480", cookieNew},
		{"A.2 renewed after 40 minutes", "e5e973e5a6b2a43f48e7dc849e37bfcf", "", "198.51.100.100", 1559734385,
			"2464c4abcf10c957010000005cf79f111f8130c3eee29480", "2464c4abcf10c957010000005cf7a871d4a564a1442aca77", cookieRenewed},
		{"A.3 another server's old cookie", "e5e973e5a6b2a43f48e7dc849e37bfcf", "", "203.0.113.203", 1559734700,
			"fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e", cookieBad},
		{"A.4 IPv6, previous secret", "445536bcd2513298075a5d379663c962", "dd3bdf9344b678b185a6f5cb60fca715", "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961,
			"22681ab97d52c298010000005cf7c57926556bd0934c72f8", "22681ab97d52c298010000005cf7c609a6bb79d16625507a", cookieRenewed},
	} {
		t.Run(c.name, func(t *testing.T) {
			var prev []string
			if c.previous != "" {
				prev = append(prev, c.previous)
			}
			ck := testCookies(t, c.now, c.current, prev...)
			var got [cookieReplyLen]byte
			outcome := ck.reply(&got, unhex(t, c.query), netip.MustParseAddr(c.client))
			if hex.EncodeToString(got[:]) != c.reply || outcome != c.outcome {
				t.Errorf("got %x (%s), want %s (%s)", got, outcome, c.reply, c.outcome)
			}
		})
	}
}

// A server cookie lives an hour, may come five minutes from the future (a
// sibling's clock), and is renewed once older than half an hour (RFC 9018
// section 4.3); only the secrets that made it, current or previous, verify it,
// and only for the client address and client cookie it was made for.
func TestServerCookieVerify(t *testing.T) {
	const made = 1_700_000_000
	const s1, s2, s3 = "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100", "0f0e0d0c0b0a09080706050403020100"
	cc := unhex(t, "0102030405060708")
	for _, client := range []string{"192.0.2.7", "2001:db8::7"} {
		var issued [cookieReplyLen]byte
		if o := testCookies(t, made, s1).reply(&issued, cc, netip.MustParseAddr(client)); o != cookieNew {
			t.Fatalf("%s: got %s for a client cookie alone, want new", client, o)
		}
		for _, c := range []struct {
			name     string
			now      uint32
			current  string
			previous []string
			client   string
			query    []byte
			want     cookieOutcome
		}{
			{"just made", made, s1, nil, client, issued[:], cookieEchoed},
			{"30 minutes old", made + 1800, s1, nil, client, issued[:], cookieEchoed},
			{"30 minutes and 1 s old", made + 1801, s1, nil, client, issued[:], cookieRenewed},
			{"1 hour old", made + 3600, s1, nil, client, issued[:], cookieRenewed},
			{"1 hour and 1 s old", made + 3601, s1, nil, client, issued[:], cookieBad},
			{"5 minutes ahead", made - 300, s1, nil, client, issued[:], cookieEchoed},
			{"5 minutes and 1 s ahead", made - 301, s1, nil, client, issued[:], cookieBad},
			{"a sibling with the same secret", made + 60, s1, []string{s3}, client, issued[:], cookieEchoed},
			{"another secret", made, s2, nil, client, issued[:], cookieBad},
			{"made with the previous secret", made, s2, []string{s3, s1}, client, issued[:], cookieRenewed},
			{"another client address", made, s1, nil, "192.0.2.8", issued[:], cookieBad},
			{"another client cookie", made, s1, nil, client, append(unhex(t, "0102030405060709"), issued[8:]...), cookieBad},
			{"a hash bit flipped", made, s1, nil, client, flip(issued[:], cookieReplyLen-1), cookieBad},
			{"version 2", made, s1, nil, client, flip(issued[:], 8), cookieBad},
			{"a 24-octet server cookie", made, s1, nil, client, append(issued[:], 1, 2, 3, 4, 5, 6, 7, 8), cookieBad},
			{"an 8-octet server cookie", made, s1, nil, client, issued[:16], cookieBad},
		} {
			t.Run(client+"/"+c.name, func(t *testing.T) {
				ck := testCookies(t, c.now, c.current, c.previous...)
				var got [cookieReplyLen]byte
				o := ck.reply(&got, c.query, netip.MustParseAddr(c.client))
				if o != c.want {
					t.Fatalf("got %s, want %s", o, c.want)
				}
				if !bytes.Equal(got[:8], c.query[:8]) {
					t.Errorf("got client cookie %x, want %x", got[:8], c.query[:8])
				}
				if o == cookieEchoed && !bytes.Equal(got[8:], c.query[8:]) {
					t.Errorf("got server cookie %x, want the query's %x echoed", got[8:], c.query[8:])
				}
				if o != cookieEchoed {
					// A fresh cookie, made now with the current secret, verifies.
					var again [cookieReplyLen]byte
					if o2 := testCookies(t, c.now, c.current).reply(&again, got[:], netip.MustParseAddr(c.client)); o2 != cookieEchoed {
						t.Errorf("the new cookie %x got %s, want echoed", got, o2)
					}
				}
			})
		}
	}
}

// flip returns b with a bit of octet i inverted.
func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x02
	return out
}

// A client seen over an IPv6 socket as an IPv4-mapped address gets the cookie
// a node listening on IPv4 alone makes for it.
func TestServerCookieMappedAddress(t *testing.T) {
	ck := testCookies(t, 1_700_000_000, testCookieSecret)
	cc := unhex(t, "0102030405060708")
	var v4, mapped [cookieReplyLen]byte
	ck.reply(&v4, cc, netip.MustParseAddr("192.0.2.7"))
	ck.reply(&mapped, cc, netip.MustParseAddr("::ffff:192.0.2.7"))
	if v4 != mapped {
		t.Errorf("got %x for the mapped address, want %x", mapped, v4)
	}
}

// cookieQuery returns an EDNS query whose COOKIE option carries data.
func cookieQuery(name string, qtype uint16, data []byte) *dns.Msg {
	m := withEDNS(newQuery(name, qtype), 1232, false)
	o := m.IsEdns0()
	o.Option = append(o.Option, &dns.EDNS0_LOCAL{Code: dns.EDNS0COOKIE, Data: data})
	return m
}

// replyCookie returns the data of the reply's COOKIE option, or nil.
func replyCookie(r *dns.Msg) []byte {
	if o := r.IsEdns0(); o != nil {
		for _, e := range o.Option {
			if e.Option() == dns.EDNS0COOKIE {
				b, _ := hex.DecodeString(e.(*dns.EDNS0_COOKIE).Cookie)
				return b
			}
		}
	}
	return nil
}

// A COOKIE option of a size no cookie has is FORMERR, with the OPT and the
// question kept (RFC 7873 section 5.2.2); every other size gets the normal
// answer with a server cookie, through both reply writers, whether or not
// cookies are answered.
func TestCookieOptionSizes(t *testing.T) {
	on := newTestServer(t, testConfig(), nil)
	slow := newTestServer(t, testConfig(), nil)
	slow.slowOnly = true
	cfg := testConfig()
	cfg.Cookies.Enabled = false
	off := newTestServer(t, cfg, nil)
	fixClock(1_700_000_000, on, slow, off)
	for n := 0; n <= 48; n++ {
		malformed := n < 8 || (n > 8 && n < 16) || n > 40
		data := bytes.Repeat([]byte{0xa5}, n)
		for _, s := range []*Server{on, slow, off} {
			t.Run(fmt.Sprintf("%d octets/slow %v/enabled %v", n, s.slowOnly, s.cookies.Load().on), func(t *testing.T) {
				r, _ := ask(t, s, cookieQuery("www.example.", dns.TypeA, data), udp)
				got := replyCookie(r)
				switch {
				case malformed:
					if r.Rcode != dns.RcodeFormatError || r.IsEdns0() == nil || len(r.Question) != 1 || got != nil {
						t.Errorf("got %s, OPT %v, %d questions, cookie %x; want FORMERR with the OPT and the question, no cookie",
							dns.RcodeToString[r.Rcode], r.IsEdns0() != nil, len(r.Question), got)
					}
				case !s.cookies.Load().on:
					if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || got != nil {
						t.Errorf("got %s, %d answers, cookie %x; want NOERROR, the answer and no cookie", dns.RcodeToString[r.Rcode], len(r.Answer), got)
					}
				default:
					if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || len(got) != cookieReplyLen || !bytes.Equal(got[:8], data[:8]) {
						t.Errorf("got %s, %d answers, cookie %x; want NOERROR, the answer and the client cookie with a server cookie",
							dns.RcodeToString[r.Rcode], len(r.Answer), got)
					}
				}
			})
		}
	}
}

// Only the first COOKIE option counts, as with BIND and Knot DNS; a query of an
// EDNS version above 0 is BADVERS, its options unread (RFC 6891 section 6.1.3).
func TestCookieOptionOthers(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	m := cookieQuery("www.example.", dns.TypeA, unhex(t, "0102030405060708"))
	o := m.IsEdns0()
	o.Option = append(o.Option, &dns.EDNS0_LOCAL{Code: dns.EDNS0COOKIE, Data: []byte{1}})
	if r, _ := ask(t, s, m, udp); r.Rcode != dns.RcodeSuccess || len(replyCookie(r)) != cookieReplyLen {
		t.Errorf("a second, malformed COOKIE: got %s and cookie %x, want NOERROR and a cookie", dns.RcodeToString[r.Rcode], replyCookie(r))
	}
	m = cookieQuery("www.example.", dns.TypeA, []byte{1})
	m.IsEdns0().SetVersion(1)
	if r, _ := ask(t, s, m, udp); r.Rcode != dns.RcodeBadVers || replyCookie(r) != nil {
		t.Errorf("EDNS version 1: got %s and cookie %x, want BADVERS and no cookie", dns.RcodeToString[r.Rcode], replyCookie(r))
	}
}

// Every kind of reply carries the cookie, REFUSED and the CHAOS answers too, and
// a node with the same secret echoes what a sibling made.
func TestCookieOnEveryReply(t *testing.T) {
	a := newTestServer(t, testConfig(), nil)
	b := newTestServer(t, testConfig(), nil)
	fixClock(1_700_000_000, a)
	fixClock(1_700_000_000+600, b)
	cc := unhex(t, "0102030405060708")
	for _, q := range []struct {
		name  string
		qtype uint16
		class uint16
	}{
		{"www.example.", dns.TypeA, dns.ClassINET},
		{"nope.example.", dns.TypeA, dns.ClassINET},
		{"example.org.", dns.TypeA, dns.ClassINET},
		{"hostname.bind.", dns.TypeTXT, dns.ClassCHAOS},
		{"big.example.", dns.TypeTXT, dns.ClassINET},
	} {
		m := cookieQuery(q.name, q.qtype, cc)
		m.Question[0].Qclass = q.class
		r, _ := ask(t, a, m, udp)
		got := replyCookie(r)
		if len(got) != cookieReplyLen {
			t.Errorf("%s: got cookie %x (%s), want one", q.name, got, dns.RcodeToString[r.Rcode])
			continue
		}
		r, _ = ask(t, b, cookieQuery(q.name, q.qtype, got), udp)
		if again := replyCookie(r); !bytes.Equal(again, got) {
			t.Errorf("%s: the sibling answered %x to %x, want it echoed", q.name, again, got)
		}
	}
}

// The secret never shows, however the configuration is printed, and an error
// about it names the key, not the value.
func TestCookieSecretNeverPrinted(t *testing.T) {
	cfg := testConfig()
	cfg.Cookies.PreviousSecrets = []secret.Text{"0f0e0d0c0b0a09080706050403020100"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, cfg)
		if strings.Contains(got, testCookieSecret[:8]) || strings.Contains(got, "0f0e0d0c") {
			t.Errorf("%s shows a secret: %s", verb, got)
		}
	}
	cfg.Cookies.Secret = "e5e973e5a6b2a43f48e7dc849e37bfcg"
	cfg.Cookies.PreviousSecrets = []secret.Text{"0f0e0d0c"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "cookies.secret: not hex") ||
		!strings.Contains(err.Error(), "cookies.previous-secrets[0]: 8 characters") || strings.Contains(err.Error(), "e5e973") {
		t.Errorf("got %v, want errors naming cookies.secret and cookies.previous-secrets[0] and no secret", err)
	}
	if _, err := New(cfg, exampleStore(t), Options{}); err == nil {
		t.Error("New accepted a secret that is not hex")
	}
}

// Without a secret, a random one is made and a warning says that siblings will
// not share cookies.
func TestCookieRandomSecret(t *testing.T) {
	cfg := testConfig()
	cfg.Cookies.Secret = ""
	log, logs := observedLogger()
	a, err := newCookies(cfg.Cookies, log)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newCookies(cfg.Cookies, zap.NewNop())
	if a.current == b.current || a.current == (cookieKey{}) {
		t.Errorf("got secrets %v and %v, want two random ones", a.current, b.current)
	}
	if !strings.Contains(logs(), "sibling nodes will not accept") {
		t.Errorf("got log %q, want a warning about sibling nodes", logs())
	}
}

// observedLogger returns a logger and a function that returns what it logged.
func observedLogger() (*zap.Logger, func() string) {
	core, obs := observer.New(zap.InfoLevel)
	return zap.New(core), func() string {
		var b strings.Builder
		for _, e := range obs.All() {
			b.WriteString(e.Message + "\n")
		}
		return b.String()
	}
}

// validCookieQuery returns a query for name and qtype with a client cookie and
// the server cookie s makes for it now, from testClient.
func validCookieQuery(t testing.TB, s *Server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	var c [cookieReplyLen]byte
	s.cookies.Load().reply(&c, []byte{1, 2, 3, 4, 5, 6, 7, 8}, testClient)
	return cookieQuery(name, qtype, c[:])
}

// A UDP reader's queries take the time of their batch (sc.arrived) as the
// server cookie's timestamp, without reading the clock again; a query without
// one (TCP) reads the cookie clock.
func TestCookieTimestampFromBatchClock(t *testing.T) {
	s := newTestServer(t, testConfig(), fastStore(t))
	fixClock(1_700_000_000, s)
	for _, slow := range []bool{false, true} {
		s.slowOnly = slow
		msg := packQuery(t, cookieQuery("www.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
		for _, c := range []struct {
			arrived, want uint32
		}{{1_700_000_123, 1_700_000_123}, {0, 1_700_000_000}} {
			sc := newScratch()
			sc.arrived = c.arrived
			r, _ := unpack(t, s.respond(sc, sc.out[2:], msg, udp, testClient))
			got := replyCookie(r)
			if len(got) != 24 {
				t.Fatalf("slow %v, arrived %d: cookie %x, want a client and a server cookie", slow, c.arrived, got)
			}
			if ts := binary.BigEndian.Uint32(got[12:16]); ts != c.want {
				t.Errorf("slow %v, arrived %d: server cookie timestamp %d, want %d", slow, c.arrived, ts, c.want)
			}
		}
	}
}

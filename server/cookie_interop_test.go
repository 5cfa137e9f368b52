package server_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/secret"
	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
	"github.com/anycastdns/anycastdns/server"
)

// This file checks DNS cookies (RFC 7873, RFC 9018) against real peers: dig's
// cookie check, and BIND 9.18, Knot DNS 3.2 and NSD 4.6, each configured with
// the secret our server has, making cookies that our server echoes, and
// accepting ours. All of them implement the server cookie of RFC 9018
// (BIND's cookie-algorithm siphash24, Knot's mod-cookies, NSD's answer-cookie).

// interopSecret is the cookie secret shared by our server and the peers.
const interopSecret = "4b1d4f7a0c9e2b6d8f3a5c7e9b1d3f50"

// cookieZone is the zone every server of these tests serves.
const cookieZone = `$ORIGIN example.org.
$TTL 300
@    SOA ns1 hostmaster 1 7200 3600 1209600 300
@    NS  ns1
ns1  A   192.0.2.1
www  A   192.0.2.10
`

// startCookieServer starts our server on 127.0.0.1 with cookies made with
// key, serving cookieZone, and returns its UDP address.
func startCookieServer(t *testing.T, key string) string {
	t.Helper()
	file := testutil.WriteFile(t, t.TempDir(), "example.org.zone", cookieZone)
	return startOursWith(t, []zoneSpec{{Origin: "example.org.", File: file}}, server.Config{
		Listen:   []string{"127.0.0.1:0"},
		Identity: "cookies",
		Cookies:  server.CookieConfig{Enabled: true, Secret: secret.Text(key)},
	}).udp
}

// askCookie sends a query for www.example.org A over UDP to addr with the COOKIE
// option cookie (hex) and returns the rcode (extended rcodes included, so
// BADCOOKIE is 23) and the reply's COOKIE option in hex.
func askCookie(t *testing.T, addr, cookie string) (int, string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("www.example.org.", dns.TypeA)
	m.SetEdns0(1232, false)
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: cookie})
	c := &dns.Client{Net: "udp", Timeout: 3 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s with cookie %s: %v", addr, cookie, err)
	}
	got := ""
	if o := r.IsEdns0(); o != nil {
		for _, e := range o.Option {
			if c, ok := e.(*dns.EDNS0_COOKIE); ok {
				got = c.Cookie
			}
		}
	}
	return r.Rcode, got
}

// digCookieLine matches dig's line for the reply's cookie, e.g.
// "; COOKIE: 0102...(good)".
var digCookieLine = regexp.MustCompile(`(?m)^; COOKIE: ([0-9a-f]+)( \(good\))?`)

// digCookie runs dig with +cookie (or +cookie=value) for example.org SOA at the
// server on 127.0.0.1 port, and returns its status, the reply's cookie and
// whether dig calls it good.
func digCookie(t *testing.T, port, value string) (status, cookie string, good bool) {
	t.Helper()
	dig := requireTool(t, "dig")
	opt := "+cookie"
	if value != "" {
		opt += "=" + value
	}
	out, err := exec.Command(dig, "@127.0.0.1", "-p", port, "+time=3", "+tries=1", "+norec", opt, "example.org", "SOA").CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", opt, err, out)
	}
	st := regexp.MustCompile(`status: ([A-Z]+)`).FindSubmatch(out)
	m := digCookieLine.FindSubmatch(out)
	if st == nil || m == nil {
		t.Fatalf("dig %s: no status or no COOKIE line in\n%s", opt, out)
	}
	return string(st[1]), string(m[1]), len(m[2]) > 0
}

// dig +cookie shows our server cookie and calls it good; sent back with
// +cookie=<cookie>, it is good again, echoed as it is.
func TestCookieDig(t *testing.T) {
	addr := startCookieServer(t, interopSecret)
	port := addr[strings.LastIndex(addr, ":")+1:]
	status, first, good := digCookie(t, port, "")
	if status != "NOERROR" || len(first) != 48 || !good {
		t.Fatalf("dig +cookie: got %s, cookie %s, good %v; want NOERROR, a 24-octet cookie, good", status, first, good)
	}
	status, second, good := digCookie(t, port, first)
	if status != "NOERROR" || second != first || !good {
		t.Errorf("dig +cookie=%s: got %s, cookie %s, good %v; want NOERROR, the same cookie, good", first, status, second, good)
	}
}

// A server cookie made by a peer with the same secret is echoed by our server,
// and ours is accepted by the peer: BIND and Knot require a valid server cookie
// (BADCOOKIE otherwise), NSD echoes one it accepts. A cookie made with another
// secret is refused by each (the control).
func TestCookieInterop(t *testing.T) {
	zone := peers.Zone{Origin: "example.org.", Text: cookieZone}
	opts := peers.Options{CookieSecret: interopSecret}
	for _, c := range []struct {
		name  string
		start func(t *testing.T) *peers.Peer
		// enforces: the peer answers BADCOOKIE to a cookie it does not accept
		// (BIND's require-server-cookie, Knot's mod-cookies); else it replaces
		// the server cookie with one of its own (NSD).
		enforces bool
	}{
		{"BIND", func(t *testing.T) *peers.Peer { return peers.StartBIND(t, opts, zone) }, true},
		{"Knot", func(t *testing.T) *peers.Peer { return peers.StartKnot(t, opts, zone) }, true},
		{"NSD", func(t *testing.T) *peers.Peer { return peers.StartNSD(t, opts, zone) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.start(t)
			peer := p.Addr.String()
			ours := startCookieServer(t, interopSecret)
			other := startCookieServer(t, "00000000000000000000000000000001")
			const cc = "0123456789abcdef"

			// The peer's cookie, echoed by us.
			_, theirs := askCookie(t, peer, cc)
			if len(theirs) != 48 || theirs[:16] != cc {
				t.Fatalf("%s gave cookie %q for client cookie %s, want 24 octets", c.name, theirs, cc)
			}
			if rcode, got := askCookie(t, ours, theirs); rcode != dns.RcodeSuccess || got != theirs {
				t.Errorf("%s's cookie %s: we answered %s with %s, want NOERROR and it echoed", c.name, theirs, dns.RcodeToString[rcode], got)
			}

			// Ours, accepted by the peer; and one made with another secret, not.
			_, mine := askCookie(t, ours, cc)
			_, foreign := askCookie(t, other, cc)
			for _, k := range []struct {
				cookie string
				valid  bool
			}{{mine, true}, {foreign, false}} {
				rcode, got := askCookie(t, peer, k.cookie)
				var accepted bool
				if c.enforces {
					accepted = rcode == dns.RcodeSuccess
				} else {
					accepted = rcode == dns.RcodeSuccess && got == k.cookie
				}
				if accepted != k.valid {
					t.Errorf("%s answered %s with %s to cookie %s; want it accepted: %v", c.name, dns.RcodeToString[rcode], got, k.cookie, k.valid)
				}
			}
			if c.name == "BIND" {
				// dig's verdict on BIND's reply to our cookie.
				status, _, good := digCookie(t, peer[strings.LastIndex(peer, ":")+1:], mine)
				if status != "NOERROR" || !good {
					t.Errorf("dig +cookie=%s at BIND: got %s, good %v; want NOERROR, good", mine, status, good)
				}
			}
		})
	}
}

package server

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// rrlTestConfig returns the test configuration with rate limiting on at rate
// replies a second for every class, the window (seconds) and slip given.
func rrlTestConfig(rate, window, slip int) Config {
	cfg := testConfig()
	cfg.RateLimit = RateLimitConfig{Enabled: true, ResponsesPerSecond: rate, ErrorsPerSecond: rate,
		NXDomainsPerSecond: rate, Window: time.Duration(window) * time.Second, Slip: slip, TableSize: 1 << 12}
	return cfg
}

// rrlServer returns a server of cfg on fastStore whose limiter's clock reads
// *now.
func rrlServer(t testing.TB, cfg Config, opts Options) (*Server, *uint32) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	s, err := New(cfg, fastStore(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	now := uint32(1_700_000_000)
	s.rrl.Load().now = func() uint32 { return now }
	fixClock(now, s)
	return s, &now
}

// rrlAsk sends m from from over tr through sc and returns the reply, or nil.
func rrlAsk(t testing.TB, s *Server, sc *scratch, m *dns.Msg, tr transport, from string) []byte {
	t.Helper()
	return s.respond(sc, sc.out[2:], packQuery(t, m), tr, netip.MustParseAddr(from))
}

// The account of BIND's design: rate credits a second, never above rate nor
// below -window*rate; a reply is limited while the balance is negative, and
// the first limited reply and the first one after the debt is repaid say so.
func TestRRLAccount(t *testing.T) {
	r := newRateLimiter(RateLimitConfig{Enabled: true, ResponsesPerSecond: 5, Window: 2 * time.Second, TableSize: 16}, nil, nil, zap.NewNop())
	const h = 0xabc0_0000_0000_0003
	now := uint32(1000)
	for i := range 5 {
		if lim, started, _, _ := r.account(h, rrlPositive, now, 1); lim || started {
			t.Fatalf("reply %d: got limited %v started %v, want neither within the rate", i+1, lim, started)
		}
	}
	if lim, started, _, _ := r.account(h, rrlPositive, now, 1); !lim || !started {
		t.Fatalf("reply 6: got limited %v started %v, want both", lim, started)
	}
	// The debt stops at -window*rate = -10: the word stops changing.
	for range 100 {
		r.account(h, rrlPositive, now, 1)
	}
	if got := int32(uint32(r.cells[h&r.mask].Load())); got != -10 {
		t.Fatalf("balance after a flood: got %d, want -10", got)
	}
	// One second later: -10+5-1 is still in debt.
	if lim, _, stopped, _ := r.account(h, rrlPositive, now+1, 1); !lim || stopped {
		t.Fatalf("1s later: got limited %v stopped %v, want limited", lim, stopped)
	}
	// Two more seconds repay it: -6+10-1 = 3.
	if lim, started, stopped, _ := r.account(h, rrlPositive, now+3, 1); lim || started || !stopped {
		t.Fatalf("3s later: got limited %v started %v stopped %v, want stopped only", lim, started, stopped)
	}
	// The balance never exceeds the rate: a long pause buys 5 replies, not more.
	n := 0
	for {
		if lim, _, _, _ := r.account(h, rrlPositive, now+1000, 1); lim {
			break
		}
		n++
	}
	if n != 5 {
		t.Errorf("after a long pause: got %d replies before limiting, want 5", n)
	}
	// Another key of the same set (another tag) gets the other word, a full
	// account.
	other := uint64(h ^ 1<<60)
	for i := range 6 {
		if lim, _, _, _ := r.account(other, rrlPositive, now+1000, 1); lim != (i == 5) {
			t.Fatalf("another key of the set, reply %d: got limited %v", i+1, lim)
		}
	}
	// Both words hold accounts in debt: a third key is not accounted, and
	// takes over neither.
	third := uint64(h ^ 2<<60)
	for range 10 {
		if lim, _, _, _ := r.account(third, rrlPositive, now+1000, 1); lim {
			t.Fatal("a third key of a set of two accounts in debt: got limited, want passed")
		}
	}
	if lim, _, _, _ := r.account(h, rrlPositive, now+1000, 1); !lim {
		t.Error("the account in debt was taken over")
	}
	// Once the window has passed, the older word is taken over.
	if lim, _, _, _ := r.account(third, rrlPositive, now+1010, 1); lim {
		t.Error("a third key after the window: got limited")
	}
	if lim, _, _, _ := r.account(third, rrlPositive, now+1010, 1); lim {
		t.Error("a third key after the window, again: got limited, want its own account")
	}
}

// replyTo answers msg from testClient over UDP through sc, and parses it into
// q as respond does, for classify.
func replyTo(s *Server, sc *scratch, msg []byte, q *query) []byte {
	out := s.respond(sc, sc.out[2:], msg, udp, testClient)
	parseQuery(msg, q, sc.qname[:0])
	return out
}

// Each reply is accounted by its class and the name of that class.
func TestRRLClassify(t *testing.T) {
	s := newTestServer(t, testConfig(), fastStore(t))
	ch := newQuery("hostname.bind.", dns.TypeTXT)
	ch.Question[0].Qclass = dns.ClassCHAOS
	for _, c := range []struct {
		name  string
		q     *dns.Msg
		class rrlClass
		want  string
	}{
		{"positive", newQuery("mail.fast.example.", dns.TypeA), rrlPositive, "mail.fast.example."},
		{"positive, mixed case", newQuery("MAIL.Fast.example.", dns.TypeA), rrlPositive, "MAIL.Fast.example."},
		{"CNAME chain", newQuery("www.fast.example.", dns.TypeA), rrlPositive, "www.fast.example."},
		{"wildcard", newQuery("x.wild.fast.example.", dns.TypeA), rrlPositive, "*.wild.fast.example."},
		{"wildcard, DO", withEDNS(newQuery("y.wild.fast.example.", dns.TypeTXT), 1232, true), rrlPositive, "*.wild.fast.example."},
		{"DNAME to no name", newQuery("x.dn.fast.example.", dns.TypeA), rrlNXDomain, "fast.example."},
		{"NXDOMAIN", newQuery("nope.fast.example.", dns.TypeA), rrlNXDomain, "fast.example."},
		{"NODATA", newQuery("mail.fast.example.", dns.TypeTXT), rrlNoData, "fast.example."},
		{"empty non-terminal", newQuery("b.ent.fast.example.", dns.TypeA), rrlNoData, "fast.example."},
		{"referral", newQuery("host.child.fast.example.", dns.TypeA), rrlReferral, "child.fast.example."},
		{"referral at the cut", newQuery("child.fast.example.", dns.TypeA), rrlReferral, "child.fast.example."},
		{"REFUSED outside our zones", newQuery("example.org.", dns.TypeA), rrlError, ""},
		{"REFUSED AXFR over UDP", newQuery("fast.example.", dns.TypeAXFR), rrlError, ""},
		{"identity", ch, rrlPositive, "hostname.bind."},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := newScratch()
			var q query
			if replyTo(s, sc, packQuery(t, c.q), &q) == nil {
				t.Fatal("no reply")
			}
			class, name, _ := classify(sc, &q)
			if class != c.class || name != c.want {
				t.Errorf("got %v %q, want %v %q", class, name, c.class, c.want)
			}
		})
	}
	// A query whose question does not parse is a FORMERR: an error outside
	// any zone.
	sc := newScratch()
	var q query
	if replyTo(s, sc, append(rawHeader(0, 0, 1, 0, 0, 0), 5, 'a'), &q) == nil {
		t.Fatal("no reply to a malformed question")
	}
	if class, name, _ := classify(sc, &q); class != rrlError || name != "" {
		t.Errorf("FORMERR: got %v %q, want error \"\"", class, name)
	}
}

// Over budget, every slip-th reply is sent truncated and the others dropped;
// slip 0 drops them all, slip 1 truncates them all.
func TestRRLSlip(t *testing.T) {
	for _, c := range []struct {
		slip int
		want string // after the one reply within budget: s slipped, d dropped
	}{
		{0, "dddddd"},
		{1, "ssssss"},
		{2, "dsdsds"},
		{3, "ddsdds"},
	} {
		s, _ := rrlServer(t, rrlTestConfig(1, 15, c.slip), Options{})
		sc := newScratch()
		m := withEDNS(newQuery("mail.fast.example.", dns.TypeMX), 1232, false)
		if rrlAsk(t, s, sc, m, udp, "192.0.2.1") == nil {
			t.Fatalf("slip %d: the first reply was limited", c.slip)
		}
		var got strings.Builder
		for range len(c.want) {
			switch out := rrlAsk(t, s, sc, m, udp, "192.0.2.1"); {
			case out == nil:
				got.WriteByte('d')
			default:
				checkSlip(t, out, m)
				got.WriteByte('s')
			}
		}
		if got.String() != c.want {
			t.Errorf("slip %d: got %s, want %s", c.slip, got.String(), c.want)
		}
	}
}

// checkSlip checks that out is the slip of the reply to m: its ID, TC set, the
// question and nothing else, no longer than the query.
func checkSlip(t testing.TB, out []byte, m *dns.Msg) {
	t.Helper()
	r := new(dns.Msg)
	if err := r.Unpack(out); err != nil {
		t.Fatalf("slipped reply does not parse: %v", err)
	}
	if r.Id != m.Id || !r.Response || !r.Truncated {
		t.Errorf("slipped reply: got id %d QR %v TC %v, want id %d, QR and TC", r.Id, r.Response, r.Truncated, m.Id)
	}
	if len(r.Answer)+len(r.Ns)+len(r.Extra) != 0 {
		t.Errorf("slipped reply: got %d records, want none", len(r.Answer)+len(r.Ns)+len(r.Extra))
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, m.Question[0].Name) || r.Question[0].Qtype != m.Question[0].Qtype {
		t.Errorf("slipped reply: got question %v, want %v", r.Question, m.Question)
	}
	if q := packQuery(t, m); len(out) > len(q) {
		t.Errorf("slipped reply: %d octets for a query of %d, want at most as many", len(out), len(q))
	}
}

// A slip never exceeds the query: a question packed longer than the client
// sent it (a compressed question name) is left out.
func TestRRLSlipNeverAmplifies(t *testing.T) {
	out := make([]byte, 0, 64)
	out = append(out, rawHeader(bitQR, 0, 1, 1, 0, 0)...)
	out = append(out, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1)
	out = append(out, 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 192, 0, 2, 1)
	full := len(out)
	if got := slipReply(append([]byte(nil), out...), full); len(got) != headerLen+17 || got[2]&0x02 == 0 {
		t.Errorf("got %d octets (TC %v), want %d with TC", len(got), got[2]&0x02 != 0, headerLen+17)
	}
	got := slipReply(append([]byte(nil), out...), headerLen+6)
	if len(got) != headerLen || binary.BigEndian.Uint16(got[4:]) != 0 {
		t.Errorf("query of %d octets: got %d octets, qdcount %d; want the header alone", headerLen+6, len(got), binary.BigEndian.Uint16(got[4:]))
	}
}

// Sources share a budget by prefix: /24 for IPv4, /56 for IPv6, an
// IPv4-mapped address as its IPv4 address; and names without regard to case.
func TestRRLPrefixes(t *testing.T) {
	for _, c := range []struct {
		name        string
		first, then string
		shared      bool
	}{
		{"same /24", "192.0.2.1", "192.0.2.200", true},
		{"next /24", "192.0.2.1", "192.0.3.1", false},
		{"IPv4-mapped", "192.0.2.1", "::ffff:192.0.2.9", true},
		{"same /56", "2001:db8:0:100::1", "2001:db8:0:1ff::2", true},
		{"next /56", "2001:db8:0:100::1", "2001:db8:0:200::1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := rrlServer(t, rrlTestConfig(1, 15, 0), Options{})
			sc := newScratch()
			if rrlAsk(t, s, sc, newQuery("mail.fast.example.", dns.TypeA), udp, c.first) == nil {
				t.Fatal("first reply limited")
			}
			limited := rrlAsk(t, s, sc, newQuery("MAIL.fast.EXAMPLE.", dns.TypeA), udp, c.then) == nil
			if limited != c.shared {
				t.Errorf("second reply from %s after one from %s: got limited %v, want %v", c.then, c.first, limited, c.shared)
			}
		})
	}
	// The prefix lengths are configurable.
	cfg := rrlTestConfig(1, 15, 0)
	cfg.RateLimit.IPv4PrefixLength = 32
	s, _ := rrlServer(t, cfg, Options{})
	sc := newScratch()
	rrlAsk(t, s, sc, newQuery("mail.fast.example.", dns.TypeA), udp, "192.0.2.1")
	if rrlAsk(t, s, sc, newQuery("mail.fast.example.", dns.TypeA), udp, "192.0.2.2") == nil {
		t.Error("ipv4-prefix-length 32: a neighbour was limited")
	}
}

// Each class and name has its own account: a flood of one name does not limit
// another name, nor NXDOMAIN; random names of one zone are one NXDOMAIN
// account, random names below a wildcard one positive account.
func TestRRLClassesSeparate(t *testing.T) {
	s, _ := rrlServer(t, rrlTestConfig(1, 15, 0), Options{})
	sc := newScratch()
	const from = "198.51.100.7"
	ask := func(name string, qtype uint16) bool {
		return rrlAsk(t, s, sc, newQuery(name, qtype), udp, from) != nil
	}
	for _, c := range []struct {
		name     string
		qtype    uint16
		answered bool
	}{
		{"mail.fast.example.", dns.TypeA, true},
		{"mail.fast.example.", dns.TypeA, false},
		{"mail.fast.example.", dns.TypeAAAA, true}, // another type
		{"ns1.fast.example.", dns.TypeA, true},     // another name
		{"nope1.fast.example.", dns.TypeA, true},   // NXDOMAIN, by zone
		{"nope2.fast.example.", dns.TypeA, false},
		{"nope.example.", dns.TypeA, true}, // another zone
		{"a.wild.fast.example.", dns.TypeA, true},
		{"b.wild.fast.example.", dns.TypeA, false}, // the same wildcard
		{"mail.fast.example.", dns.TypeTXT, true},  // NODATA, by zone
		{"ns1.fast.example.", dns.TypeTXT, false},
		{"host.child.fast.example.", dns.TypeA, true}, // referral, by cut
		{"other.child.fast.example.", dns.TypeA, false},
		{"example.org.", dns.TypeA, true}, // REFUSED
		{"example.net.", dns.TypeA, false},
	} {
		if got := ask(c.name, c.qtype); got != c.answered {
			t.Errorf("%s %s: got answered %v, want %v", c.name, dns.TypeToString[c.qtype], got, c.answered)
		}
	}
}

// Never limited: TCP, a valid server cookie, the exempt prefixes of the
// configuration and of Options, and a class whose rate is 0.
func TestRRLExempt(t *testing.T) {
	cfg := rrlTestConfig(1, 15, 0)
	cfg.RateLimit.Exempt = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/28")}
	cfg.RateLimit.ErrorsPerSecond = 0
	s, _ := rrlServer(t, cfg, Options{RateLimitExempt: []netip.Prefix{netip.MustParsePrefix("::ffff:198.51.100.53/128")}})
	sc := newScratch()
	m := newQuery("mail.fast.example.", dns.TypeA)
	for _, c := range []struct {
		name string
		m    *dns.Msg
		tr   transport
		from string
	}{
		{"TCP", m, tcp, "192.0.2.1"},
		{"valid server cookie", validCookieQuery(t, s, "mail.fast.example.", dns.TypeA), udp, testClient.String()},
		{"exempt", m, udp, "203.0.113.9"},
		{"exempt by Options, mapped", m, udp, "198.51.100.53"},
		{"errors not limited", newQuery("example.org.", dns.TypeA), udp, "192.0.2.1"},
	} {
		for i := range 5 {
			if rrlAsk(t, s, sc, c.m, c.tr, c.from) == nil {
				t.Errorf("%s: reply %d limited, want none", c.name, i+1)
				break
			}
		}
	}
	// A client cookie alone proves nothing.
	cq := cookieQuery("mail.fast.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	rrlAsk(t, s, sc, cq, udp, "192.0.2.99")
	if rrlAsk(t, s, sc, cq, udp, "192.0.2.99") != nil {
		t.Error("a client cookie alone: got an answer over budget, want none")
	}
	// Not the neighbour of an exempt prefix.
	rrlAsk(t, s, sc, m, udp, "203.0.113.17")
	if rrlAsk(t, s, sc, m, udp, "203.0.113.17") != nil {
		t.Error("203.0.113.17, outside 203.0.113.0/28: got an answer over budget, want none")
	}
}

// A limited source is answered again once its debt is repaid: at most window
// seconds after its flood stops.
func TestRRLWindow(t *testing.T) {
	s, now := rrlServer(t, rrlTestConfig(10, 3, 0), Options{})
	sc := newScratch()
	m := newQuery("mail.fast.example.", dns.TypeA)
	answered := 0
	for range 200 {
		if rrlAsk(t, s, sc, m, udp, "192.0.2.1") != nil {
			answered++
		}
	}
	if answered != 10 {
		t.Fatalf("a flood of 200 in one second: got %d answered, want the rate, 10", answered)
	}
	*now += 2
	if rrlAsk(t, s, sc, m, udp, "192.0.2.1") != nil {
		t.Fatal("2s after the flood, with a window of 3s: got an answer, want none")
	}
	*now += 2 // the debt (-30, then -11) is repaid
	if rrlAsk(t, s, sc, m, udp, "192.0.2.1") == nil {
		t.Fatal("4s after the flood: limited, want an answer")
	}
}

// In dry run every reply is sent, and the ones over budget are counted.
func TestRRLDryRunAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	cfg := rrlTestConfig(2, 15, 2)
	s, _ := rrlServer(t, cfg, Options{Metrics: met})
	sc := newScratch()
	for range 10 {
		rrlAsk(t, s, sc, newQuery("nope.fast.example.", dns.TypeA), udp, "192.0.2.1")
	}
	if got := counterValue(t, met.rrlBy[rrlNXDomain][rrlSlipped]); got != 4 {
		t.Errorf("nxdomain slipped: got %v, want 4", got)
	}
	if got := counterValue(t, met.rrlBy[rrlNXDomain][rrlDropped]); got != 4 {
		t.Errorf("nxdomain dropped: got %v, want 4", got)
	}

	cfg.RateLimit.DryRun = true
	met = NewMetrics(prometheus.NewRegistry())
	s, _ = rrlServer(t, cfg, Options{Metrics: met})
	for i := range 10 {
		out := rrlAsk(t, s, sc, newQuery("mail.fast.example.", dns.TypeA), udp, "192.0.2.1")
		if r, _ := unpack(t, out); out == nil || r.Truncated || len(r.Answer) == 0 {
			t.Fatalf("dry run: reply %d was limited", i+1)
		}
	}
	if got := counterValue(t, met.rrlBy[rrlPositive][rrlDryRun]); got != 8 {
		t.Errorf("positive dry-run: got %v, want 8", got)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() == "anycastdns_dns_rrl_responses_total" {
			n = len(mf.GetMetric())
		}
	}
	if n != int(numRRLClasses)*int(numRRLActions) {
		t.Errorf("anycastdns_dns_rrl_responses_total: got %d series, want every class and action, %d", n, int(numRRLClasses)*int(numRRLActions))
	}
}

// A line is logged when an account starts and when it stops limiting, at most
// rrlLogPerSecond a second.
func TestRRLLog(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	s, now := rrlServer(t, rrlTestConfig(1, 1, 0), Options{Logger: zap.New(core)})
	sc := newScratch()
	m := newQuery("mail.fast.example.", dns.TypeA)
	for range 5 {
		rrlAsk(t, s, sc, m, udp, "192.0.2.1")
	}
	*now += 5
	rrlAsk(t, s, sc, m, udp, "192.0.2.1")
	var got []string
	for _, e := range logs.All() {
		got = append(got, e.Message+" "+e.ContextMap()["prefix"].(string)+" "+e.ContextMap()["class"].(string))
	}
	want := []string{"rate limiting started 192.0.2.0/24 positive", "rate limiting stopped 192.0.2.0/24 positive"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got log\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A flood from 100 prefixes in one second logs rrlLogPerSecond lines.
	*now += 100
	logs.TakeAll()
	for i := range 100 {
		from := netip.AddrFrom4([4]byte{10, 0, byte(i), 1}).String()
		rrlAsk(t, s, sc, m, udp, from)
		rrlAsk(t, s, sc, m, udp, from)
	}
	if n := logs.Len(); n != rrlLogPerSecond {
		t.Errorf("100 prefixes limited in one second: got %d log lines, want %d", n, rrlLogPerSecond)
	}
}

// Rate limiting allocates nothing, whether the reply passes, slips or drops.
func TestRRLNoAllocs(t *testing.T) {
	s, _ := rrlServer(t, rrlTestConfig(1, 15, 2), Options{Metrics: NewMetrics(nil)})
	for _, m := range []*dns.Msg{
		newQuery("mail.fast.example.", dns.TypeA),
		withEDNS(newQuery("x.wild.fast.example.", dns.TypeA), 1232, true),
		newQuery("nope.fast.example.", dns.TypeA),
		newQuery("host.child.fast.example.", dns.TypeA),
	} {
		msg := packQuery(t, m)
		sc := newScratch()
		if allocs := testing.AllocsPerRun(200, func() { s.respond(sc, sc.out[2:], msg, udp, testClient) }); allocs != 0 {
			t.Errorf("%s: got %v allocations per query, want 0", m.Question[0].Name, allocs)
		}
	}
	// Within budget too.
	cfg := rrlTestConfig(maxRateLimitRate, 15, 2)
	s, _ = rrlServer(t, cfg, Options{})
	assertNoAllocs(t, s, packQuery(t, newQuery("mail.fast.example.", dns.TypeA)), udp)
}

func TestRateLimitConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := defaultRateLimit()
	bad.ResponsesPerSecond = -1
	bad.NXDomainsPerSecond = maxRateLimitRate + 1
	bad.Window = 1500 * time.Millisecond
	bad.Slip = 11
	bad.IPv4PrefixLength = 33
	bad.IPv6PrefixLength = 0
	bad.TableSize = 0
	bad.Exempt = []netip.Prefix{{}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("got no error")
	}
	for _, key := range []string{"responses-per-second", "nxdomains-per-second", "window", "slip",
		"ipv4-prefix-length", "ipv6-prefix-length", "table-size", "exempt[0]"} {
		if !strings.Contains(err.Error(), key+":") {
			t.Errorf("got %v, want an error naming %s", err, key)
		}
	}
	// The zero Config keeps it off; the file's default turns it on.
	if s := newTestServer(t, testConfig(), nil); s.rrl.Load() != nil {
		t.Error("the zero RateLimitConfig: got a limiter, want none")
	}
	if r := DefaultConfig().RateLimit; !r.Enabled || r.ResponsesPerSecond != 200 || r.Slip != 2 || r.Window != 15*time.Second {
		t.Errorf("DefaultConfig: got %+v, want on at 200/s, slip 2, window 15s", r)
	}
}

// counterValue returns the value of c.
func counterValue(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

package server

import (
	"flag"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// benchRRL turns response rate limiting on in the Respond benchmarks, at a rate
// they never reach, so that every reply is accounted and sent: its cost per
// query is the difference between runs with and without, e.g.
//
//	go test -run XXX -bench 'Respond' -count 6 ./server/ > off.txt
//	go test -run XXX -bench 'Respond' -count 6 ./server/ -bench-rrl > on.txt
//	benchstat off.txt on.txt
var benchRRL = flag.Bool("bench-rrl", false, "rate limiting on in BenchmarkRespond*, at 100,000 replies a second")

// benchConfig is the configuration of the Respond benchmarks.
func benchConfig() Config {
	cfg := testConfig()
	if *benchRRL {
		cfg.RateLimit = RateLimitConfig{Enabled: true, ResponsesPerSecond: maxRateLimitRate,
			ErrorsPerSecond: maxRateLimitRate, NXDomainsPerSecond: maxRateLimitRate, Slip: 2}
	}
	return cfg
}

// benchSources are the client addresses of the Respond benchmarks, one per
// /24, taken in turn (a power of two of them: the index is masked, not
// divided): with rate limiting on each account sees a share of the
// queries (below 100,000 a second), spread over the table as real clients are.
var benchSources = func() []netip.Addr {
	out := make([]netip.Addr, 256)
	for i := range out {
		out[i] = netip.AddrFrom4([4]byte{10, byte(i), 0, 1})
	}
	return out
}()

// benchClockEvery is how many queries the Respond benchmarks answer between
// two clock reads, as a UDP reader reads it once per batch (udp_linux.go): the
// rate-limit accounts refill as time passes, as they would serving.
const benchClockEvery = 1024

// BenchmarkRespond measures the whole packet path, bytes in to bytes out, with no
// sockets: the fast path (fast.go) and, under "miekg/", the miekg/dns path it
// replaced for these answers.
func BenchmarkRespond(b *testing.B) {
	s := newTestServer(b, benchConfig(), fastStore(b))
	slow := newTestServer(b, benchConfig(), fastStore(b))
	slow.slowOnly = true
	cases := []struct {
		name string
		q    *dns.Msg
		tr   transport
	}{
		{"A", newQuery("www.example.", dns.TypeA), udp},
		{"A_EDNS", withEDNS(newQuery("www.example.", dns.TypeA), 1232, false), udp},
		{"NXDOMAIN", newQuery("nope.example.", dns.TypeA), udp},
		{"NODATA", newQuery("www.fast.example.", dns.TypeTXT), udp},
		{"wildcard_DO", withEDNS(newQuery("x.wild.fast.example.", dns.TypeA), 1232, true), udp},
		{"MX_additional", newQuery("fast.example.", dns.TypeMX), udp},
		{"DNAME", newQuery("x.dn.fast.example.", dns.TypeA), udp},
		{"referral_small", newQuery("host.child.fast.example.", dns.TypeA), udp},
		{"referral", withEDNS(newQuery("host.wide.example.", dns.TypeA), 1232, false), udp},
		{"truncated", newQuery("big.example.", dns.TypeTXT), udp},
		{"TXT50_TCP", newQuery("big.example.", dns.TypeTXT), tcp},
		{"hostname.bind", func() *dns.Msg {
			m := newQuery("hostname.bind.", dns.TypeTXT)
			m.Question[0].Qclass = dns.ClassCHAOS
			return m
		}(), udp},
		{"REFUSED", newQuery("example.org.", dns.TypeA), udp},
		// DNS cookies (RFC 7873): a client cookie alone gets a new server cookie,
		// a valid one is verified and echoed.
		{"A_COOKIE_new", cookieQuery("www.example.", dns.TypeA, []byte{1, 2, 3, 4, 5, 6, 7, 8}), udp},
		{"A_COOKIE_valid", validCookieQuery(b, s, "www.example.", dns.TypeA), udp},
	}
	for _, c := range cases {
		msg, err := c.q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		for _, srv := range []*Server{s, slow} {
			name := c.name
			if srv.slowOnly {
				name = "miekg/" + name
			}
			sources := benchSources
			if c.name == "A_COOKIE_valid" {
				sources = []netip.Addr{testClient} // the client its cookie is for
			}
			b.Run(name, func(b *testing.B) {
				sc := newScratch()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i%benchClockEvery == 0 {
						sc.arrived = uint32(time.Now().Unix())
					}
					if srv.respond(sc, sc.out[2:], msg, c.tr, sources[i&(len(sources)-1)]) == nil {
						b.Fatal("no reply")
					}
					i++
				}
			})
		}
	}
}

// BenchmarkRespondRoot measures the packet path on the signed root zone with DO set,
// as validating resolvers ask (RFC 4035 section 3.1): RRSIGs with every RRset and
// the NSEC proofs of a name error and of an unsigned delegation.
func BenchmarkRespondRoot(b *testing.B) {
	z, err := zone.Load(zonefile.FileSource(filepath.Join("..", "zone", "testdata", "root.zone")), ".")
	if err != nil {
		testutil.Missing(b, "root zone: %v", err)
	}
	s := newTestServer(b, benchConfig(), storeOf(b, z))
	for _, c := range []struct {
		name string
		q    *dns.Msg
	}{
		{"referral_DS_DO", withEDNS(newQuery("www.example.com.", dns.TypeA), 1232, true)},
		{"referral_NSEC_DO", withEDNS(newQuery("www.example.cf.", dns.TypeA), 1232, true)},
		{"NXDOMAIN_DO", withEDNS(newQuery("www.example.invalidtld.", dns.TypeA), 1232, true)},
		{"NXDOMAIN", withEDNS(newQuery("www.example.invalidtld.", dns.TypeA), 1232, false)},
		{"DS_DO", withEDNS(newQuery("com.", dns.TypeDS), 1232, true)},
	} {
		msg, err := c.q.Pack()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			sc := newScratch()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%benchClockEvery == 0 {
					sc.arrived = uint32(time.Now().Unix())
				}
				if s.respond(sc, sc.out[2:], msg, udp, benchSources[i&(len(benchSources)-1)]) == nil {
					b.Fatal("no reply")
				}
				i++
			}
		})
	}
}

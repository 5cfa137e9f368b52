package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// The fleet tests run the node (serve, in-process) as a member of a fleet fed
// by a real primary (package peers: knotd, named, nsd on loopback high ports),
// or as the primary of real secondaries.

// fleetKey is the TSIG key the node and its peers share.
var fleetKey = peers.Key{Name: "xfr-key", Algorithm: "hmac-sha256", Secret: "c2VjcmV0IHNoYXJlZCBieSB0aGUgZmxlZXQgdGVzdHMh"}

// fleetTimers are SOA refresh, retry and expire in seconds.
type fleetTimers struct{ refresh, retry, expire int }

// slowTimers leave every refresh to NOTIFY within a test's time.
var slowTimers = fleetTimers{3600, 600, 86400}

// fleetZone is the master file of origin at serial: n hosts, and a TXT record
// v saying the serial, so that a change touches a few records (an IXFR).
func fleetZone(origin string, serial uint32, n int, tm fleetTimers) peers.Zone {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 300\n@ SOA ns admin %d %d %d %d 300\n@ NS ns\nns A 192.0.2.53\n",
		origin, serial, tm.refresh, tm.retry, tm.expire)
	fmt.Fprintf(&b, "v TXT \"%d\"\n", serial)
	for i := range n {
		fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
	}
	return peers.Zone{Origin: origin, Text: b.String()}
}

// nodeKeyYAML is the tsig-keys section naming key.
func nodeKeyYAML(key peers.Key) string {
	return fmt.Sprintf("tsig-keys:\n  - {name: %s, algorithm: %s, secret: %q}\n", key.Name, key.Algorithm, key.Secret)
}

// secondaryYAML is an item of the zones list: origin transferred from primary
// with the TSIG key, NOTIFY allowed from 127.0.0.1 signed with it; extra lines
// (indented four spaces) are added to the item.
func secondaryYAML(origin string, primary netip.AddrPort, extra string) string {
	return fmt.Sprintf(`  - origin: %s
    primaries: [{address: "%s", key: %s}]
    allow-notify: ["127.0.0.1 key %s"]
%s`, origin, primary, fleetKey.Name, fleetKey.Name, extra)
}

// startFleetNode runs serve with cfg (YAML, without metrics and listen, which
// it sets: the metrics on a free port, DNS on 127.0.0.1:port) and returns once
// it serves.
func startFleetNode(t *testing.T, port int, cfg string) *served {
	t.Helper()
	full := fmt.Sprintf("metrics: {listen: \"127.0.0.1:0\"}\nlisten: [\"127.0.0.1:%d\"]\n%s", port, cfg)
	return startServeArgs(t, "-config", writeFile(t, t.TempDir(), "node.yaml", full))
}

// nodePort is a free port for the node's DNS listeners, known before the node
// starts so that its primary can be told where to send NOTIFY.
func nodePort(t *testing.T) (int, netip.AddrPort) {
	port := testutil.FreePort(t, "127.0.0.1")
	return port, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}

// ask sends one query over UDP to the node.
func (s *served) ask(t *testing.T, name string, qtype uint16) (*dns.Msg, error) {
	t.Helper()
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	q := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	q.SetEdns0(1232, false)
	r, _, err := c.Exchange(q, s.dnsAddr(t, "udp"))
	return r, err
}

// waitSerial polls the node every 10 ms until it answers the SOA of origin with
// serial, for at most limit, and returns when it first did.
func (s *served) waitSerial(t *testing.T, origin string, serial uint32, limit time.Duration) time.Time {
	t.Helper()
	var got uint32
	var err error
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if got, err = s.soaSerial(t, "udp", origin); err == nil && got == serial {
			return time.Now()
		}
	}
	t.Fatalf("%s: serial %d not answered within %v (last: %d, %v)\nlogs:\n%s", origin, serial, limit, got, err, s.logs)
	return time.Time{}
}

// waitRcode polls the node every 50 ms until it answers the SOA of origin with
// rcode, for at most limit, and returns that answer.
func (s *served) waitRcode(t *testing.T, origin string, rcode int, limit time.Duration) *dns.Msg {
	t.Helper()
	var r *dns.Msg
	var err error
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if r, err = s.ask(t, origin, dns.TypeSOA); err == nil && r.Rcode == rcode {
			return r
		}
	}
	t.Fatalf("%s: %s not answered within %v (last: %v, %v)\nlogs:\n%s", origin, dns.RcodeToString[rcode], limit, r, err, s.logs)
	return nil
}

// ede returns the Extended DNS Error code (RFC 8914) of r, -1 without one.
func ede(r *dns.Msg) int {
	if opt := r.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok {
				return int(e.InfoCode)
			}
		}
	}
	return -1
}

// metric returns the value of the series of the node's /metrics whose name and
// labels (as printed, labels sorted) are series, 0 when it is absent.
func (s *served) metric(t *testing.T, series string) float64 {
	t.Helper()
	_, body := s.httpGet(t, "/metrics")
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("/metrics %s: %v", series, err)
			}
			return v
		}
	}
	return 0
}

// transfers is the series of anycastdns_transfer_transfers_total of origin.
func transfers(origin, kind, result string) string {
	return fmt.Sprintf(`anycastdns_transfer_transfers_total{kind="%s",result="%s",zone="%s"}`, kind, result, origin)
}

// waitMetric polls the node's metrics until series reaches at least min, for at
// most limit.
func (s *served) waitMetric(t *testing.T, series string, min float64, limit time.Duration) {
	t.Helper()
	var v float64
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if v = s.metric(t, series); v >= min {
			return
		}
	}
	t.Fatalf("%s = %v after %v, want at least %v\nlogs:\n%s", series, v, limit, min, s.logs)
}

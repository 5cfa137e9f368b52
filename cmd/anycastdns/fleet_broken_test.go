package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// A primary that serves a broken version (CNAME and other data at one name,
// RFC 1034 section 3.6.2, which our checks reject as they would in a file):
// the old version keeps serving, and the failed transfer is counted.
func TestFleetBrokenVersionKeepsOld(t *testing.T) {
	const origin = "example.com."
	timers := fleetTimers{refresh: 2, retry: 2, expire: 86400}
	p := startFakePrimary(t, fleetZone(origin, 1, 10, timers))
	port, _ := nodePort(t)
	s := startFleetNode(t, port, fmt.Sprintf(`transfer: {state-dir: %q}
zones:
  - origin: %s
    primaries: [{address: "%s"}]
`, t.TempDir(), origin, p.addr))
	s.waitSerial(t, origin, 1, 20*time.Second)

	broken := fleetZone(origin, 2, 10, timers)
	broken.Text += "www CNAME ns\nwww A 192.0.2.80\n"
	p.set(t, broken)
	// The next refresh (2 s) brings the whole zone, which is rejected.
	s.waitMetric(t, transfers(origin, "axfr", "failure"), 1, 15*time.Second)
	if serial, err := s.soaSerial(t, "udp", origin); err != nil || serial != 1 {
		t.Errorf("after a broken version: serial %d, %v, want 1 (the old version)", serial, err)
	}
	r, err := s.ask(t, "v."+origin, dns.TypeTXT)
	if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "1" {
		t.Errorf("v.%s TXT after a broken version: %v, %v, want \"1\"", origin, r, err)
	}
	if !strings.Contains(s.logs.String(), "received version rejected; the old one keeps serving") {
		t.Errorf("logs: want the rejection in\n%s", s.logs)
	}
}

// fakePrimary is a primary in the test process (miekg/dns) serving one zone,
// unsigned, whole: it answers IXFR as AXFR (RFC 1995 section 4) and keeps no
// check of what it serves.
type fakePrimary struct {
	addr string
	mu   sync.Mutex
	rrs  []dns.RR
}

// startFakePrimary serves z on a free loopback port over UDP and TCP until the
// test ends.
func startFakePrimary(t *testing.T, z peers.Zone) *fakePrimary {
	t.Helper()
	p := &fakePrimary{}
	p.set(t, z)
	pc, l := testutil.ListenUDPTCP(t, "127.0.0.1")
	p.addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: p}, {Listener: l, Handler: p}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return p
}

// set replaces the zone served with the records of z.
func (p *fakePrimary) set(t *testing.T, z peers.Zone) {
	t.Helper()
	rrs := zoneRecords(t, z)
	p.mu.Lock()
	p.rrs = rrs
	p.mu.Unlock()
}

// ServeDNS answers the SOA, and AXFR and IXFR with the whole zone.
func (p *fakePrimary) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	p.mu.Lock()
	rrs := p.rrs
	p.mu.Unlock()
	m := new(dns.Msg).SetReply(q)
	m.Authoritative = true
	switch q.Question[0].Qtype {
	case dns.TypeSOA:
		m.Answer = rrs[:1]
	case dns.TypeAXFR, dns.TypeIXFR:
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			m.Truncated = true
			break
		}
		ch := make(chan *dns.Envelope, 1)
		ch <- &dns.Envelope{RR: append(append([]dns.RR(nil), rrs...), rrs[0])}
		close(ch)
		_ = new(dns.Transfer).Out(w, q, ch)
		return
	default:
		m.Rcode = dns.RcodeRefused
	}
	_ = w.WriteMsg(m)
}

package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/netutil"
)

const probeOrigin = "bench.example."

// lateZone answers SERVFAIL, not authoritative, until readyAt, and the SOA of
// probeOrigin authoritatively from then on: a server still loading its zone.
type lateZone struct{ readyAt time.Time }

func (z lateZone) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	if time.Now().Before(z.readyAt) {
		m.Rcode = dns.RcodeServerFailure
	} else {
		m.Authoritative = true
		soa, _ := dns.NewRR(probeOrigin + " 3600 IN SOA ns.bench.example. admin.bench.example. 1 3600 600 86400 300")
		m.Answer = []dns.RR{soa}
	}
	_ = w.WriteMsg(m)
}

// startLate serves lateZone on addr (host:port).
func startLate(addr string, readyAt time.Time) (*dns.Server, *net.UDPAddr, error) {
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, nil, err
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: lateZone{readyAt}, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	return srv, pc.LocalAddr().(*net.UDPAddr), nil
}

// serveLate serves lateZone on addr and stops it at the end of the test.
func serveLate(t *testing.T, addr string, readyAt time.Time) *net.UDPAddr {
	t.Helper()
	srv, a, err := startLate(addr, readyAt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return a
}

// TestAwaitSOA checks that the probe returns within about one interval of the first
// authoritative answer the server can give, and not before.
func TestAwaitSOA(t *testing.T) {
	for _, c := range []struct {
		name     string
		ready    time.Duration // after the probe starts
		interval time.Duration
		minLag   time.Duration // of the answer after ready
		maxLag   time.Duration
	}{
		{"ready at once", 0, time.Millisecond, 0, 50 * time.Millisecond},
		{"ready after 60 ms, 1 ms interval", 60 * time.Millisecond, time.Millisecond, 0, 50 * time.Millisecond},
		// The second query goes out 300 ms after the first: the interval sets the resolution.
		{"ready after 60 ms, 300 ms interval", 60 * time.Millisecond, 300 * time.Millisecond, 150 * time.Millisecond, time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			t0 := time.Now()
			ready := t0.Add(c.ready)
			addr := serveLate(t, "127.0.0.1:0", ready)
			at, err := awaitSOA(context.Background(), addr, probeOrigin, c.interval, t0.Add(10*time.Second), nil)
			if err != nil {
				t.Fatal(err)
			}
			if lag := at.Sub(ready); lag < c.minLag || lag > c.maxLag {
				t.Errorf("got the answer %v after the zone was ready, want %v to %v", lag, c.minLag, c.maxLag)
			}
		})
	}
}

// TestAwaitSOABindsLate starts the probe before anything listens on the port: the
// queries lost then must not stop it.
func TestAwaitSOABindsLate(t *testing.T) {
	port, err := netutil.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	type bound struct {
		srv *dns.Server
		at  time.Time
		err error
	}
	bindc := make(chan bound, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		at := time.Now()
		srv, _, err := startLate(addr.String(), at)
		bindc <- bound{srv, at, err}
	}()
	t0 := time.Now()
	at, err := awaitSOA(context.Background(), addr, probeOrigin, time.Millisecond, t0.Add(10*time.Second), nil)
	b := <-bindc
	if b.err != nil {
		t.Fatal(b.err)
	}
	t.Cleanup(func() { _ = b.srv.Shutdown() })
	if err != nil {
		t.Fatal(err)
	}
	if lag := at.Sub(b.at); lag < 0 || lag > 50*time.Millisecond {
		t.Errorf("got the answer %v after the server bound its port, want 0 to 50ms", lag)
	}
}

func TestAwaitSOAGivesUp(t *testing.T) {
	port, err := netutil.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	silent := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	exited := make(chan struct{})
	close(exited)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name   string
		addr   func(t *testing.T) *net.UDPAddr
		ctx    context.Context
		exited chan struct{}
		want   string
	}{
		{"never authoritative", func(t *testing.T) *net.UDPAddr { return serveLate(t, "127.0.0.1:0", time.Now().Add(time.Hour)) },
			context.Background(), nil, "last answer: rcode SERVFAIL, aa false, 0 answers"},
		{"nobody listening", func(*testing.T) *net.UDPAddr { return silent }, context.Background(), nil, "(no answer)"},
		{"process exited", func(*testing.T) *net.UDPAddr { return silent }, context.Background(), exited, errExited.Error()},
		{"canceled", func(*testing.T) *net.UDPAddr { return silent }, canceled, nil, context.Canceled.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			t0 := time.Now()
			_, err := awaitSOA(c.ctx, c.addr(t), probeOrigin, time.Millisecond, t0.Add(100*time.Millisecond), c.exited)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one containing %q", err, c.want)
			}
			if d := time.Since(t0); d > 2*time.Second {
				t.Errorf("gave up after %v, want about the 100ms deadline at most", d)
			}
			if c.exited != nil && !errors.Is(err, errExited) {
				t.Errorf("got %v, want errExited", err)
			}
		})
	}
}

func TestAnswersSOA(t *testing.T) {
	soa, err := dns.NewRR(probeOrigin + " 3600 IN SOA ns.bench.example. admin.bench.example. 1 3600 600 86400 300")
	if err != nil {
		t.Fatal(err)
	}
	msg := func(name string, rcode int, aa bool, answer ...dns.RR) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeSOA)
		m.Response, m.Rcode, m.Authoritative, m.Answer = true, rcode, aa, answer
		return m
	}
	for _, c := range []struct {
		name string
		m    *dns.Msg
		want bool
	}{
		{"authoritative SOA", msg(probeOrigin, dns.RcodeSuccess, true, soa), true},
		{"other case in the question", msg("Bench.EXAMPLE.", dns.RcodeSuccess, true, soa), true},
		{"not authoritative", msg(probeOrigin, dns.RcodeSuccess, false, soa), false},
		{"SERVFAIL while loading", msg(probeOrigin, dns.RcodeServerFailure, false), false},
		{"REFUSED: zone not served", msg(probeOrigin, dns.RcodeRefused, false), false},
		{"authoritative, no SOA", msg(probeOrigin, dns.RcodeSuccess, true), false},
		{"another zone's SOA", msg("other.example.", dns.RcodeSuccess, true, soa), false},
	} {
		if got := answersSOA(c.m, probeOrigin); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

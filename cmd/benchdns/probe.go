package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// probeInterval is how often the readiness probe sends its SOA query: the resolution of
// the load times.
const probeInterval = time.Millisecond

// errExited is awaitSOA's error when the server's process ended first.
var errExited = errors.New("exited before answering")

// awaitSOA sends an SOA query for origin to addr every interval, from one unconnected
// UDP socket and without waiting for answers, until the first authoritative answer with
// the SOA comes back, and returns the time it came. Queries sent before the server binds
// its socket are lost (the ICMP port unreachable is not reported on an unconnected
// socket); those sent while it binds but still loads wait in its socket buffer or get a
// non-authoritative answer. Either way the first authoritative answer comes within about
// one interval of the server being able to give it, and the probe costs the server at
// most one query per interval. It gives up at deadline, when ctx is done, or when
// exited is closed (errExited).
func awaitSOA(ctx context.Context, addr *net.UDPAddr, origin string, interval time.Duration, deadline time.Time, exited <-chan struct{}) (time.Time, error) {
	return awaitSOAWith(ctx, addr, origin, interval, deadline, exited, func(m *dns.Msg) bool { return answersSOA(m, origin) })
}

// awaitSerial is awaitSOA until the answer carries serial: the first answer with a new
// version of the zone, after a transfer.
func awaitSerial(ctx context.Context, addr *net.UDPAddr, origin string, serial uint32, interval time.Duration, deadline time.Time, exited <-chan struct{}) (time.Time, error) {
	return awaitSOAWith(ctx, addr, origin, interval, deadline, exited, func(m *dns.Msg) bool { return answersSerial(m, origin, serial) })
}

// awaitSOAWith is awaitSOA with the answer it waits for told by accept.
func awaitSOAWith(ctx context.Context, addr *net.UDPAddr, origin string, interval time.Duration, deadline time.Time, exited <-chan struct{}, accept func(*dns.Msg) bool) (time.Time, error) {
	q := new(dns.Msg)
	q.SetQuestion(origin, dns.TypeSOA)
	wire, err := q.Pack()
	if err != nil {
		return time.Time{}, err
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return time.Time{}, err
	}
	got := make(chan time.Time, 1)
	var last atomic.Pointer[string] // the last answer that would not do, for the error
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, dns.MaxMsgSize)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return // closed
			}
			at := time.Now()
			if from.Port != addr.Port || !from.IP.Equal(addr.IP) {
				continue
			}
			m := new(dns.Msg)
			if err := m.Unpack(buf[:n]); err != nil || m.Id != q.Id {
				continue
			}
			if accept(m) {
				got <- at
				return
			}
			s := fmt.Sprintf("rcode %s, aa %v, %d answers", dns.RcodeToString[m.Rcode], m.Authoritative, len(m.Answer))
			if serial, ok := soaSerial(m); ok {
				s += fmt.Sprintf(", serial %d", serial)
			}
			last.Store(&s)
		}
	})
	defer wg.Wait()
	defer conn.Close()

	tick := time.NewTicker(interval)
	defer tick.Stop()
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	for {
		if _, err := conn.WriteToUDP(wire, addr); err != nil {
			return time.Time{}, fmt.Errorf("send the %s SOA query: %v", origin, err)
		}
		select {
		case at := <-got:
			return at, nil
		case <-tick.C:
		case <-exited:
			return time.Time{}, errExited
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-timeout.C:
			lastAnswer := "no answer"
			if s := last.Load(); s != nil {
				lastAnswer = "last answer: " + *s
			}
			return time.Time{}, fmt.Errorf("no answer that would do to the %s SOA query by the deadline (%s)", origin, lastAnswer)
		}
	}
}

// answersSOA reports whether m is an authoritative answer with the SOA of origin: the
// zone is loaded and served (RFC 1035 section 4.1.1: AA is set by a server authoritative
// for the name in the question; names compare without regard to case, RFC 4343).
func answersSOA(m *dns.Msg, origin string) bool {
	if m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Question) != 1 || !strings.EqualFold(m.Question[0].Name, origin) {
		return false
	}
	for _, rr := range m.Answer {
		if rr.Header().Rrtype == dns.TypeSOA {
			return true
		}
	}
	return false
}

// answersSerial reports whether m is an authoritative answer with the SOA of origin
// (answersSOA) whose serial is serial: the version the primary serves (RFC 1982
// serial numbers compare equal only when they are the same number).
func answersSerial(m *dns.Msg, origin string, serial uint32) bool {
	got, ok := soaSerial(m)
	return ok && got == serial && answersSOA(m, origin)
}

// soaSerial returns the serial of the first SOA record in m's answer section.
func soaSerial(m *dns.Msg) (uint32, bool) {
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, true
		}
	}
	return 0, false
}

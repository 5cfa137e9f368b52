package lab

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// target is one anycast service address the client queries.
type target struct {
	family string // "IPv4" or "IPv6"
	addr   netip.AddrPort
}

// network is the Go network name of the target's address family.
func (tg target) network() string {
	if tg.addr.Addr().Is4() {
		return "udp4"
	}
	return "udp6"
}

// queries are the two questions the client alternates: the node's name (hostname.bind CH
// TXT, answered from the identity) and the zone's SOA with the NSID option (RFC 5001), whose
// answer names the node in the OPT record.
func queries(zone string) [2][]byte {
	id := new(dns.Msg)
	id.SetQuestion("hostname.bind.", dns.TypeTXT)
	id.Question[0].Qclass = dns.ClassCHAOS
	soa := new(dns.Msg)
	soa.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	soa.SetEdns0(1232, false)
	opt := soa.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	var out [2][]byte
	for i, m := range []*dns.Msg{id, soa} {
		b, err := m.Pack()
		if err != nil {
			panic(err) // constant messages: cannot fail
		}
		out[i] = b
	}
	return out
}

// answeringNode returns the identity in a response: the hostname.bind TXT string, or the
// NSID option's payload; "?" when a response names no node. A response that is not a
// correct answer (an error rcode, or an SOA answer without the AA bit or the SOA record,
// RFC 1034 4.3.2) is reported as "bad answer from NODE", so that it counts against the
// node rather than for it.
func answeringNode(m *dns.Msg) string {
	node := identity(m)
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 {
		return badAnswer + node
	}
	if len(m.Question) == 1 && m.Question[0].Qtype == dns.TypeSOA {
		if _, ok := m.Answer[0].(*dns.SOA); !ok || !m.Authoritative {
			return badAnswer + node
		}
	}
	return node
}

// identity returns the node named in a response.
func identity(m *dns.Msg) string {
	for _, rr := range m.Answer {
		if txt, ok := rr.(*dns.TXT); ok && rr.Header().Class == dns.ClassCHAOS {
			return strings.Join(txt.Txt, "")
		}
	}
	if opt := m.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if nsid, ok := o.(*dns.EDNS0_NSID); ok {
				if b, err := hex.DecodeString(nsid.Nsid); err == nil {
					return string(b)
				}
			}
		}
	}
	return "?"
}

// stream sends queries to one target at a fixed rate and records the answers.
type stream struct {
	tg      target
	pc      net.PacketConn
	queries [2][]byte
	mu      sync.Mutex
	samples []sample // index = query ID
}

// traffic is the client's load: one stream per target, all started and stopped together.
type traffic struct {
	cancel  context.CancelFunc
	timeout time.Duration
	streams []*stream
	wg      sync.WaitGroup
	once    sync.Once
	samples []sample
}

// startTraffic opens a socket in ns for each target and sends rate queries per second to
// each, alternating the two questions, for at most maxDur (and at most 65536 queries, so a
// query ID names one query). A query not answered within timeout counts as lost.
func startTraffic(ns netns, targets []target, zone string, rate int, maxDur, timeout time.Duration) (*traffic, error) {
	count := min(int(maxDur.Seconds()*float64(rate)), 1<<16)
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	tr := &traffic{cancel: cancel, timeout: timeout}
	for _, tg := range targets {
		pc, err := listenPacketIn(ns, tg.network(), ":0")
		if err == nil {
			err = timestamped(pc)
		}
		if err != nil {
			tr.close()
			cancel()
			return nil, fmt.Errorf("client socket in %s: %w", ns, err)
		}
		s := &stream{tg: tg, pc: pc, queries: queries(zone), samples: make([]sample, 0, count)}
		tr.streams = append(tr.streams, s)
	}
	interval := time.Second / time.Duration(rate)
	for _, s := range tr.streams {
		tr.wg.Add(2)
		go func() { defer tr.wg.Done(); s.send(ctx, interval, count) }()
		go func() { defer tr.wg.Done(); s.receive() }()
	}
	return tr, nil
}

// send writes up to count queries, one per interval, until ctx ends.
func (s *stream) send(ctx context.Context, interval time.Duration, count int) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	dst := net.UDPAddrFromAddrPort(s.tg.addr)
	buf := make([]byte, 512)
	for id := 0; id < count; id++ {
		q := s.queries[id%2]
		n := copy(buf, q)
		buf[0], buf[1] = byte(id>>8), byte(id)
		s.mu.Lock()
		s.samples = append(s.samples, sample{family: s.tg.family, sent: time.Now()})
		s.mu.Unlock()
		// A send error (no route yet, for instance) is a lost query like any other.
		_, _ = s.pc.WriteTo(buf[:n], dst)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// receive records answers until the socket is closed or its read deadline passes. Each
// answer's arrival time is the kernel's receive timestamp, so a client delayed by a busy
// machine still measures when the answer really came.
func (s *stream) receive() {
	buf := make([]byte, 2048)
	oob := make([]byte, 128)
	conn := s.pc.(*net.UDPConn)
	for {
		n, oobn, _, _, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			continue // e.g. an ICMP error reported on the socket
		}
		now := kernelTime(oob[:oobn])
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil || !m.Response {
			continue
		}
		s.mu.Lock()
		if id := int(m.Id); id < len(s.samples) && s.samples[id].node == "" {
			s.samples[id].node = answeringNode(m)
			s.samples[id].rtt = now.Sub(s.samples[id].sent)
		}
		s.mu.Unlock()
	}
}

// stop ends the sending, waits one timeout for the last answers, reads what the sockets
// hold, and returns every query sent; answers that came later than the timeout are
// counted as lost. Calls after the first return the same samples.
func (tr *traffic) stop() []sample {
	tr.once.Do(func() { tr.samples = tr.collect() })
	return tr.samples
}

func (tr *traffic) collect() []sample {
	tr.cancel()
	time.Sleep(tr.timeout)
	for _, s := range tr.streams {
		_ = s.pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	}
	tr.wg.Wait()
	tr.close()
	var out []sample
	for _, s := range tr.streams {
		for _, smp := range s.samples {
			if smp.node != "" && smp.rtt > tr.timeout {
				smp.node, smp.rtt = "", 0
			}
			out = append(out, smp)
		}
	}
	return out
}

func (tr *traffic) close() {
	for _, s := range tr.streams {
		_ = s.pc.Close()
	}
}

// timestamped asks the kernel to stamp every datagram the socket receives
// (SO_TIMESTAMPNS, socket(7)).
func timestamped(pc net.PacketConn) error {
	raw, err := pc.(*net.UDPConn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return err
	}
	return serr
}

// kernelTime returns the SCM_TIMESTAMPNS receive time in a datagram's control messages,
// or the current time when there is none.
func kernelTime(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Now()
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return time.Unix(sec, nsec)
		}
	}
	return time.Now()
}

// whoAnswers sends one hostname.bind query per target from ns and returns, per family,
// the node that answered within timeout ("" for none).
func whoAnswers(ns netns, targets []target, timeout time.Duration) (map[string]string, error) {
	out := map[string]string{}
	for _, tg := range targets {
		pc, err := listenPacketIn(ns, tg.network(), ":0")
		if err != nil {
			return nil, err
		}
		q := queries(zoneName)[0]
		_, _ = pc.WriteTo(q, net.UDPAddrFromAddrPort(tg.addr))
		_ = pc.SetReadDeadline(time.Now().Add(timeout))
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				break
			}
			m := new(dns.Msg)
			if m.Unpack(buf[:n]) == nil && m.Response {
				out[tg.family] = identity(m)
				break
			}
		}
		_ = pc.Close()
	}
	return out, nil
}

func TestAnsweringNode(t *testing.T) {
	qs := queries(zoneName)
	reply := func(q []byte, edit func(*dns.Msg)) *dns.Msg {
		req := new(dns.Msg)
		if err := req.Unpack(q); err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		m.SetReply(req)
		edit(m)
		return m
	}
	soa, err := dns.NewRR("example.org. 3600 IN SOA ns1.example.org. admin.example.org. 1 7200 3600 1209600 3600")
	if err != nil {
		t.Fatal(err)
	}
	nsid := func(m *dns.Msg) {
		m.SetEdns0(1232, false)
		m.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: hex.EncodeToString([]byte("pop-b"))}}
	}
	tests := []struct {
		name string
		msg  *dns.Msg
		want string
	}{
		{"hostname.bind", reply(qs[0], func(m *dns.Msg) {
			m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "hostname.bind.", Rrtype: dns.TypeTXT, Class: dns.ClassCHAOS}, Txt: []string{"pop-a"}}}
		}), "pop-a"},
		{"SOA with NSID", reply(qs[1], func(m *dns.Msg) { m.Authoritative = true; m.Answer = []dns.RR{soa}; nsid(m) }), "pop-b"},
		{"SOA without AA", reply(qs[1], func(m *dns.Msg) { m.Answer = []dns.RR{soa}; nsid(m) }), "bad answer from pop-b"},
		{"SERVFAIL", reply(qs[1], func(m *dns.Msg) { m.Rcode = dns.RcodeServerFailure; nsid(m) }), "bad answer from pop-b"},
		{"no identity", reply(qs[1], func(m *dns.Msg) { m.Authoritative = true; m.Answer = []dns.RR{soa} }), "?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := answeringNode(tc.msg); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

package transfer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// Default retries of a NOTIFY (RFC 1996 section 3.6: retransmitted until
// answered, with a bounded number of tries).
const (
	// DefaultNotifyTries is how many times a NOTIFY is sent to a target.
	DefaultNotifyTries = 5
	// DefaultNotifyRetry is how long the first try waits for the answer; each
	// next try waits twice as long.
	DefaultNotifyRetry = time.Second
)

// Notifier tells secondaries that a zone has a new version (NOTIFY out, RFC 1996),
// over UDP from a unicast source address (a reply to an anycast address would
// reach whichever node is nearest), signed with the target's TSIG key when it
// names one.
type Notifier struct {
	// Keys are the TSIG keys the targets name.
	Keys *Keyring
	// Source4 and Source6 are the unicast source addresses of NOTIFYs to IPv4
	// and IPv6 targets (zero: the kernel's choice).
	Source4, Source6 netip.Addr
	// Zone returns the version of origin serving, whose SOA goes in the answer
	// section when its serial is the one notified (RFC 1996 section 3.7); nil,
	// or another serial: no answer section.
	Zone func(origin string) *zone.Zone
	// Tries and Retry bound the tries per target (0: DefaultNotifyTries and
	// DefaultNotifyRetry).
	Tries int
	Retry time.Duration
	// Logger receives the log; nil logs nothing.
	Logger *zap.Logger
	// Metrics counts the NOTIFYs sent; nil counts nothing.
	Metrics *Metrics
}

// Notify sends a NOTIFY for serial of origin to every target at once, each
// retried (RFC 1996 section 3.6) until it is answered, the tries are spent or
// ctx ends; it returns when every target is done.
func (n *Notifier) Notify(ctx context.Context, origin string, serial uint32, targets []Remote) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := n.notifyOne(ctx, canonical(origin), serial, t)
			result := "answered"
			if err != nil {
				result = "failure"
				n.logger().Info("NOTIFY not answered", zap.String("zone", canonical(origin)),
					zap.Stringer("target", t.Addr), zap.Error(err))
			}
			n.Metrics.notify("out", result)
		}()
	}
	wg.Wait()
}

func (n *Notifier) logger() *zap.Logger {
	if n.Logger == nil {
		return zap.NewNop()
	}
	return n.Logger
}

// notifyOne sends the NOTIFY to t until answered.
func (n *Notifier) notifyOne(ctx context.Context, origin string, serial uint32, t Remote) error {
	m := n.message(origin, serial)
	var key Key
	if t.Key != "" {
		k, ok := n.Keys.Key(t.Key)
		if !ok {
			return fmt.Errorf("TSIG key %s is not defined", t.Key)
		}
		key = k
		m.SetTsig(key.Name, key.Algorithm, 300, 0)
	}
	var local *net.UDPAddr
	if src := n.source(t.Addr.Addr()); src.IsValid() {
		local = net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
	}
	conn, err := net.DialUDP("udp", local, net.UDPAddrFromAddrPort(t.Addr))
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	tries, wait := n.Tries, n.Retry
	if tries <= 0 {
		tries = DefaultNotifyTries
	}
	if wait <= 0 {
		wait = DefaultNotifyRetry
	}
	for range tries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Signed anew each try: the time in the TSIG must be current.
		wire, mac, err := n.pack(m, key)
		if err != nil {
			return err
		}
		if _, err := conn.Write(wire); err != nil {
			return err
		}
		r, err := readAnswer(conn, m, time.Now().Add(wait), key, mac)
		if err == nil {
			if r.Rcode != dns.RcodeSuccess {
				return fmt.Errorf("answered %s", dns.RcodeToString[r.Rcode])
			}
			return nil
		}
		if !errors.Is(err, errNoAnswer) {
			return err
		}
		wait *= 2
	}
	return fmt.Errorf("no answer after %d tries", tries)
}

// errNoAnswer: no reply to the NOTIFY came in time.
var errNoAnswer = errors.New("no answer")

// message is the NOTIFY for serial of origin (RFC 1996 section 3.6): opcode
// NOTIFY, AA, the zone's SOA as the question and, when we have it, the new SOA
// in the answer section.
func (n *Notifier) message(origin string, serial uint32) *dns.Msg {
	m := new(dns.Msg).SetNotify(origin)
	if n.Zone != nil {
		if z := n.Zone(origin); z != nil && z.Serial() == serial {
			m.Answer = []dns.RR{z.SOA()}
		}
	}
	return m
}

// pack packs m, signed with key when it has a name; it returns the MAC the reply
// covers.
func (n *Notifier) pack(m *dns.Msg, key Key) ([]byte, string, error) {
	if key.Name == "" {
		b, err := m.Pack()
		return b, "", err
	}
	m.Extra = []dns.RR{&dns.TSIG{
		Hdr:        dns.RR_Header{Name: key.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm:  key.Algorithm,
		Fudge:      300,
		TimeSigned: uint64(time.Now().Unix()),
		OrigId:     m.Id,
	}}
	return dns.TsigGenerate(m, key.Secret, "", false)
}

// readAnswer reads datagrams until the reply to m (the same ID and question, QR
// set) or the deadline; a signed request needs a reply signed with key covering
// mac (RFC 8945 section 5.3).
func readAnswer(conn *net.UDPConn, m *dns.Msg, deadline time.Time, key Key, mac string) (*dns.Msg, error) {
	conn.SetReadDeadline(deadline)
	buf := make([]byte, dns.MaxMsgSize)
	for {
		k, err := conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, errNoAnswer
			}
			return nil, err
		}
		r := new(dns.Msg)
		if r.Unpack(buf[:k]) != nil || !r.Response || r.Id != m.Id || len(r.Question) != 1 ||
			!sameQuestion(r.Question[0], m.Question[0]) {
			continue
		}
		if key.Name != "" {
			if r.IsTsig() == nil {
				return nil, errors.New("the reply is not signed")
			}
			if err := dns.TsigVerify(buf[:k], key.Secret, mac, false); err != nil {
				return nil, fmt.Errorf("the reply's TSIG: %w", err)
			}
		}
		return r, nil
	}
}

func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && canonical(a.Name) == canonical(b.Name)
}

// source returns the source address for a target at addr.
func (n *Notifier) source(addr netip.Addr) netip.Addr {
	if addr.Unmap().Is4() {
		return n.Source4
	}
	return n.Source6
}

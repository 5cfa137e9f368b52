package transfer

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Client asks primaries for zones: SOA checks over UDP (TCP when truncated), AXFR
// (RFC 5936) and IXFR (RFC 1995) over TCP, signed with TSIG (RFC 8945) when the
// remote names a key. Its zero value works: no keys, the kernel's source address,
// a 1 GiB cap and a 10 s timeout. A Client is safe for concurrent use.
type Client struct {
	// Keys holds the TSIG keys a Remote may name.
	Keys *Keyring
	// Source4 is the unicast address every connection to an IPv4 primary leaves
	// from (Knot's via, NSD's outgoing-interface); the zero Addr lets the kernel
	// choose. It must never be the anycast address: the reply would be routed to
	// whichever node of the fleet is nearest the primary.
	Source4 netip.Addr
	// Source6 is the same for IPv6 primaries.
	Source6 netip.Addr
	// MaxSize caps a transfer: one whose messages add up to more than this many
	// bytes fails (as Knot's zone-max-size). 0 means 1 GiB.
	MaxSize int64
	// Timeout bounds an SOA query, and the wait for each message of a transfer.
	// 0 means 10 s.
	Timeout time.Duration
}

// Remote is a primary, or a NOTIFY target: its address and the name of the TSIG
// key that signs what is sent to it ("" for none).
type Remote struct {
	Addr netip.AddrPort
	Key  string
}

// RcodeError is a primary's answer with an error rcode (REFUSED, NOTAUTH,
// SERVFAIL...): the zone is not given to us.
type RcodeError struct {
	Rcode int
}

// Error names the rcode.
func (e *RcodeError) Error() string {
	return "primary answered " + rcodeName(e.Rcode)
}

// TSIGError is a reply whose transaction signature is missing where RFC 8945
// section 5.3 requires one, does not verify, or carries a TSIG error (BADKEY,
// BADSIG, BADTIME): the reply is not to be trusted.
type TSIGError struct {
	Err string
}

// Error says what is wrong with the signature.
func (e *TSIGError) Error() string { return "tsig: " + e.Err }

func rcodeName(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rcode)
}

const (
	defaultMaxSize = 1 << 30
	defaultTimeout = 10 * time.Second
	// udpSize is the EDNS buffer size of the SOA queries, the value DNS Flag Day
	// 2020 settled on.
	udpSize = 1232
)

func (c *Client) timeout() time.Duration { return positiveOr(c.Timeout, defaultTimeout) }

func (c *Client) maxSize() int64 { return positiveOr(c.MaxSize, defaultMaxSize) }

// positiveOr is v when it is set (positive), else def: the default of a field
// whose zero value means "the default".
func positiveOr[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// dial connects to p over network ("udp" or "tcp") from the source address of
// p's family, so that the primary sees (and its ACL admits) our unicast address.
func (c *Client) dial(ctx context.Context, network string, p Remote) (net.Conn, error) {
	addr := netip.AddrPortFrom(p.Addr.Addr().Unmap(), p.Addr.Port())
	src := c.Source4
	if addr.Addr().Is6() {
		src = c.Source6
	}
	d := net.Dialer{Timeout: c.timeout()}
	if src.IsValid() {
		if network == "udp" {
			d.LocalAddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
		} else {
			d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
		}
	}
	return d.DialContext(ctx, network, addr.String())
}

// request is a query on its way: its wire form and what checks the replies.
type request struct {
	msg    *dns.Msg
	wire   []byte
	verify *tsigVerifier // nil when unsigned
}

// newRequest builds the query for origin's qtype to p: no recursion desired, EDNS
// with an empty EXPIRE option (RFC 7314 section 2, which a primary answers in
// SOA, AXFR and IXFR replies alike), ns in the authority section (IXFR, RFC 1995
// section 3), and a TSIG signature when p names a key (RFC 8945 section 5.1).
func (c *Client) newRequest(p Remote, origin string, qtype uint16, ns []dns.RR) (*request, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(origin), qtype)
	m.RecursionDesired = false
	m.Ns = ns
	m.SetEdns0(udpSize, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
	r := &request{msg: m}
	if p.Key == "" {
		wire, err := m.Pack()
		if err != nil {
			return nil, err
		}
		r.wire = wire
		return r, nil
	}
	key, ok := c.Keys.Key(p.Key)
	if !ok {
		return nil, fmt.Errorf("TSIG key %q is not defined", p.Key)
	}
	wire, mac, err := signQuery(m, key, time.Now())
	if err != nil {
		return nil, err
	}
	r.wire = wire
	r.verify = &tsigVerifier{key: key, mac: mac}
	return r, nil
}

// checkReply checks one reply message m (raw its wire form) to the request: the ID
// and question of the query (RFC 5936 section 2.2.1: a transfer's later messages
// may leave the question out, so only the first must hold it; error replies may
// too, as NSD's TSIG errors do), the rcode, and the signature. A TSIG error or a
// signature that does not verify comes before the rcode: a NOTAUTH carrying
// BADKEY is a TSIGError.
func (r *request) checkReply(raw []byte, m *dns.Msg, first bool) error {
	if m.Id != r.msg.Id || !m.Response || m.Opcode != dns.OpcodeQuery {
		return fmt.Errorf("reply ID %d (response %v, opcode %d) does not answer query ID %d", m.Id, m.Response, m.Opcode, r.msg.Id)
	}
	if len(m.Question) > 0 || (first && m.Rcode == dns.RcodeSuccess) {
		q := r.msg.Question[0]
		if len(m.Question) != 1 || !equalName(m.Question[0].Name, q.Name) ||
			m.Question[0].Qtype != q.Qtype || m.Question[0].Qclass != q.Qclass {
			return fmt.Errorf("reply's question %v is not the query's %v", m.Question, q)
		}
	}
	if r.verify != nil {
		if err := r.verify.check(raw, m); err != nil {
			return err
		}
	}
	if m.Rcode != dns.RcodeSuccess {
		return &RcodeError{Rcode: m.Rcode}
	}
	return nil
}

// expireOption returns the EDNS EXPIRE value of m (RFC 7314 section 3), if any.
func expireOption(m *dns.Msg) (uint32, bool) {
	opt := m.IsEdns0()
	if opt == nil {
		return 0, false
	}
	for _, o := range opt.Option {
		if e, ok := o.(*dns.EDNS0_EXPIRE); ok && !e.Empty {
			return e.Expire, true
		}
	}
	return 0, false
}

package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// SOAResult is a primary's answer to an SOA query: its SOA record, and the EDNS
// EXPIRE value (RFC 7314 section 3) when it sent one.
type SOAResult struct {
	SOA       *dns.SOA
	Expire    uint32
	HasExpire bool
}

// QuerySOA asks p for origin's SOA (the refresh check of RFC 1034 section 4.3.5)
// over UDP, and again over TCP when the reply is truncated or refused (with or
// without a signature): Knot answers queries to the catalog zones it generates only
// over TCP from addresses its transfer ACL allows, and an unsigned REFUSED to a
// signed query is not to be trusted anyway (RFC 8945 section 5.3). The reply must answer
// the query (ID, question), be authoritative, hold the SOA of origin, and be signed
// by p's key when there is one (RFC 8945 section 5.3). An error rcode is an
// *RcodeError, a bad or missing signature a *TSIGError.
func (c *Client) QuerySOA(ctx context.Context, p Remote, origin string) (SOAResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	origin = dns.Fqdn(origin)
	req, err := c.newRequest(p, origin, dns.TypeSOA, nil)
	if err != nil {
		return SOAResult{}, err
	}
	m, err := c.exchangeUDP(ctx, p, req)
	if (err == nil && m.Truncated) || refusedOverUDP(err) {
		if req, err = c.newRequest(p, origin, dns.TypeSOA, nil); err != nil {
			return SOAResult{}, err
		}
		m, err = c.exchangeTCP(ctx, p, req)
	}
	if err != nil {
		return SOAResult{}, fmt.Errorf("SOA query for %s to %s: %w", origin, p.Addr, err)
	}
	soa, err := answerSOA(m, origin)
	if err != nil {
		return SOAResult{}, fmt.Errorf("SOA query for %s to %s: %w", origin, p.Addr, err)
	}
	res := SOAResult{SOA: soa}
	res.Expire, res.HasExpire = expireOption(m)
	return res, nil
}

// refusedOverUDP reports whether err is a reply over UDP that TCP may answer: a
// REFUSED, or a reply whose signature does not verify.
func refusedOverUDP(err error) bool {
	var rcode *RcodeError
	var tsig *TSIGError
	return (errors.As(err, &rcode) && rcode.Rcode == dns.RcodeRefused) || errors.As(err, &tsig)
}

// answerSOA returns the SOA of origin in the authoritative answer m.
func answerSOA(m *dns.Msg, origin string) (*dns.SOA, error) {
	if !m.Authoritative {
		return nil, fmt.Errorf("the answer is not authoritative (AA clear): the primary does not serve the zone")
	}
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok && equalName(soa.Hdr.Name, origin) {
			return soa, nil
		}
	}
	return nil, fmt.Errorf("the answer holds no SOA record of %s", origin)
}

// exchangeUDP sends req to p from a socket bound to our source address and
// returns the reply. Datagrams that are not a reply to it (another ID, another
// question, not DNS) are dropped and the wait goes on, as RFC 5452 section 9.1
// asks of a resolver, until ctx ends.
func (c *Client) exchangeUDP(ctx context.Context, p Remote, req *request) (*dns.Msg, error) {
	conn, err := c.dial(ctx, "udp", p)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(req.wire); err != nil {
		return nil, err
	}
	buf := make([]byte, 0xffff)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		m := new(dns.Msg)
		if m.Unpack(buf[:n]) != nil || m.Id != req.msg.Id || !m.Response {
			continue
		}
		raw := append([]byte(nil), buf[:n]...)
		if err := req.checkReply(raw, m, true); err != nil {
			return nil, err
		}
		return m, nil
	}
}

// exchangeTCP sends req to p over TCP and returns the one reply.
func (c *Client) exchangeTCP(ctx context.Context, p Remote, req *request) (*dns.Msg, error) {
	s, err := c.openStream(ctx, p)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.send(req.wire); err != nil {
		return nil, err
	}
	raw, err := s.next()
	if err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	if err := m.Unpack(raw); err != nil {
		return nil, fmt.Errorf("reply: %v", err)
	}
	if err := req.checkReply(raw, m, true); err != nil {
		return nil, err
	}
	return m, nil
}

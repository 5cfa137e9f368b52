package transfer

import (
	"context"
	"fmt"
	"runtime"

	"github.com/miekg/dns"
)

// Received is what a transfer brought: a whole zone, the deltas from our version,
// or the news that we are up to date.
type Received struct {
	// Full is the whole zone, SOA first (an AXFR, or an IXFR answered AXFR-style,
	// RFC 1995 section 4); nil otherwise.
	Full []dns.RR
	// Diffs are the deltas of an incremental IXFR, oldest first.
	Diffs []diff
	// SOA is the SOA of the version received, or the primary's SOA when UpToDate.
	SOA *dns.SOA
	// UpToDate says the primary answered the IXFR with its SOA alone, not newer
	// than ours (RFC 1995 section 4).
	UpToDate bool
	// Expire and HasExpire are the EDNS EXPIRE option of the first message (RFC
	// 7314 section 3), when the primary sent one.
	Expire    uint32
	HasExpire bool
	// Bytes and Messages count the DNS messages of the transfer.
	Bytes, Messages int
}

// AXFR transfers origin from p over TCP (RFC 5936): many messages, the first
// record and the last the zone's SOA (section 2.2), every message checked against
// the query (ID, question, rcode) and p's TSIG key when there is one (RFC 8945
// section 5.3.1). The whole transfer is capped by MaxSize; each message must come
// within Timeout. An error rcode is an *RcodeError, a bad or missing signature a
// *TSIGError.
func (c *Client) AXFR(ctx context.Context, p Remote, origin string) (*Received, error) {
	origin = dns.Fqdn(origin)
	return c.transfer(ctx, p, origin, dns.TypeAXFR, nil, &axfrParser{origin: origin})
}

// xfrParser takes in the answer records of a transfer, in order, and says when
// the transfer is complete.
type xfrParser interface {
	// add takes the next record; done says it ended the transfer.
	add(rr dns.RR) (done bool, err error)
	// endMessage is called at the end of each message that did not end the
	// transfer; first says it was the first.
	endMessage(first bool) (done bool, err error)
	// fill writes the transfer's result into r once done.
	fill(r *Received)
}

// transfer sends the query for origin's qtype (ns in its authority section) to p
// over TCP and reads the reply messages into parser until it says they are done.
func (c *Client) transfer(ctx context.Context, p Remote, origin string, qtype uint16, ns []dns.RR, parser xfrParser) (*Received, error) {
	name := dns.TypeToString[qtype]
	wrap := func(err error) error { return fmt.Errorf("%s of %s from %s: %w", name, origin, p.Addr, err) }
	req, err := c.newRequest(p, origin, qtype, ns)
	if err != nil {
		return nil, wrap(err)
	}
	s, err := c.openStream(ctx, p)
	if err != nil {
		return nil, wrap(err)
	}
	defer s.close()
	if err := s.send(req.wire); err != nil {
		return nil, wrap(err)
	}
	r := new(Received)
	for first := true; ; first = false {
		done, err := c.readMessage(s, req, parser, first, r)
		if err != nil {
			return nil, wrap(fmt.Errorf("message %d: %w", s.messages, err))
		}
		if done {
			if err := req.verify.done(); err != nil {
				return nil, wrap(err)
			}
			parser.fill(r)
			r.Bytes, r.Messages = int(s.bytes), s.messages
			return r, nil
		}
		// A primary sends faster than the records unpack, so the next message
		// is always there: give the query path its turn between two (the Go
		// scheduler takes the processor back only after 10 ms).
		runtime.Gosched()
	}
}

// readMessage reads and checks the next message of s and hands its answer
// records to parser. Records after the one that ends the transfer are an error.
func (c *Client) readMessage(s *stream, req *request, parser xfrParser, first bool, r *Received) (bool, error) {
	raw, err := s.next()
	if err != nil {
		return false, err
	}
	m := new(dns.Msg)
	if err := m.Unpack(raw); err != nil {
		return false, err
	}
	if err := req.checkReply(raw, m, first); err != nil {
		return false, err
	}
	if first {
		r.Expire, r.HasExpire = expireOption(m)
	}
	done := false
	for i, rr := range m.Answer {
		if done {
			return false, fmt.Errorf("%d records after the closing SOA", len(m.Answer)-i)
		}
		if done, err = parser.add(rr); err != nil {
			return false, err
		}
	}
	if done {
		return true, nil
	}
	return parser.endMessage(first)
}

// axfrParser reads an AXFR answer (RFC 5936 section 2.2): the SOA, the zone's
// other records, the SOA again.
type axfrParser struct {
	origin string
	soa    *dns.SOA
	rrs    []dns.RR
}

func (a *axfrParser) add(rr dns.RR) (bool, error) {
	soa := apexSOA(rr, a.origin)
	if a.soa == nil {
		if soa == nil {
			return false, fmt.Errorf("the first record is %s, not the SOA of %s (RFC 5936 section 2.2)", rr.Header(), a.origin)
		}
		a.soa = soa
		a.rrs = []dns.RR{soa}
		return false, nil
	}
	if soa == nil {
		a.rrs = append(a.rrs, rr)
		return false, nil
	}
	if soa.Serial != a.soa.Serial || !dns.IsDuplicate(soa, a.soa) {
		return false, fmt.Errorf("SOA %s in the transfer differs from the first, %s", soa, a.soa)
	}
	return true, nil
}

func (a *axfrParser) endMessage(bool) (bool, error) {
	if a.soa == nil {
		return false, fmt.Errorf("the first message holds no SOA of %s (RFC 5936 section 2.2)", a.origin)
	}
	return false, nil
}

func (a *axfrParser) fill(r *Received) {
	r.Full, r.SOA = a.rrs, a.soa
}

// apexSOA returns rr when it is the SOA of origin.
func apexSOA(rr dns.RR, origin string) *dns.SOA {
	soa, ok := rr.(*dns.SOA)
	if !ok || !equalName(soa.Hdr.Name, origin) {
		return nil
	}
	return soa
}

// equalName compares two domain names without regard to case (RFC 4343).
func equalName(a, b string) bool {
	return dns.CanonicalName(a) == dns.CanonicalName(b)
}

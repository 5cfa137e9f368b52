package transfer

import (
	"slices"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
)

// maxXfrMessage is the largest message of a transfer: the TCP length prefix has
// 16 bits (RFC 1035 section 4.2.2).
const maxXfrMessage = 65535

// transfer answers an AXFR (RFC 5936) or IXFR (RFC 1995) request.
func (r *Responder) transfer(req *server.TransferRequest, m *dns.Msg, s *signer) {
	q := m.Question[0]
	kind := "axfr"
	if q.Qtype == dns.TypeIXFR {
		kind = "ixfr"
	}
	if q.Qtype == dns.TypeAXFR && !req.TCP {
		// AXFR over UDP is not defined (RFC 5936 section 4.2): refused, as
		// NSD does and as this server answered it before transfers existed.
		r.refuse(req, m, s, kind, dns.RcodeRefused, noEDE)
		return
	}
	origin := canonical(q.Name)
	z := r.cfg.Zone(origin)
	if z == nil || q.Qclass != dns.ClassINET {
		// Not a zone of ours: NOTAUTH, as Knot DNS answers (RFC 8906 section
		// 3.1.3 leaves the choice; RFC 5936 section 2.2.1 lists it).
		r.refuse(req, m, s, kind, dns.RcodeNotAuth, noEDE)
		return
	}
	pol, ok := r.cfg.Policy(origin)
	if !ok || !pol.AllowTransfer.Allows(req.Remote.Addr(), s.keyName()) {
		// RFC 5936 section 2.2.1 and 4.2: a transfer not allowed is REFUSED;
		// policy prohibits it (RFC 8914 section 4.19).
		r.log.Info("transfer refused", zap.String("zone", origin), zap.String("kind", kind),
			zap.Stringer("from", req.Remote), zap.String("key", s.keyName()))
		r.refuse(req, m, s, kind, dns.RcodeRefused, int(dns.ExtendedErrorCodeProhibited))
		return
	}
	var body []dns.RR
	if q.Qtype == dns.TypeAXFR {
		body = axfrBody(z)
	} else {
		var ok bool
		if body, ok = r.ixfrBody(req, m, z); !ok {
			r.refuse(req, m, s, kind, dns.RcodeFormatError, noEDE)
			return
		}
	}
	if err := r.stream(req, m, s, body, r.expireOption(m, z)); err != nil {
		r.log.Info("transfer cut", zap.String("zone", origin), zap.String("kind", kind),
			zap.Stringer("to", req.Remote), zap.Error(err))
		r.cfg.Metrics.servedOut(kind, "failure")
		return
	}
	r.cfg.Metrics.servedOut(kind, "success")
}

// refuse answers a transfer request with rcode and no records (the error ends
// the transfer, RFC 5936 section 2.2). A request with EDNS gets an OPT record
// (RFC 6891 section 6.1.1), with the Extended DNS Error ede unless it is noEDE
// (RFC 8914 section 3).
func (r *Responder) refuse(req *server.TransferRequest, m *dns.Msg, s *signer, kind string, rcode, ede int) {
	r.cfg.Metrics.servedOut(kind, "refused")
	out := reply(m, rcode)
	if m.IsEdns0() != nil {
		out.SetEdns0(1232, false)
		if ede != noEDE {
			opt := out.IsEdns0()
			opt.Option = append(opt.Option, &dns.EDNS0_EDE{InfoCode: uint16(ede)})
		}
	}
	r.send(req, s, out)
}

// noEDE is the ede of refuse for a reply without an Extended DNS Error.
const noEDE = -1

// axfrBody is the AXFR answer (RFC 5936 section 2.2): the SOA, every other
// record, the SOA again.
func axfrBody(z *zone.Zone) []dns.RR {
	recs := z.Records()
	return append(recs[:len(recs):len(recs)], z.SOA())
}

// ixfrBody is the IXFR answer to m (RFC 1995 section 4), or false when m has no
// SOA in its authority section (RFC 1995 section 3), which is FORMERR.
func (r *Responder) ixfrBody(req *server.TransferRequest, m *dns.Msg, z *zone.Zone) ([]dns.RR, bool) {
	if len(m.Ns) == 0 {
		return nil, false
	}
	have, ok := m.Ns[0].(*dns.SOA)
	if !ok {
		return nil, false
	}
	soa := z.SOA()
	if !serialNewer(soa.Serial, have.Serial) || !req.TCP {
		// The client is up to date (RFC 1995 section 2: its serial is equal
		// or newer, RFC 1982), or asked over UDP: the single SOA, which over UDP
		// tells the client to ask again over TCP (RFC 1995 section 2).
		return []dns.RR{soa}, true
	}
	if diffs, ok := r.cfg.Journal.chainTo(z.Origin(), have.Serial, soa.Serial); ok {
		// RFC 1995 section 4: the new SOA, then each delta as the old SOA and
		// the records removed, the new SOA and the records added; the new SOA
		// ends it.
		body := []dns.RR{soa}
		for _, d := range diffs {
			body = append(body, d.Removed...)
			body = append(body, d.Added...)
		}
		return append(body, soa), true
	}
	// The journal does not reach back to the client's version: the whole zone,
	// as AXFR sends it (RFC 1995 section 4).
	return axfrBody(z), true
}

// chainTo returns the deltas of origin from serial from to serial to, when the
// journal (which may be nil) has them all.
func (j *Journal) chainTo(origin string, from, to uint32) ([]zone.Diff, bool) {
	if j == nil {
		return nil, false
	}
	diffs, ok := j.Since(origin, from)
	if !ok || len(diffs) == 0 {
		return nil, false
	}
	if _, last, _ := diffSerials(diffs[len(diffs)-1]); last != to {
		return nil, false
	}
	return diffs, true
}

// stream sends body as the answer section of as many messages as it takes,
// each as full as fits in a TCP message, with name compression, the question
// echoed and every message signed when the request was (RFC 5936 section 2.2,
// RFC 8945 section 5.3.1). Over UDP only the first message is sent, which then
// holds what fits (the single SOA of an IXFR).
// expire, when not nil, goes in the OPT record of every message.
func (r *Responder) stream(req *server.TransferRequest, m *dns.Msg, s *signer, body []dns.RR, expire *dns.EDNS0_EXPIRE) error {
	limit := maxXfrMessage - s.overhead()
	if !req.TCP {
		limit = udpLimit(m) - s.overhead()
	}
	opt := m.IsEdns0()
	for len(body) > 0 {
		out := reply(m, dns.RcodeSuccess)
		out.Authoritative = true
		if opt != nil {
			// RFC 6891 section 6.1.1: an OPT in the reply when the query had one.
			out.SetEdns0(1232, false)
			if expire != nil {
				o := out.IsEdns0()
				o.Option = append(o.Option, expire)
			}
		}
		n := fill(out, body, limit)
		if err := r.send(req, s, out); err != nil {
			return err
		}
		body = body[n:]
		if !req.TCP {
			break
		}
	}
	return nil
}

// fill puts into out's answer section as many records from the front of rrs as
// fit in limit octets, at least one, and returns how many. It adds records by
// their uncompressed size and measures the compressed message only when that
// sum passes the limit, so that a message takes a few measures, not one per
// record.
func fill(out *dns.Msg, rrs []dns.RR, limit int) int {
	size := out.Len()
	n := 0
	for n < len(rrs) {
		l := dns.Len(rrs[n])
		if size+l > limit {
			out.Answer = rrs[:n:n]
			size = out.Len()
			if size+l > limit {
				out.Answer = rrs[: n+1 : n+1]
				if n == 0 || out.Len() <= limit {
					n++
				}
				break
			}
		}
		size += l
		n++
	}
	out.Answer = rrs[:n:n]
	return n
}

// expireOption returns the EXPIRE option of the replies to m, a transfer request
// of z, when m asked for it (RFC 7314 section 3: the primary's SOA EXPIRE, or a
// secondary's remaining time); nil otherwise.
func (r *Responder) expireOption(m *dns.Msg, z *zone.Zone) *dns.EDNS0_EXPIRE {
	opt := m.IsEdns0()
	if opt == nil || !slices.ContainsFunc(opt.Option, func(o dns.EDNS0) bool { return o.Option() == dns.EDNS0EXPIRE }) {
		return nil
	}
	v := z.SOA().Expire
	if r.cfg.Expire != nil {
		v = r.cfg.Expire(z)
	}
	return &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Expire: v}
}

package server

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// respond answers the DNS message msg received over t from the client address
// from, packing the reply into dst (or into a new buffer when dst is too small)
// and returning it, or nil when no reply may be sent (or rate limiting, rrl.go,
// drops it). It does no I/O: the UDP and
// TCP loops and the fuzz target share it. sc.res describes the reply afterwards.
func (s *Server) respond(sc *scratch, dst, msg []byte, t transport, from netip.Addr) []byte {
	var q query
	err := parseQuery(msg, &q, sc.qname[:0])
	sc.handoff = false
	if err == errNoReply {
		// QR set or no header: never answer (loops, amplification).
		return nil
	}
	if err == nil && s.transfers != nil && !sc.noHandoff && handsOver(&q) {
		// Zone transfers, NOTIFY and signed messages are the transfer side's
		// (transfers.go): the caller hands the message over.
		sc.res = result{qtype: q.qtype, zone: "none"}
		sc.handoff = true
		return nil
	}
	cookie := cookieNone
	if err == nil {
		cookie = s.cookieFor(sc, &q, from)
	}
	if err == nil && !s.slowOnly && fastEligible(&q) {
		sc.res = result{qtype: q.qtype, zone: "none", cookie: cookie}
		if out, ok := s.respondFast(sc, dst, &q, t); ok {
			if r := s.limiter(sc, t); r != nil {
				out = s.rateLimit(r, sc, out, &q, len(msg), from)
			}
			return out
		}
	}
	sc.reset()
	m := &sc.msg
	m.Id = q.id
	m.Response = true
	m.Opcode = q.opcode
	// RD is copied and RA never set: we do not recurse (RFC 1035 section 4.1.1).
	m.RecursionDesired = q.rd
	// A name server copies CD from the query (RFC 4035 section 3.1.6).
	m.CheckingDisabled = q.cd
	sc.res = result{qtype: q.qtype, zone: "none", cookie: cookie}

	var rcode int
	var nsid *identity // the identity whose NSID the reply carries, if asked
	switch {
	case err != nil:
		// The header parsed, the rest did not (RFC 1035 section 4.1.1). The OPT is
		// kept if one was read: RFC 6891 section 7.
		rcode = dns.RcodeFormatError
	case q.edns && q.version > 0:
		// RFC 6891 section 6.1.3: BADVERS with the highest version we implement (0).
		rcode = dns.RcodeBadVers
		s.setQuestion(sc, &q)
	case q.cookieBad:
		// A COOKIE option of a size no cookie has is FORMERR (RFC 7873 section
		// 5.2.2), with the question and the OPT (RFC 6891 section 7).
		rcode = dns.RcodeFormatError
		s.setQuestion(sc, &q)
	case q.opcode != dns.OpcodeQuery:
		// Unknown opcodes get NOTIMP (RFC 1035 section 4.1.1, RFC 8906 sections
		// 3.1.4 and 7); the header is all a new opcode promises to share.
		rcode = dns.RcodeNotImplemented
		s.setQuestion(sc, &q)
	case q.qdcount != 1:
		// A standard query has exactly one question (RFC 9619); others are FORMERR,
		// with the OPT kept (RFC 6891 section 7).
		rcode = dns.RcodeFormatError
	default:
		s.setQuestion(sc, &q)
		// One identity for the whole reply (its CHAOS answer and its NSID): a
		// reload may swap it meanwhile.
		id := s.id.Load()
		rcode = s.answer(sc, &q, id)
		if q.nsid {
			nsid = id
		}
	}
	out := s.finish(sc, dst, &q, rcode, nsid, t)
	if r := s.limiter(sc, t); out != nil && r != nil {
		out = s.rateLimit(r, sc, out, &q, len(msg), from)
	}
	return out
}

// limiter returns the Response Rate Limiting (rrl.go) that applies to the reply
// being written over t, or nil: over UDP alone, and once per query, not to the
// same reply cut again for the MTU. The caller hands it to rateLimit, so that a
// reload swapping the limiter meanwhile is seen once.
func (s *Server) limiter(sc *scratch, t transport) *rateLimiter {
	if t != udp || sc.mtuRetry {
		return nil
	}
	return s.rrl.Load()
}

// setQuestion echoes the question. It is packed lower-cased, so that names of the
// zone (lower-case as a rule) compress against it whatever the client's case;
// restoreCase then writes the client's case back into the packed question. Every
// name compressed against the question then shows the client's case too, as
// with Knot DNS and NSD, and the reply is as small as theirs.
func (s *Server) setQuestion(sc *scratch, q *query) {
	if q.qdcount != 1 {
		return
	}
	sc.question[0] = dns.Question{Name: strings.ToLower(q.qname), Qtype: q.qtype, Qclass: q.qclass}
	sc.msg.Question = sc.question[:]
}

// restoreCase copies the question name of the query, in the client's case, over
// the lower-cased one packed in out (RFC 4343 section 4.1: the case of the query
// name is preserved in the reply). The two are the same but for ASCII case unless
// the query compressed its own question name, which is then left lower-cased.
func restoreCase(out []byte, q *query) {
	end := headerLen + len(q.qwire)
	if len(q.qwire) == 0 || len(out) < end || !foldEqual(out[headerLen:end], q.qwire) {
		return
	}
	copy(out[headerLen:end], q.qwire)
}

// answer fills the sections for a standard query with one question, the CHAOS
// identity names from id, and returns the rcode.
func (s *Server) answer(sc *scratch, q *query, id *identity) int {
	switch q.qclass {
	case dns.ClassCHAOS:
		// The identity names (RFC 4892) are ours; everything else in CHAOS is not.
		rr, ede := id.chaos(q.qname, q.qtype)
		if rr == nil {
			sc.setEDE(ede)
			return dns.RcodeRefused
		}
		sc.msg.Authoritative = true
		sc.an.addRR(rr)
		return dns.RcodeSuccess
	case dns.ClassINET, dns.ClassANY:
		// QCLASS * (RFC 1035 section 3.2.5) matches our class IN data, as Knot
		// DNS answers it.
	default:
		// We serve class IN only: a question in another class is refused for
		// policy reasons (RFC 1035 section 4.1.1), as Knot DNS and NSD do; the
		// class is not supported (RFC 8914 section 4.22).
		sc.setEDE(edeNotSupported)
		return dns.RcodeRefused
	}
	rcode, ede, found := s.lookup(sc, q)
	// A refusal, or a zone without data, says why (RFC 8914 section 3).
	sc.setEDE(ede)
	if !found {
		return rcode
	}
	a := &sc.ans
	// AA is the lookup's: set for the zone's data, clear for a referral (RFC 1034
	// section 4.3.2 step 3b).
	sc.msg.Authoritative = a.Authoritative
	// RRSIGs follow the records only when the client set DO (RFC 3225 section 3,
	// RFC 4035 section 3.1.1).
	for _, r := range a.Answer {
		sc.an.add(r, q.do)
	}
	for _, r := range a.Authority {
		sc.ns.add(r, q.do)
	}
	// In-domain glue goes first: it must be in the reply or TC set (RFC 9471
	// section 3), while other additional data, sibling glue included, is dropped
	// first when the reply is too large (RFC 9471 section 4.1), as Knot DNS does.
	for _, r := range a.Additional {
		if r.Glue {
			sc.ex.add(r, q.do)
		}
	}
	for _, r := range a.Additional {
		if !r.Glue {
			sc.ex.add(r, q.do)
		}
	}
	return a.Rcode
}

// finish sets the rcode and the OPT record, with the NSID of nsid when not nil, and
// packs the reply within the size limit of t.
func (s *Server) finish(sc *scratch, dst []byte, q *query, rcode int, nsid *identity, t transport) []byte {
	m := &sc.msg
	m.Rcode = rcode
	sc.res.rcode = rcode
	limit := s.replyLimit(sc, q, t)
	var opt *dns.OPT
	if q.edns {
		// RFC 6891 section 6.1.1: an OPT in the reply only when the query had one.
		opt = &sc.opt
		opt.Hdr = dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT, Class: s.cfg.UDPSize}
		// Version 0, flags clear except DO, copied back (RFC 3225 section 3).
		// The extended rcode bits are set by the packer from m.Rcode.
		opt.SetDo(q.do)
		opt.Option = opt.Option[:0]
		if sc.res.cookie.answered() {
			sc.cookieOpt = dns.EDNS0_LOCAL{Code: dns.EDNS0COOKIE, Data: sc.cookie[:]}
			opt.Option = append(opt.Option, &sc.cookieOpt)
		}
		if nsid != nil && nsid.nsid != nil {
			opt.Option = append(opt.Option, nsid.nsid)
		}
		// An Extended DNS Error travels in the OPT, so only to a client that sent
		// one (RFC 8914 section 3); the rcode alone tells the others.
		if sc.hasEDE {
			opt.Option = append(opt.Option, &sc.ede)
		}
		if sc.hasExpire {
			opt.Option = append(opt.Option, &sc.expire)
		}
	}
	out, err := s.pack(sc, dst, opt, limit)
	if err != nil {
		// A record that does not pack (a synthesized name too long, say) is a
		// server failure; answer with the question only.
		sc.an.reset()
		sc.ns.reset()
		sc.ex.reset()
		m.Authoritative, m.Truncated = false, false
		m.Rcode = dns.RcodeServerFailure
		sc.res.rcode = dns.RcodeServerFailure
		if out, err = s.pack(sc, dst, opt, limit); err != nil {
			return nil
		}
	}
	if len(m.Question) == 1 {
		restoreCase(out, q)
	}
	return out
}

// replyLimit returns the largest reply to q over t: 65535 over TCP; over UDP 512
// without EDNS (RFC 1035 section 4.2.1), else the smaller of the requestor's size and
// ours, never less than 512 (RFC 6891 sections 6.2.3 and 6.2.5).
func (s *Server) replyLimit(sc *scratch, q *query, t transport) int {
	switch {
	case t != udp:
		return maxTCPMessage
	case sc.mtuRetry:
		// The reply at the usual limit did not fit the interface MTU (see
		// sendTooBig): this time it is cut to the size every path carries.
		return minUDPSize
	case q.edns:
		return max(minUDPSize, int(min(q.udpSize, s.cfg.UDPSize)))
	default:
		return minUDPSize
	}
}

// lookup answers a query in class IN (or *) from the zones: it returns found with
// sc.ans filled and sc.res.zone set when a zone answered, or the rcode of a
// refusal; ede is the reply's Extended DNS Error (ede.go), or noEDE. Both reply
// writers share it, so they decide alike.
func (s *Server) lookup(sc *scratch, q *query) (rcode, ede int, found bool) {
	if q.qtype == dns.TypeAXFR || q.qtype == dns.TypeIXFR {
		// No zone transfer is allowed yet, so every AXFR and IXFR is refused for
		// policy reasons (RFC 1035 section 4.1.1), with no records: the error rcode
		// ends the transfer (RFC 5936 section 2.2). AXFR over UDP is not defined
		// at all (RFC 5936 section 4.2). Knot DNS 3.2 without a transfer ACL
		// answers NOTAUTH over TCP and NOTIMP for AXFR over UDP; REFUSED is what
		// BIND and NSD answer and what clients report as "transfer refused";
		// policy prohibits it (RFC 8914 section 4.19).
		return dns.RcodeRefused, edeProhibited, false
	}
	var z *zone.Zone
	if set := s.zones.Current(); set != nil {
		z = set.Find(q.qname, q.qtype)
	}
	if z == nil {
		// Not a name of our zones: an authoritative-only server does not recurse
		// (RFC 1034 section 4.3.2 step 2) and refuses (RFC 1035 section 4.1.1),
		// not authoritative for it (RFC 8914 section 4.21), as Knot DNS says.
		return dns.RcodeRefused, edeNotAuthoritative, false
	}
	sc.res.zone = z.Origin()
	if q.expire {
		// RFC 7314 section 3: how long this copy of the zone stays valid here, in
		// every reply from the zone, as Knot DNS answers.
		sc.expire = dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Expire: s.zoneExpire(z)}
		sc.hasExpire = true
	}
	if q.do {
		// A resolver that set DO gets the proofs of a signed zone (RFC 4035
		// section 3.1); the writers add the RRSIGs of every RRset.
		z.LookupDNSSEC(q.qname, q.qtype, &sc.ans)
	} else {
		z.Lookup(q.qname, q.qtype, &sc.ans)
	}
	return sc.ans.Rcode, int(sc.ans.EDE), true
}

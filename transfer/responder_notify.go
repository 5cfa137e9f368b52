package transfer

import (
	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
)

// notify answers a NOTIFY (RFC 1996 section 3.7 and 4.7).
func (r *Responder) notify(req *server.TransferRequest, m *dns.Msg, s *signer) {
	q := m.Question[0]
	if q.Qtype != dns.TypeSOA || !m.Authoritative {
		// RFC 1996 section 3.7: a NOTIFY names the zone's SOA and is
		// authoritative; Knot DNS answers others FORMERR.
		r.notified("refused")
		r.replyRcode(req, m, s, dns.RcodeFormatError)
		return
	}
	origin := canonical(q.Name)
	pol, ok := r.cfg.Policy(origin)
	if !ok {
		// Not a zone of ours: NOTAUTH, as Knot DNS and NSD answer.
		r.notified("refused")
		r.replyRcode(req, m, s, dns.RcodeNotAuth)
		return
	}
	key := s.keyName()
	if !pol.AllowNotify.Allows(req.Remote.Addr(), key) {
		// RFC 1996 section 3.10 asks the source to be checked; one not allowed
		// is REFUSED, as NSD and BIND answer.
		r.log.Info("NOTIFY refused", zap.String("zone", origin), zap.Stringer("from", req.Remote), zap.String("key", key))
		r.notified("refused")
		r.replyRcode(req, m, s, dns.RcodeRefused)
		return
	}
	serial, has := notifySerial(m, origin)
	if r.cfg.OnNotify == nil || !r.cfg.OnNotify(origin, req.Remote, key, serial, has) {
		r.notified("refused")
		r.replyRcode(req, m, s, dns.RcodeNotAuth)
		return
	}
	r.notified("accepted")
	// RFC 1996 section 4.7: the reply echoes the question, with AA and no data.
	out := reply(m, dns.RcodeSuccess)
	out.Authoritative = true
	r.send(req, s, out)
}

// notifySerial returns the serial of the zone's SOA in the answer section of m,
// an unsecured hint (RFC 1996 section 3.7), when there is one.
func notifySerial(m *dns.Msg, origin string) (uint32, bool) {
	for _, rr := range m.Answer {
		if soa, ok := rr.(*dns.SOA); ok && canonical(soa.Hdr.Name) == origin {
			return soa.Serial, true
		}
	}
	return 0, false
}

// notified counts a NOTIFY received with its result.
func (r *Responder) notified(result string) { r.cfg.Metrics.notify("in", result) }

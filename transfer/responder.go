package transfer

import (
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
)

// Policy is who may do what with one zone.
type Policy struct {
	// AllowTransfer admits AXFR and IXFR requests (RFC 5936 section 6).
	AllowTransfer ACL
	// AllowNotify admits NOTIFY messages (RFC 1996 section 3.10).
	AllowNotify ACL
}

// ResponderConfig is what a Responder serves from.
type ResponderConfig struct {
	// Keys are the TSIG keys signed messages are checked against.
	Keys *Keyring
	// Zone returns the version of origin serving, or nil when origin is not a
	// zone of ours (or has no data yet).
	Zone func(origin string) *zone.Zone
	// Policy returns the policy of origin, and false when origin is not ours.
	Policy func(origin string) (Policy, bool)
	// Journal holds the deltas IXFR is answered from; nil: every IXFR of an
	// older serial gets the whole zone.
	Journal *Journal
	// OnNotify is told of each admitted NOTIFY: the zone, who sent it, the key
	// that signed it ("" for none) and the serial of the SOA in its answer
	// section when there is one. It returns false when origin is not a
	// secondary zone of ours. Nil: every NOTIFY is answered NOTAUTH.
	OnNotify func(origin string, from netip.AddrPort, key string, serial uint32, hasSerial bool) bool
	// Expire returns the value of the EDNS EXPIRE option (RFC 7314 section 3)
	// for z, given in every message of a transfer whose request asked: the
	// seconds until this node's copy expires for a secondary zone. Nil: the SOA
	// EXPIRE field, a primary's value.
	Expire func(z *zone.Zone) uint32
	// Now is the time TSIG signatures are checked and made with (nil: time.Now).
	Now func() time.Time
	// Metrics counts the transfers served and the NOTIFYs received; nil counts
	// nothing.
	Metrics *Metrics
	// Logger receives the log; nil logs nothing.
	Logger *zap.Logger
}

// Responder is the primary side of zone transfers: it serves AXFR (RFC 5936) and
// IXFR (RFC 1995) to the clients a zone's policy admits, receives NOTIFY (RFC 1996),
// and checks and makes the TSIG signatures (RFC 8945) of every message it is
// handed, signed standard queries included. It implements server.Transfers.
type Responder struct {
	cfg ResponderConfig
	log *zap.Logger
}

var _ server.Transfers = (*Responder)(nil)

// NewResponder returns a Responder serving from cfg.
func NewResponder(cfg ResponderConfig) *Responder {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Responder{cfg: cfg, log: log}
}

// ServeTransfer answers a NOTIFY, a zone transfer request or a signed message.
func (r *Responder) ServeTransfer(req *server.TransferRequest) {
	m := new(dns.Msg)
	if err := m.Unpack(req.Msg); err != nil || len(m.Question) != 1 {
		// RFC 1035 section 4.1.1; one question only (RFC 9619).
		r.formErr(req)
		return
	}
	s, ok := r.verify(req, m)
	if !ok {
		// Answered NOTAUTH with the TSIG error (RFC 8945 section 5.2), a
		// NOTIFY counted as refused.
		return
	}
	q := m.Question[0]
	switch {
	case m.Opcode == dns.OpcodeNotify:
		r.notify(req, m, s)
	case m.Opcode == dns.OpcodeQuery && (q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR):
		r.transfer(req, m, s)
	default:
		r.answerSigned(req, m, s)
	}
}

// formErr answers a message that does not parse with its header and FORMERR
// (RFC 1035 section 4.1.1).
func (r *Responder) formErr(req *server.TransferRequest) {
	if len(req.Msg) < 12 {
		return
	}
	m := new(dns.Msg)
	m.Id = uint16(req.Msg[0])<<8 | uint16(req.Msg[1])
	m.Opcode = int(req.Msg[2]>>3) & 0xF
	m.Response = true
	m.Rcode = dns.RcodeFormatError
	if b, err := m.Pack(); err == nil {
		req.Reply(b)
	}
}

// reply returns the header of the reply to m with rcode, the question echoed.
func reply(m *dns.Msg, rcode int) *dns.Msg {
	out := new(dns.Msg)
	out.SetReply(m)
	out.Rcode = rcode
	out.Compress = true
	return out
}

// replyRcode sends the reply to m with rcode and no records, signed as s says.
func (r *Responder) replyRcode(req *server.TransferRequest, m *dns.Msg, s *signer, rcode int) {
	r.send(req, s, reply(m, rcode))
}

// send signs out as s says and sends it; it returns the error of either.
func (r *Responder) send(req *server.TransferRequest, s *signer, out *dns.Msg) error {
	b, err := s.sign(out)
	if err != nil {
		r.log.Warn("reply does not pack", zap.Error(err))
		return err
	}
	return req.Reply(b)
}

// answerSigned answers a signed standard query (or a signed message of another
// opcode) as the server answers it unsigned, then signs the reply (RFC 8945
// section 5.3). A UDP reply the signature makes too large for the client is
// sent truncated instead (RFC 8945 section 5.3: TC and the records dropped).
func (r *Responder) answerSigned(req *server.TransferRequest, m *dns.Msg, s *signer) {
	m.Extra = m.Extra[:len(m.Extra)-1]
	b, err := m.Pack()
	if err != nil {
		r.formErr(req)
		return
	}
	raw := req.Answer(b)
	if raw == nil {
		return
	}
	out := new(dns.Msg)
	if err := out.Unpack(raw); err != nil {
		return
	}
	if !req.TCP && out.Len()+s.overhead() > udpLimit(m) {
		out.Truncated = true
		out.Answer, out.Ns = nil, nil
		out.Extra = onlyType(out.Extra, dns.TypeOPT)
	}
	signed, err := s.sign(out)
	if err != nil {
		return
	}
	req.Reply(signed)
}

// udpLimit is the largest UDP reply to m: its EDNS payload size, at least 512
// (RFC 6891 section 6.2.5), or 512 without EDNS (RFC 1035 section 4.2.1).
func udpLimit(m *dns.Msg) int {
	if opt := m.IsEdns0(); opt != nil {
		return max(512, int(opt.UDPSize()))
	}
	return 512
}

// onlyType returns the records of rrs of type keep.
func onlyType(rrs []dns.RR, keep uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == keep {
			out = append(out, rr)
		}
	}
	return out
}

// canonical returns name as the zones are keyed: lower-case, fully qualified.
func canonical(name string) string { return strings.ToLower(dns.Fqdn(name)) }

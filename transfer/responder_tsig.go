package transfer

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
)

// signer signs the replies to one request as RFC 8945 section 5.3 says: not at
// all when the request was unsigned; with the request's key, chaining each
// message's MAC to the one before (section 5.3.1: every message of a transfer is
// signed); or, for a key error, with an unsigned TSIG carrying the error.
type signer struct {
	key    Key    // zero when the request was unsigned or its key unknown
	name   string // the key name as the request wrote it
	alg    string // the request's algorithm
	fudge  uint16
	mac    string // the MAC the next message's signature covers: the request's, then each reply's
	n      int    // messages signed
	err    uint16 // the TSIG error of the reply (RFC 8945 section 5.2)
	time   uint64 // Time Signed of the replies (the request's for BADTIME)
	other  string // Other Data, hex: our time for BADTIME (RFC 8945 section 5.2.3)
	signed bool   // the request had a TSIG
}

// keyName returns the name of the key that verified the request, "" when unsigned.
func (s *signer) keyName() string {
	if s.key.Name == "" || s.err != dns.RcodeSuccess {
		return ""
	}
	return s.key.Name
}

// verify checks the TSIG of m (RFC 8945 section 5.2), if any, and returns how
// to sign the replies. When the signature does not hold it sends the error reply
// itself (NOTAUTH with the TSIG error) and returns false.
func (r *Responder) verify(req *server.TransferRequest, m *dns.Msg) (*signer, bool) {
	t := m.IsTsig()
	if t == nil {
		return &signer{}, true
	}
	s := &signer{name: t.Hdr.Name, alg: t.Algorithm, fudge: t.Fudge, mac: t.MAC, signed: true}
	now := r.cfg.Now()
	key, ok := r.cfg.Keys.Key(t.Hdr.Name)
	switch {
	case !ok || !strings.EqualFold(dns.Fqdn(key.Algorithm), dns.Fqdn(t.Algorithm)):
		// RFC 8945 section 5.2.1: a key or algorithm we do not know is BADKEY,
		// and the reply is unsigned.
		s.err = dns.RcodeBadKey
	default:
		s.key = key
		err := dns.TsigVerify(req.Msg, key.Secret, "", false)
		if err != nil && !errors.Is(err, dns.ErrTime) {
			// RFC 8945 section 5.2.2: a MAC that does not verify is BADSIG,
			// and the reply is unsigned.
			s.err = dns.RcodeBadSig
			break
		}
		// RFC 8945 section 5.2.3: the time is checked after the MAC, with our
		// clock; BADTIME is signed and carries our time in Other Data.
		if skew := now.Unix() - int64(t.TimeSigned); skew > int64(t.Fudge) || -skew > int64(t.Fudge) {
			s.err = dns.RcodeBadTime
			s.time = t.TimeSigned
			var b [6]byte
			binary.BigEndian.PutUint16(b[:], uint16(uint64(now.Unix())>>32))
			binary.BigEndian.PutUint32(b[2:], uint32(now.Unix()))
			s.other = hex.EncodeToString(b[:])
		}
	}
	if s.time == 0 {
		// Our time, in the unsigned BADKEY and BADSIG replies too (as Knot DNS),
		// so that a client sees the clock it was judged by.
		s.time = uint64(now.Unix())
	}
	if s.err == dns.RcodeSuccess {
		return s, true
	}
	r.log.Info("TSIG check failed", zap.String("key", t.Hdr.Name), zap.Stringer("from", req.Remote),
		zap.String("error", dns.RcodeToString[int(s.err)]))
	if m.Opcode == dns.OpcodeNotify {
		// A NOTIFY refused, counted as the others are, before the client can
		// see the answer (and read the metric).
		r.notified("refused")
	}
	r.replyRcode(req, m, s, dns.RcodeNotAuth)
	return nil, false
}

// sign packs m, signed as the request asks (see signer).
func (s *signer) sign(m *dns.Msg) ([]byte, error) {
	if !s.signed {
		return m.Pack()
	}
	t := &dns.TSIG{
		Hdr:        dns.RR_Header{Name: s.name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm:  s.alg,
		Fudge:      s.fudge,
		TimeSigned: s.time,
		OrigId:     m.Id,
		Error:      s.err,
		OtherLen:   uint16(len(s.other) / 2),
		OtherData:  s.other,
	}
	if t.Fudge == 0 {
		t.Fudge = 300
	}
	m.Extra = append(m.Extra, t)
	// The first reply covers the request's MAC and the whole TSIG; the later
	// ones the MAC before them and the timers only (RFC 8945 section 5.3.1).
	// (TsigGenerate takes the TSIG out of m again.)
	b, mac, err := dns.TsigGenerate(m, s.key.Secret, s.mac, s.n > 0)
	if err != nil {
		return nil, err
	}
	s.mac = mac
	s.n++
	return b, nil
}

// overhead is how many octets the TSIG record adds to a reply.
func (s *signer) overhead() int {
	if !s.signed {
		return 0
	}
	return dns.Len(&dns.TSIG{
		Hdr:       dns.RR_Header{Name: s.name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: s.alg, MACSize: 64, MAC: strings.Repeat("00", 64), OtherLen: 6, OtherData: "000000000000",
	})
}

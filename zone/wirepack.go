package zone

import "github.com/miekg/dns"

// wirePacker writes records in uncompressed wire form (RFC 1035 section 4.1.3) into
// a buffer it reuses. It packs a record as a message's only answer: dns.PackRR would
// write the record's Rdlength, and the records it reads are shared with the zones
// serving.
type wirePacker struct {
	msg dns.Msg
	one [1]dns.RR
	buf []byte
}

// msgHeaderLen is the length of a DNS message header (RFC 1035 section 4.1.1).
const msgHeaderLen = 12

// wire returns the wire form of rr and where its RDATA starts in it, or nil when rr
// cannot be packed. The bytes are valid until the next call.
func (p *wirePacker) wire(rr dns.RR) (w []byte, rdata int) {
	if p.buf == nil {
		p.buf = make([]byte, 512)
	}
	p.one[0] = rr
	p.msg.Answer = p.one[:]
	out, err := p.msg.PackBuffer(p.buf)
	p.one[0] = nil
	if err != nil || len(out) < msgHeaderLen {
		return nil, 0
	}
	p.buf = out[:cap(out)]
	w = out[msgHeaderLen:]
	end := 0 // of the owner name, uncompressed
	for end < len(w) && w[end] != 0 {
		end += int(w[end]) + 1
	}
	rdata = end + 11 // the root label, type, class, TTL and RDLENGTH
	if rdata > len(w) {
		return nil, 0
	}
	return w, rdata
}

package server

import "github.com/miekg/dns"

// pack packs the reply with name compression, dropping whole RRsets from the end
// until it fits in limit octets (RFC 2181 section 9). Losing a record of the answer
// or authority section, or in-domain glue, sets TC (RFC 1035 section 4.1.1, RFC
// 9471 section 3); other additional data is dropped silently (RFC 9471 section 4.1,
// RFC 2181 section 9). The OPT record is always kept (RFC 6891 section 7).
func (s *Server) pack(sc *scratch, dst []byte, opt *dns.OPT, limit int) ([]byte, error) {
	m := &sc.msg
	m.Compress = true
	na, nn, nx := len(sc.an.ends), len(sc.ns.ends), len(sc.ex.ends)
	for {
		m.Answer = sc.an.upTo(na)
		m.Ns = sc.ns.upTo(nn)
		sc.extra = append(sc.extra[:0], sc.ex.upTo(nx)...)
		if opt != nil {
			sc.extra = append(sc.extra, opt)
		}
		m.Extra = sc.extra
		out, err := m.PackBuffer(dst)
		if err != nil || len(out) <= limit {
			return out, err
		}
		switch {
		case nx > 0:
			nx--
			if sc.ex.glue[nx] {
				m.Truncated = true
			}
		case nn > 0:
			nn--
			m.Truncated = true
		case na > 0:
			na--
			m.Truncated = true
		case opt != nil && len(opt.Option) > 0:
			// Only the NSID payload is left to drop (a very long identity).
			opt.Option = opt.Option[:0]
		default:
			// Header, one question and a bare OPT always fit in 512 octets.
			return out, nil
		}
	}
}

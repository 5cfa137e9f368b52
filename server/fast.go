package server

import (
	"encoding/binary"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// The fast path writes the reply to a standard query straight from the compiled
// zone's wire forms into the output buffer, with no dns.Msg and no allocation.
// It covers every answer of a lookup in class IN (positive, NXDOMAIN, NODATA,
// referral, wildcard, CNAME and DNAME chains, with RRSIGs when DO is set) and the
// REFUSED answers. Everything else (malformed queries, other opcodes, EDNS
// versions and classes, the CHAOS identity answers, a malformed COOKIE option, a
// query whose question name is compressed, a reply larger than the scratch
// buffer) goes through the miekg/dns path of respond.go, which decides the same
// way. The OPT record's options (COOKIE, NSID, Extended DNS Error) are written
// here too.

// fastEligible reports whether the parsed query is one the fast path answers.
func fastEligible(q *query) bool {
	return q.qdcount == 1 && !q.qptr && q.opcode == dns.OpcodeQuery && !q.cookieBad && !q.expire &&
		!(q.edns && q.version > 0) &&
		(q.qclass == dns.ClassINET || q.qclass == dns.ClassANY)
}

// section kinds, for the truncation rules.
const (
	secAnswer = iota
	secAuthority
	secAdditional
)

// respondFast writes the reply to q into dst and returns it, or returns false
// when the fast path cannot write this reply (the caller then answers through
// the miekg/dns path; nothing written so far matters).
func (s *Server) respondFast(sc *scratch, dst []byte, q *query, t transport) ([]byte, bool) {
	rcode, ede, found := s.lookup(sc, q)
	a := &sc.ans
	if found && !wireReady(a) {
		return nil, false
	}
	sc.res.rcode = rcode

	limit := s.replyLimit(sc, q, t)
	// A reply cut by the buffer rather than by the limit would be truncated
	// wrongly: the miekg/dns path writes those (large TCP answers).
	bufCut := limit > len(dst)
	end := min(limit, len(dst))

	// The OPT record goes last but its room is kept from the start: it is never
	// dropped (RFC 6891 section 7), nor its COOKIE and EDE options; the NSID
	// option only when nothing else fits.
	o := optParts{ede: noEDE}
	if q.edns && q.nsid {
		// One identity for the whole reply: a reload may swap it meanwhile.
		o.nsid = s.id.Load().nsidWire
	}
	optLen := 0
	if q.edns {
		if sc.res.cookie.answered() {
			o.cookie = sc.cookie[:]
		}
		o.ede = ede
		optLen = 11 + s.optRDLen(o)
	}
	base := headerLen + len(q.qwire) + 4
	if o.nsid != nil && base+optLen > end {
		o.nsid = nil
		optLen = 11 + s.optRDLen(o)
	}
	if base+optLen > end {
		return nil, false
	}

	w := &sc.w
	w.reset(dst[:end-optLen])
	w.off = headerLen
	// The question as the client wrote it (RFC 4343 section 4.1 keeps its case);
	// names of the zone compress against it.
	w.name(q.qwire, true)
	w.u16(q.qtype)
	w.u16(q.qclass)

	var counts [3]int
	tc := false
	aa := false
	if found {
		aa = a.Authoritative
		sc.cut = false
		var ok bool
		if counts[secAnswer], ok = s.writeRefs(sc, a.Answer, q.do, secAnswer, false, false); ok {
			if counts[secAuthority], ok = s.writeRefs(sc, a.Authority, q.do, secAuthority, false, false); ok {
				// In-domain glue first: it must fit or TC is set (RFC 9471 section
				// 3); other additional data goes when there is room (section 4.1).
				var n1, n2 int
				if n1, ok = s.writeRefs(sc, a.Additional, q.do, secAdditional, true, true); ok {
					n2, ok = s.writeRefs(sc, a.Additional, q.do, secAdditional, true, false)
				}
				counts[secAdditional] = n1 + n2
			}
		}
		if !ok {
			return nil, false
		}
		if sc.cut {
			if bufCut {
				return nil, false
			}
			tc = sc.tc
		}
	}

	// Header (RFC 1035 section 4.1.1): QR, the query's opcode and RD, AA from the
	// lookup, RA never (we do not recurse), CD copied (RFC 4035 section 3.1.6).
	b := dst
	binary.BigEndian.PutUint16(b[0:], q.id)
	b[2] = bitQR | byte(q.opcode)<<3
	if aa {
		b[2] |= 0x04
	}
	if tc {
		b[2] |= 0x02
	}
	if q.rd {
		b[2] |= bitRD
	}
	b[3] = byte(rcode & 0xF)
	if q.cd {
		b[3] |= bitCD
	}
	ar := counts[secAdditional]
	if q.edns {
		ar++
	}
	binary.BigEndian.PutUint16(b[4:], 1)
	binary.BigEndian.PutUint16(b[6:], uint16(counts[secAnswer]))
	binary.BigEndian.PutUint16(b[8:], uint16(counts[secAuthority]))
	binary.BigEndian.PutUint16(b[10:], uint16(ar))

	off := w.off
	if q.edns {
		off = s.writeOPT(b, off, rcode, q.do, o)
	}
	return b[:off], true
}

// wireReady reports whether every RRset of the answer has its wire form.
func wireReady(a *zone.Answer) bool {
	for _, refs := range [...][]zone.RRsetRef{a.Answer, a.Authority, a.Additional} {
		for i := range refs {
			if refs[i].Set.OwnerWire == nil {
				return false
			}
		}
	}
	return true
}

// writeRefs writes the RRsets of one section, whole (RFC 2181 section 9), and
// returns the number of records written. In the additional section (filter set)
// only the RRsets whose Glue equals glue are written. Once an RRset does not fit,
// it and every later one are left out (sc.cut), and sc.tc says whether that loses
// data the client must retry over TCP for: anything but additional data other
// than in-domain glue (RFC 1035 section 4.1.1, RFC 9471 sections 3 and 4.1). It
// returns false when an RRset cannot be written at all (a synthesized name that
// is not valid).
func (s *Server) writeRefs(sc *scratch, refs []zone.RRsetRef, do bool, sec int, filter, glue bool) (int, bool) {
	w := &sc.w
	n := 0
	for i := range refs {
		r := &refs[i]
		if filter && r.Glue != glue {
			continue
		}
		if sc.cut {
			// Everything after the first RRset that did not fit is dropped too.
			if sec != secAdditional || r.Glue {
				sc.tc = true
			}
			continue
		}
		m := w.mark()
		k, fit, ok := s.writeRef(sc, r, do)
		if !ok {
			return 0, false
		}
		if !fit {
			w.rewind(m)
			sc.cut = true
			sc.tc = sec != secAdditional || r.Glue
			continue
		}
		n += k
	}
	return n, true
}

// writeRef writes one RRset (with its RRSIGs when do is set, RFC 3225 section 3)
// and returns the records written. fit is false when it did not fit; ok is false
// when a name synthesized by the lookup has no valid wire form.
func (s *Server) writeRef(sc *scratch, r *zone.RRsetRef, do bool) (n int, fit, ok bool) {
	w := &sc.w
	set := r.Set
	owner := set.OwnerWire
	if r.Owner != "" {
		// A wildcard expansion (RFC 4592 section 3.4.1) or the owner of a CNAME
		// synthesized from a DNAME (RFC 6672 section 3.3).
		if owner, ok = zone.NameToWire(sc.owner[:0], r.Owner); !ok {
			return 0, false, false
		}
	}
	if r.Target != "" {
		// A CNAME synthesized from the DNAME in set, with the DNAME's TTL and
		// class (RFC 6672 section 3.3); it is not signed (section 5.3).
		target, ok := zone.NameToWire(sc.target[:0], r.Target)
		if !ok {
			return 0, false, false
		}
		cname := zone.WireRR{Type: dns.TypeCNAME, Class: set.Wire[0].Class, TTL: set.TTL,
			RData: target, NameCount: 1, Compress: true} // its one name at 0
		return 1, w.rr(owner, &cname), true
	}
	for i := range set.Wire {
		if !w.rr(owner, &set.Wire[i]) {
			return 0, false, true
		}
	}
	n = len(set.Wire)
	if do {
		sigs := set.SigWire()
		for i := range sigs {
			if !w.rr(owner, &sigs[i]) {
				return 0, false, true
			}
		}
		n += len(sigs)
	}
	return n, true, true
}

// optParts are the options of an OPT record the fast path writes.
type optParts struct {
	cookie []byte // the COOKIE option's data (RFC 7873 section 4), or nil
	nsid   []byte // the NSID option's data, the identity (RFC 5001 section 2.3), or nil
	ede    int    // the Extended DNS Error's INFO-CODE (RFC 8914), or noEDE
}

// optRDLen returns the RDATA length of an OPT record with the options o.
func (s *Server) optRDLen(o optParts) int {
	n := 0
	if o.cookie != nil {
		n += 4 + len(o.cookie)
	}
	if o.nsid != nil {
		n += 4 + len(o.nsid)
	}
	if o.ede != noEDE {
		n += edeLen
	}
	return n
}

// writeOPT writes the OPT record at off (RFC 6891 section 6.1.2): owner root, our
// payload size as CLASS, the extended rcode bits, version 0 and DO copied from the
// query (RFC 3225 section 3) in TTL, and the options o in the order the miekg/dns
// path writes them. The room was kept by the caller.
func (s *Server) writeOPT(b []byte, off, rcode int, do bool, o optParts) int {
	b[off] = 0
	binary.BigEndian.PutUint16(b[off+1:], dns.TypeOPT)
	binary.BigEndian.PutUint16(b[off+3:], s.cfg.UDPSize)
	ttl := uint32(rcode>>4) << 24
	if do {
		ttl |= 0x8000
	}
	binary.BigEndian.PutUint32(b[off+5:], ttl)
	binary.BigEndian.PutUint16(b[off+9:], uint16(s.optRDLen(o)))
	off += 11
	if o.cookie != nil {
		off = putOption(b, off, dns.EDNS0COOKIE, o.cookie)
	}
	if o.nsid != nil {
		off = putOption(b, off, dns.EDNS0NSID, o.nsid)
	}
	if o.ede != noEDE {
		var code [2]byte
		binary.BigEndian.PutUint16(code[:], uint16(o.ede))
		off = putOption(b, off, dns.EDNS0EDE, code[:])
	}
	return off
}

// putOption writes the EDNS option code with data at off (RFC 6891 section
// 6.1.2) and returns the offset after it.
func putOption(b []byte, off int, code uint16, data []byte) int {
	binary.BigEndian.PutUint16(b[off:], code)
	binary.BigEndian.PutUint16(b[off+2:], uint16(len(data)))
	return off + 4 + copy(b[off+4:], data)
}

package server

import (
	"encoding/binary"
	"errors"

	"github.com/miekg/dns"
)

// headerLen is the size of the fixed DNS header (RFC 1035 section 4.1.1).
const headerLen = 12

// Header bits of the second and third octets (RFC 1035 section 4.1.1, RFC 4035
// section 3.1.6 for CD).
const (
	bitQR = 0x80 // in octet 2
	bitRD = 0x01 // in octet 2
	bitCD = 0x10 // in octet 3
)

var (
	// errNoReply: the message is not a query we may answer at all (too short for a
	// header, or QR set): replying could feed a loop or an amplification.
	errNoReply = errors.New("no reply")
	// errFormat: the header parsed but the rest of the message did not.
	errFormat = errors.New("malformed message")
)

// query is what the accept rules need from an incoming message. It is filled by
// parseQuery without allocating.
type query struct {
	id      uint16
	opcode  int
	rd, cd  bool
	qdcount uint16

	// The question, valid when qdcount == 1; qname keeps the client's case and
	// qwire is the name as it came on the wire (a slice of the message); qptr is
	// set when that name used a compression pointer.
	qname  string
	qwire  []byte
	qptr   bool
	qtype  uint16
	qclass uint16

	// EDNS(0) (RFC 6891 section 6.1): edns is true when the query has an OPT record.
	edns    bool
	udpSize uint16 // the requestor's payload size (the OPT CLASS field)
	version uint8
	do      bool // DNSSEC OK (RFC 3225)
	// nsid: an NSID option is present (RFC 5001 section 2.1). Its payload must be
	// empty in a query; one that is not is ignored, and answered all the same.
	nsid bool
	// cookie is the data of the first COOKIE option (RFC 7873 section 4), a slice
	// of the message, when its size is one a COOKIE may have; cookieBad is set
	// when it is not (RFC 7873 section 5.2.2: FORMERR). Later COOKIE options are
	// ignored, as BIND and Knot DNS do.
	cookie    []byte
	cookieBad bool
	// expire: an EXPIRE option asks how long the zone stays valid here (RFC
	// 7314 section 2); its payload, empty in a query, is ignored.
	expire bool
	// tsig: the last record of the additional section is a TSIG (RFC 8945
	// section 5.1).
	tsig bool
}

// parseQuery reads the header, the question and the OPT record of msg into q. It
// returns errNoReply when no reply may be sent, errFormat when the message is
// malformed past the header (q then holds the header fields only). The question
// name is decoded into nameBuf (of capacity maxNamePresentation, from the worker's
// scratch), and q.qname shares that memory; with a nil nameBuf it is allocated.
func parseQuery(msg []byte, q *query, nameBuf []byte) error {
	*q = query{}
	if len(msg) < headerLen || msg[2]&bitQR != 0 {
		return errNoReply
	}
	q.id = binary.BigEndian.Uint16(msg)
	q.opcode = int(msg[2]>>3) & 0xF
	q.rd = msg[2]&bitRD != 0
	q.cd = msg[3]&bitCD != 0
	q.qdcount = binary.BigEndian.Uint16(msg[4:])
	an := int(binary.BigEndian.Uint16(msg[6:]))
	ns := int(binary.BigEndian.Uint16(msg[8:]))
	ar := int(binary.BigEndian.Uint16(msg[10:]))

	off := headerLen
	for i := 0; i < int(q.qdcount); i++ {
		var err error
		if q.qdcount == 1 {
			// Only a single question is ever answered; decode its name (this
			// follows compression pointers and rejects loops).
			start := off
			var name []byte
			name, off, q.qptr, err = decodeName(msg, off, nameBuf)
			if err == nil {
				q.qwire = msg[start:off]
				if nameBuf == nil {
					q.qname = string(name)
				} else {
					q.qname = bytesString(name)
				}
			}
		} else {
			off, err = skipName(msg, off)
		}
		if err != nil || off+4 > len(msg) {
			return errFormat
		}
		if q.qdcount == 1 {
			q.qtype = binary.BigEndian.Uint16(msg[off:])
			q.qclass = binary.BigEndian.Uint16(msg[off+2:])
		}
		off += 4
	}
	// Records in the answer and authority sections of a query are skipped
	// (RFC 1035 does not give them a meaning in a standard query).
	for i := 0; i < an+ns; i++ {
		var err error
		if off, err = skipRR(msg, off); err != nil {
			return errFormat
		}
	}
	for i := 0; i < ar; i++ {
		var err error
		if off, err = q.readAdditional(msg, off, i == ar-1); err != nil {
			return err
		}
	}
	return nil
}

// readAdditional reads one record of the additional section at off, taking the EDNS
// fields from an OPT record and noting a TSIG record, and returns the offset after
// it; last tells whether it is the section's last record.
func (q *query) readAdditional(msg []byte, off int, last bool) (int, error) {
	root := off < len(msg) && msg[off] == 0
	start, err := skipName(msg, off)
	if err != nil || start+10 > len(msg) {
		return 0, errFormat
	}
	typ := binary.BigEndian.Uint16(msg[start:])
	class := binary.BigEndian.Uint16(msg[start+2:])
	ttl := binary.BigEndian.Uint32(msg[start+4:])
	rdlen := int(binary.BigEndian.Uint16(msg[start+8:]))
	rdata := start + 10
	end := rdata + rdlen
	if end > len(msg) {
		return 0, errFormat
	}
	if typ == dns.TypeTSIG {
		// RFC 8945 section 5.1: a TSIG anywhere but last in the additional
		// section is FORMERR.
		if !last {
			return 0, errFormat
		}
		q.tsig = true
		return end, nil
	}
	if typ != dns.TypeOPT {
		return end, nil
	}
	// RFC 6891 section 6.1.1: more than one OPT is FORMERR; section 6.1.2: the
	// owner is the root.
	if q.edns || !root {
		return 0, errFormat
	}
	q.edns = true
	q.udpSize = class
	q.version = uint8(ttl >> 16)
	q.do = ttl&0x8000 != 0 // RFC 3225 section 3; the other flag bits are ignored
	for o := rdata; o < end; {
		if o+4 > end {
			return 0, errFormat
		}
		code := binary.BigEndian.Uint16(msg[o:])
		olen := int(binary.BigEndian.Uint16(msg[o+2:]))
		o += 4 + olen
		if o > end {
			return 0, errFormat
		}
		// Unknown options are ignored (RFC 6891 section 6.1.2).
		switch {
		case code == dns.EDNS0NSID:
			q.nsid = true
		case code == dns.EDNS0EXPIRE:
			q.expire = true
		case code == dns.EDNS0COOKIE && q.cookie == nil && !q.cookieBad:
			if cookieMalformedLen(olen) {
				q.cookieBad = true
			} else {
				q.cookie = msg[o-olen : o]
			}
		}
	}
	return end, nil
}

// skipName returns the offset just after the (possibly compressed) name at off.
func skipName(msg []byte, off int) (int, error) {
	for {
		if off >= len(msg) {
			return 0, errFormat
		}
		c := int(msg[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				return off + 1, nil
			}
			off += 1 + c
		case 0xC0:
			// A compression pointer ends the name (RFC 1035 section 4.1.4).
			if off+2 > len(msg) {
				return 0, errFormat
			}
			return off + 2, nil
		default:
			// Extended label types (RFC 6891 section 5) are not supported.
			return 0, errFormat
		}
	}
}

// skipRR returns the offset just after the resource record at off.
func skipRR(msg []byte, off int) (int, error) {
	off, err := skipName(msg, off)
	if err != nil || off+10 > len(msg) {
		return 0, errFormat
	}
	end := off + 10 + int(binary.BigEndian.Uint16(msg[off+8:]))
	if end > len(msg) {
		return 0, errFormat
	}
	return end, nil
}

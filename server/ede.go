package server

import "github.com/miekg/dns"

// Extended DNS Errors (RFC 8914) say why a reply is an error, in an option of the
// OPT record, so only to a client whose query had one (RFC 8914 section 3); the
// rcode alone tells the others. This server sends, with no EXTRA-TEXT:
//
//   - 20 Not Authoritative with REFUSED for a name outside our zones (RFC 8914
//     section 4.21), as Knot DNS 3.2 does;
//   - 18 Prohibited with REFUSED for a zone transfer refused by policy (no
//     transfers served here; package transfer adds it for its access lists) and
//     for version.bind and version.server when the version is hidden (section
//     4.19);
//   - 21 Not Supported with REFUSED for a CHAOS name or type we do not answer,
//     and for a class other than IN, CH and * (section 4.22);
//   - 14 Not Ready and 24 Invalid Data with SERVFAIL for a zone not received yet
//     or expired (zone.Answer.EDE; sections 4.15 and 4.25);
//   - 0 Other with SERVFAIL for a name an NSEC3 chain cannot prove absent, a hash
//     collision (zone.Answer.EDE; section 4.1, RFC 5155 section 7.2.9).

// The INFO-CODEs this server sends (RFC 8914 section 4), as ints: noEDE is the
// INFO-CODE of a reply without an Extended DNS Error.
const (
	noEDE               = -1
	edeProhibited       = int(dns.ExtendedErrorCodeProhibited)
	edeNotAuthoritative = int(dns.ExtendedErrorCodeNotAuthoritative)
	edeNotSupported     = int(dns.ExtendedErrorCodeNotSupported)
)

// edeLen is the size of an EDE option without EXTRA-TEXT: code, length and the
// 16-bit INFO-CODE (RFC 8914 section 2).
const edeLen = 4 + 2

// setEDE makes the reply built in sc carry the Extended DNS Error code, unless
// code is noEDE.
func (sc *scratch) setEDE(code int) {
	if code != noEDE {
		sc.ede = dns.EDNS0_EDE{InfoCode: uint16(code)}
		sc.hasEDE = true
	}
}

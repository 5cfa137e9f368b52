package server

import (
	"crypto/subtle"
	"encoding/binary"
	"net/netip"
	"time"

	"go.uber.org/zap"
)

// DNS cookies (RFC 7873) with the server cookie of RFC 9018: version 1, three
// reserved octets, a 32-bit timestamp and a SipHash-2-4 hash over the client
// cookie, those eight octets and the client's address, keyed with a secret the
// whole fleet shares. A client that anycast moves to a sibling node keeps its
// cookie, and BIND, Knot DNS and NSD configured with the same secret make and
// accept the same cookies.
//
// This server answers cookies but does not enforce them: every query gets its
// normal answer, with a server cookie added. A query with only a client cookie,
// or with a server cookie we cannot verify, is answered as RFC 7873 sections
// 5.2.3 and 5.2.4 allow ("process normally and send a normal response"); the
// other choices there, BADCOOKIE or no answer, are for a server that requires
// cookies (under attack, say), which this one never does, so it never sends
// BADCOOKIE.

// Sizes of the COOKIE option (RFC 7873 section 4, RFC 9018 section 4).
const (
	clientCookieLen    = 8
	serverCookieLen    = 16 // the only size of a version 1 server cookie
	minServerCookieLen = 8
	maxServerCookieLen = 32
	cookieReplyLen     = clientCookieLen + serverCookieLen
)

// The server cookie's version and lifetimes (RFC 9018 sections 4.2 and 4.3):
// accepted up to an hour old and five minutes ahead (clocks of the fleet
// differ), and renewed once older than half an hour.
const (
	cookieVersion  = 1
	cookieMaxAge   = 3600
	cookieMaxAhead = 300
	cookieRenewAge = 1800
)

// cookieOutcome says what a reply does with the query's COOKIE option, for the
// reply writers and the metrics.
type cookieOutcome uint8

const (
	// cookieNone: no COOKIE option (or cookies off, or a reply that carries none).
	cookieNone cookieOutcome = iota
	// cookieNew: only a client cookie came; a server cookie is made.
	cookieNew
	// cookieEchoed: a valid server cookie came; it is sent back as it is.
	cookieEchoed
	// cookieRenewed: a valid server cookie came, older than half an hour or made
	// with a previous secret; a new one is made.
	cookieRenewed
	// cookieBad: a server cookie came that we cannot verify (another secret,
	// too old, too far ahead, another version or size); a new one is made.
	cookieBad
	// cookieMalformed: the option's size is none a COOKIE may have: FORMERR.
	cookieMalformed
	numCookieOutcomes
)

// String returns the outcome's metric label.
func (o cookieOutcome) String() string {
	return [...]string{"none", "new", "echoed", "renewed", "bad", "malformed"}[o]
}

// answered reports whether the reply carries a COOKIE option.
func (o cookieOutcome) answered() bool { return o >= cookieNew && o <= cookieBad }

// cookieMalformedLen reports whether a COOKIE option of n octets is malformed:
// shorter than a client cookie, with a server cookie shorter than 8 octets, or
// longer than 40 (RFC 7873 section 5.2.2).
func cookieMalformedLen(n int) bool {
	return n < clientCookieLen || (n > clientCookieLen && n < clientCookieLen+minServerCookieLen) ||
		n > clientCookieLen+maxServerCookieLen
}

// cookies holds the secrets of the server cookies; it is read-only once made (a
// reload makes a new one).
type cookies struct {
	on       bool
	current  cookieKey   // makes and verifies cookies
	previous []cookieKey // only verify them (RFC 9018 section 5)
	// now returns the time in seconds, truncated to 32 bits: timestamps compare
	// in serial number arithmetic (RFC 9018 section 4.3, RFC 1982).
	now func() uint32
}

// newCookies returns the cookies of cfg, reading its secrets. Without a
// configured secret it makes one at random and warns when cookies are on.
func newCookies(cfg CookieConfig, log *zap.Logger) (cookies, error) {
	current, previous, configured, err := cfg.keys("")
	if err != nil {
		return cookies{}, err
	}
	if cfg.Enabled && !configured {
		log.Warn("cookies: no secret configured, so a random one is used: sibling nodes will not accept this node's server cookies, nor it theirs; set cookies.secret, the same on every node")
	}
	return cookies{on: cfg.Enabled, current: current, previous: previous, now: unixNow}, nil
}

// unixNow is the clock of cookies.
func unixNow() uint32 { return uint32(time.Now().Unix()) }

// reply writes the COOKIE option of the reply to a query whose option (neither
// malformed nor empty) is opt, from client: the client cookie and a server
// cookie, echoed or made (RFC 7873 section 5.2, RFC 9018 section 4.3).
func (c *cookies) reply(dst *[cookieReplyLen]byte, opt []byte, client netip.Addr) cookieOutcome {
	return c.replyAt(dst, opt, client, c.now())
}

// replyAt is reply at the time now (Unix seconds, truncated to 32 bits).
func (c *cookies) replyAt(dst *[cookieReplyLen]byte, opt []byte, client netip.Addr, now uint32) cookieOutcome {
	cc := opt[:clientCookieLen]
	copy(dst[:], cc)
	// A sibling listening on IPv4 alone sees the address without its IPv6
	// mapping, and hashes that.
	client = client.Unmap()
	outcome := cookieNew
	if sc := opt[clientCookieLen:]; len(sc) > 0 {
		outcome = cookieBad
		if len(sc) == serverCookieLen && sc[0] == cookieVersion {
			age := int32(now - binary.BigEndian.Uint32(sc[4:]))
			switch {
			case age > cookieMaxAge || age < -cookieMaxAhead:
			case c.current.verify(sc, cc, client):
				if age <= cookieRenewAge {
					copy(dst[clientCookieLen:], sc)
					return cookieEchoed
				}
				outcome = cookieRenewed
			case c.verifyPrevious(sc, cc, client):
				// Accepted, but the client learns one made with the current
				// secret, so that the previous one can be retired.
				outcome = cookieRenewed
			}
		}
	}
	var head [8]byte
	head[0] = cookieVersion // the reserved octets are zero (RFC 9018 section 4.2)
	binary.BigEndian.PutUint32(head[4:], now)
	c.current.make((*[serverCookieLen]byte)(dst[clientCookieLen:]), cc, head, client)
	return outcome
}

// verifyPrevious reports whether one of the previous secrets made sc.
func (c *cookies) verifyPrevious(sc, cc []byte, client netip.Addr) bool {
	for _, k := range c.previous {
		if k.verify(sc, cc, client) {
			return true
		}
	}
	return false
}

// make writes into dst the server cookie whose first eight octets (version,
// reserved, timestamp) are head, for client cookie cc and client:
// head | SipHash-2-4(cc | head | client address) (RFC 9018 section 4.4), the hash
// in the little-endian octet order of the reference implementation.
func (k cookieKey) make(dst *[serverCookieLen]byte, cc []byte, head [8]byte, client netip.Addr) {
	var in [clientCookieLen + 8 + 16]byte
	copy(in[:], cc)
	copy(in[clientCookieLen:], head[:])
	n := clientCookieLen + 8
	if client.Is4() {
		a := client.As4()
		n += copy(in[n:], a[:])
	} else {
		a := client.As16()
		n += copy(in[n:], a[:])
	}
	copy(dst[:], head[:])
	binary.LittleEndian.PutUint64(dst[8:], siphash24(k.k0, k.k1, in[:n]))
}

// verify reports whether the server cookie sc (16 octets) was made with k for cc
// and client. The hash covers the eight octets as received, reserved ones
// included, and is compared in constant time.
func (k cookieKey) verify(sc, cc []byte, client netip.Addr) bool {
	var want [serverCookieLen]byte
	k.make(&want, cc, [8]byte(sc[:8]), client)
	return subtle.ConstantTimeCompare(want[8:], sc[8:]) == 1
}

// cookieFor returns what the reply to q, from the client address from, does with
// its COOKIE option, with the option to send in sc.cookie when it sends one. The
// options of an EDNS version above 0 are not read (RFC 6891 section 6.1.3: the
// reply is BADVERS).
func (s *Server) cookieFor(sc *scratch, q *query, from netip.Addr) cookieOutcome {
	switch {
	case !q.edns || q.version > 0:
		return cookieNone
	case q.cookieBad:
		return cookieMalformed
	case q.cookie == nil:
		return cookieNone
	}
	ck := s.cookies.Load()
	if !ck.on {
		return cookieNone
	}
	// The UDP readers read the clock once per batch (sc.arrived): a clock read
	// costs a quarter of a cookie's work on some virtual machines, and a
	// server cookie's timestamp counts seconds (RFC 9018 section 4.3).
	now := sc.arrived
	if now == 0 {
		now = ck.now()
	}
	return ck.replyAt(&sc.cookie, q.cookie, from, now)
}

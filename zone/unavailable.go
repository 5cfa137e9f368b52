package zone

import "github.com/miekg/dns"

// Unavailable says whether a zone that is configured here has data to answer with.
type Unavailable int

const (
	// Available: the zone serves its version.
	Available Unavailable = iota
	// NotReady: the zone has no version yet, as a secondary zone before its first
	// transfer.
	NotReady
	// Expired: the zone's copy was not refreshed within the SOA expire interval
	// (RFC 1035 section 3.3.13), so it is no longer served.
	Expired
)

// String names the state in logs and errors.
func (u Unavailable) String() string {
	switch u {
	case Available:
		return "available"
	case NotReady:
		return "not ready"
	case Expired:
		return "expired"
	}
	return "unknown"
}

// ede returns the Extended DNS Error INFO-CODE (RFC 8914 section 4) of an answer
// from a zone in state u, or noEDE when it is available. A zone never transferred
// is "Not Ready" (14, section 4.15); an expired one is "Invalid Data" (24, section
// 4.25), what Knot DNS 3.2 answers for every zone without contents.
func (u Unavailable) ede() int16 {
	switch u {
	case NotReady:
		return int16(dns.ExtendedErrorCodeNotReady)
	case Expired:
		return int16(dns.ExtendedErrorCodeInvalidData)
	}
	return noEDE
}

// noEDE is Answer.EDE when the answer carries no Extended DNS Error.
const noEDE = -1

// unavailableZone returns the zone published for origin (lower-case, fully
// qualified) while it has no data: Set.Find finds it as it finds any zone, so the
// names in it are answered SERVFAIL rather than refused or by a parent zone, and its
// Lookup says why (Answer.EDE).
func unavailableZone(origin string, why Unavailable) *Zone {
	return &Zone{origin: origin, unavailable: why}
}

// answerUnavailable answers any name of a zone without data: SERVFAIL with empty
// sections (RFC 1035 section 4.1.1), as NSD and Knot DNS answer an expired zone,
// and the Extended DNS Error that says why.
func (z *Zone) answerUnavailable(a *Answer) {
	a.fail()
	a.EDE = z.unavailable.ede()
}

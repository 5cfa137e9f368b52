package zone

import "github.com/miekg/dns"

// AnswerKind says what a lookup found; the server turns it into an rcode and flags.
type AnswerKind uint8

// The kinds of result of RFC 1034 section 4.3.2.
const (
	// Success: the answer section holds the data (possibly after a CNAME chain,
	// a DNAME substitution or a wildcard expansion).
	Success AnswerKind = iota
	// NoData: the name exists (or is an empty non-terminal) but has no RRset of the
	// type; NOERROR with the SOA in authority (RFC 2308 section 2.2).
	NoData
	// NameError: the name does not exist; NXDOMAIN with the SOA in authority
	// (RFC 2308 section 2.1). After a CNAME chain the answer section is kept.
	NameError
	// Delegation: a referral to a child zone; NS in authority, glue in additional,
	// AA clear (RFC 1034 section 4.3.2 step 3b).
	Delegation
	// ServerFailure: the zone cannot give a correct answer; SERVFAIL with empty
	// sections. A signed zone answers so when a name that does not exist has the
	// NSEC3 hash of one that does (RFC 5155 section 7.2.9).
	ServerFailure
)

// RRset is one owner name's records of one type, as compiled from the zone.
// It is never modified after Compile returns.
type RRset struct {
	Name  string   // owner name, fully qualified, as written in the zone file
	Type  uint16   // the RR type
	TTL   uint32   // the TTL of the set (the lowest of its records)
	Extra []*RRset // in-zone A/AAAA of NS, MX, SRV, SVCB and HTTPS targets, resolved at compile time

	// The wire forms, encoded at compile time for the server's reply writer:
	// OwnerWire is Name uncompressed, Wire the records of Records in the same
	// order (SigWire has the signatures'). OwnerWire is nil when a record could
	// not be encoded.
	OwnerWire []byte
	Wire      []WireRR

	// aux holds what few RRsets have, nil for the others: the wire forms of the
	// signatures (a signed zone) and the target of a CNAME or DNAME. An RRset of
	// a delegation zone is 32 octets smaller without them (issue 12).
	aux *rrsetAux

	// held is the records as miekg/dns values while the zone is built, and for
	// good when they have no wire form; nil once the wire forms hold them (see
	// held.go). Read it through Records and Signatures.
	held *heldRecords
}

// RRsetRef is an entry in a section of an Answer: an RRset of the zone, written with
// another owner name where the lookup needed it.
type RRsetRef struct {
	Set *RRset
	// Owner, when not empty, replaces Set.Name as the owner of every record: a
	// wildcard expansion (RFC 4592 section 3.4.1), or the CNAME synthesized from a
	// DNAME (then Set is the DNAME RRset).
	Owner string
	// Target, when not empty, makes this entry a CNAME synthesized from the DNAME in
	// Set, pointing at Target (RFC 6672 section 3.3 step 3 of the algorithm).
	Target string
	// Glue marks in-domain glue of a referral: if it does not fit in a UDP reply the
	// reply must set TC (RFC 9471).
	Glue bool
}

// Answer is the result of a lookup. It is meant to be reused across queries
// (call Reset, or let Lookup reset it) so that a lookup allocates nothing.
type Answer struct {
	Kind AnswerKind
	// Rcode is dns.RcodeSuccess or dns.RcodeNameError; dns.RcodeYXDomain (with Kind
	// NameError) when a DNAME substitution would make a name too long (RFC 6672
	// section 2.2); dns.RcodeRefused when the query name is not in the zone.
	Rcode int
	// Authoritative is the AA bit: set for data of this zone, clear for a referral
	// (set when a CNAME of this zone in the answer section leads to the referral).
	Authoritative bool
	// EDE is the Extended DNS Error INFO-CODE (RFC 8914) the reply carries when the
	// query had EDNS, or -1 for none: 14 (Not Ready) or 24 (Invalid Data) for a zone
	// published without data (Loader.SetUnavailable).
	EDE int16

	Answer     []RRsetRef
	Authority  []RRsetRef
	Additional []RRsetRef

	// scratch space owned by the lookup: low holds the lower-cased name of the
	// current step; buf[:used] holds the names synthesized by DNAME substitution,
	// which the Owner and Target strings of the sections point into. They stay valid
	// until the Answer is reset or reused.
	low  [4 * maxNameWire]byte
	buf  [8 * maxNameWire]byte
	used int
	// redirects counts the CNAMEs followed and DNAMEs applied by this lookup.
	redirects int
	// dnssec is set for a lookup that adds the proofs of a signed zone (LookupDNSSEC).
	dnssec bool
	proof  proofScratch
}

// Reset empties the answer, keeping the capacity of its sections.
func (a *Answer) Reset() {
	a.Kind = Success
	a.Rcode = dns.RcodeSuccess
	a.Authoritative = false
	a.EDE = noEDE
	a.Answer = a.Answer[:0]
	a.Authority = a.Authority[:0]
	a.Additional = a.Additional[:0]
	a.used = 0
	a.redirects = 0
	a.dnssec = false
}

// fail turns the answer into a server failure: SERVFAIL, not authoritative, no
// records (RFC 1035 section 4.1.1).
// failUnproved is fail for an answer a signed zone cannot prove: a name absent from
// the zone hashes like an NSEC3 owner, a collision no proof can cover (RFC 5155
// section 7.2.9). The reply says so with Extended DNS Error 0, Other (RFC 8914
// section 4.1): nothing is wrong with the zone's data as far as a resolver can
// tell, and no more specific code fits.
func (a *Answer) failUnproved() {
	a.fail()
	a.EDE = int16(dns.ExtendedErrorCodeOther)
}

func (a *Answer) fail() {
	a.Kind = ServerFailure
	a.Rcode = dns.RcodeServerFailure
	a.Authoritative = false
	a.Answer = a.Answer[:0]
	a.Authority = a.Authority[:0]
	a.Additional = a.Additional[:0]
}

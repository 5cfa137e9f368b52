package zone

import (
	"time"

	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/miekg/dns"
)

// DefaultExpiryWarning is how long before an RRSIG expires CheckDNSSEC warns about
// it unless told otherwise: a week, time enough for the signer to be fixed.
const DefaultExpiryWarning = 7 * 24 * time.Hour

// DNSSECOptions say how CheckDNSSEC judges a signed zone. The zero value checks at
// the time of the call, warns DefaultExpiryWarning ahead, and verifies no signature
// cryptographically (the Loader's default).
type DNSSECOptions struct {
	// Now is the moment at which the signatures must be valid (kzonecheck -t); the
	// zero time means the time of the check.
	Now time.Time
	// ExpiryWarning is how long before its expiration an RRSIG is warned about;
	// zero means DefaultExpiryWarning, a negative value never.
	ExpiryWarning time.Duration
	// Verify verifies every signature with its key (RFC 4035 section 5.3.3): one
	// public-key operation per RRSIG, which the root zone's 2,849 make about 120 ms
	// of CPU. Without it a signature is checked for its signer, key tag, labels and
	// validity window only.
	Verify bool
}

// DNSSECReport is what CheckDNSSEC found in a signed zone.
type DNSSECReport struct {
	// Denial is how the zone denies existence: "NSEC", "NSEC3", or "unsigned" when
	// its apex SOA has no signature (the zone then serves as unsigned).
	Denial string
	// Signatures is the number of RRSIG records checked; Verified, of those, the
	// number verified with their key (DNSSECOptions.Verify).
	Signatures, Verified int
	// Expiry is the earliest expiration of a signature (Zone.SignatureExpiry), the
	// zero time when there is none.
	Expiry time.Time
	// Errors are the problems that make validating resolvers find answers bogus;
	// Warnings those that do not yet. Each list is in file order.
	Errors, Warnings []*zonefile.Error
}

// CheckDNSSEC checks the DNSSEC data of the zone z, compiled from recs, the way
// dnssec-verify, ldns-verify-zone and kzonecheck do, and returns nil for a zone
// that is not signed (no DNSKEY RRset and no RRSIG over the SOA at its apex). Each
// problem names the file and line of the record at fault, or the zone's file, and
// the rule broken. The zone loads and serves whatever is found, as Knot DNS and NSD
// serve it; `anycastdns check` fails on the errors:
//
//   - "dnskey-missing": signatures but no DNSKEY RRset at the apex (RFC 4035
//     section 2.1);
//   - "denial-missing": no NSEC chain and no NSEC3PARAM a server may use (RFC 4035
//     section 2.3, RFC 5155 section 4.1.2);
//   - "nsec-missing", "nsec-below-cut", "nsec-next", "nsec-bitmap": every
//     authoritative name, delegations included, has one NSEC, whose Next Domain
//     Name is the next such name in canonical order (the last one the apex's) and
//     whose type bitmap lists the types at the name, at a delegation only NS, DS,
//     RRSIG and NSEC (RFC 4034 section 4, RFC 4035 section 2.3); the order of the
//     bitmap in the file does not matter, it is a set;
//   - "nsec3-missing", "nsec3-orphan", "nsec3-next", "nsec3-bitmap",
//     "nsec3-params", "nsec3-owner": every authoritative name and empty
//     non-terminal has a matching NSEC3 unless an Opt-Out NSEC3 covers it and it
//     is an insecure delegation or exists only because of them; each NSEC3 of the
//     chain matches a name; the Next Hashed Owner Names go round the hashes in
//     order; the bitmaps list the types; every NSEC3 has the parameters of an
//     NSEC3PARAM at the apex and is owned by a hash one label below it (RFC 5155
//     sections 3 and 7.1);
//   - "rrsig-missing": an authoritative RRset has no RRSIG by a key of each
//     algorithm of the apex DNSKEY RRset; glue and a delegation's NS RRset need
//     none (RFC 4035 section 2.2);
//   - "rrsig-bad", "rrsig-signer", "rrsig-labels": a signature does not verify
//     with its key, is not signed by the zone, or its Labels field does not count
//     its owner's labels (RFC 4034 section 3.1.3, RFC 4035 section 5.3);
//   - "rrsig-expired", "rrsig-not-yet-valid": the check time is after the
//     Expiration or before the Inception field (RFC 4035 section 5.3.1).
//
// And warnings:
//
//   - "rrsig-expiring": a signature expires within DNSSECOptions.ExpiryWarning;
//   - "rrsig-unknown-key": a signature by a key that is not in the apex DNSKEY
//     RRset (a retired key's, which validators ignore);
//   - "rrsig-unverifiable": with DNSSECOptions.Verify, signatures that cannot be
//     verified here (an algorithm miekg/dns does not implement, an RSA key shorter
//     than Go accepts); a validator that cannot either treats the zone as
//     insecure, not bogus (RFC 4035 section 5.2);
//   - "nsec3-iterations", "nsec3-salt": NSEC3 parameters other than 0 iterations
//     and no salt (RFC 9276 section 3.1); they are served all the same.
func CheckDNSSEC(z *Zone, recs []zonefile.Record, o DNSSECOptions) *DNSSECReport {
	if z.sec.denial == noDenial && z.apex.rrset(dns.TypeDNSKEY) == nil {
		return nil
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.ExpiryWarning == 0 {
		o.ExpiryWarning = DefaultExpiryWarning
	}
	c := &dnssecCheck{z: z, keys: z.zoneKeys(), opts: o}
	c.report.Denial = z.Denial()
	c.report.Expiry, _ = z.SignatureExpiry()
	if z.apex.rrset(dns.TypeDNSKEY) == nil {
		c.add(atZone(), false, "dnskey-missing", "the zone %s is signed but its apex has no DNSKEY RRset", z.origin)
	}
	c.checkSignatures()
	switch z.sec.denial {
	case nsecDenial:
		c.checkNSEC()
	case nsec3Denial:
		c.checkNSEC3()
	}
	c.place(recs)
	return &c.report
}

// dnssecCheck is one run of CheckDNSSEC.
type dnssecCheck struct {
	z      *Zone
	keys   []zoneKey
	opts   DNSSECOptions
	found  []finding
	report DNSSECReport
}

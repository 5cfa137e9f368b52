package zone

import (
	"time"

	"github.com/miekg/dns"
)

// zoneKey is a key of the apex DNSKEY RRset that may verify signatures: its Zone
// Key flag is set (RFC 4034 section 2.1.1), with its key tag computed once.
type zoneKey struct {
	key *dns.DNSKEY
	tag uint16
}

// zoneKeys returns the zone keys of the apex DNSKEY RRset, in file order.
func (z *Zone) zoneKeys() []zoneKey {
	set := z.apex.rrset(dns.TypeDNSKEY)
	if set == nil {
		return nil
	}
	keys := make([]zoneKey, 0, len(set.Records()))
	for _, rr := range set.Records() {
		k := rr.(*dns.DNSKEY)
		if k.Flags&dns.ZONE != 0 {
			keys = append(keys, zoneKey{key: k, tag: k.KeyTag()})
		}
	}
	return keys
}

// signsFor reports whether key k can have made sig: the same key tag and algorithm
// (RFC 4035 section 5.3.1; key tags are not unique, so more than one key may).
func (k zoneKey) signsFor(sig *dns.RRSIG) bool {
	return k.tag == sig.KeyTag && k.key.Algorithm == sig.Algorithm
}

// byZoneKey reports whether sig names the zone as its signer and a key of keys as
// the one that made it.
func (z *Zone) byZoneKey(keys []zoneKey, sig *dns.RRSIG) bool {
	if !foldEqualLower(sig.SignerName, z.origin) {
		return false
	}
	for _, k := range keys {
		if k.signsFor(sig) {
			return true
		}
	}
	return false
}

// rrsigTime returns the moment an RRSIG's Inception or Expiration field stands for:
// seconds since 1970 as a 32-bit unsigned number (RFC 4034 section 3.1.5), which
// serial number arithmetic reads the same way until 2106.
func rrsigTime(v uint32) time.Time { return time.Unix(int64(v), 0).UTC() }

// SignatureExpiry returns the earliest expiration time among the signatures of the
// zone made by a key of its apex DNSKEY RRset, over authoritative data and the
// NSEC3 chain: from that moment, validating resolvers find some of its answers
// bogus unless a new version is loaded. It returns false for a zone without such
// signatures. It is computed at compile time.
func (z *Zone) SignatureExpiry() (time.Time, bool) {
	return z.sec.expiry, !z.sec.expiry.IsZero()
}

// earliestExpiry returns the earliest expiration among the signatures that
// SignatureExpiry counts, or the zero time. An unsigned zone (no DNSKEY RRset at
// the apex) costs nothing.
func (z *Zone) earliestExpiry(nodes []*node) time.Time {
	keys := z.zoneKeys()
	if len(keys) == 0 {
		return time.Time{}
	}
	var (
		earliest uint32
		found    bool
	)
	scan := func(n *node) {
		for _, s := range n.sets {
			if s.Type != dns.TypeRRSIG {
				continue
			}
			for _, rr := range s.Records() {
				sig := rr.(*dns.RRSIG)
				if (!found || sig.Expiration < earliest) && z.byZoneKey(keys, sig) {
					earliest, found = sig.Expiration, true
				}
			}
		}
	}
	for _, n := range nodes {
		if n.authoritative() {
			scan(n)
		}
	}
	for _, n := range z.nsec3 {
		scan(n)
	}
	if !found {
		return time.Time{}
	}
	return rrsigTime(earliest)
}

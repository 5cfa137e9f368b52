package zone

import (
	"strings"

	"github.com/miekg/dns"
)

// checkApexNS warns when the apex owns no NS RRset: RFC 1034 section 4.2.1 says the
// top node of a zone has one, and without it no resolver is referred to the zone.
func (ix *checkIndex) checkApexNS(found *issues) {
	if !ix.has(ix.origin, dns.TypeNS) {
		found.addZone(ix, "no-apex-ns", "the apex %s has no NS records", ix.origin)
	}
}

// checkGlue warns about a delegation whose name server lies at or below its own
// delegation point (in-bailiwick, RFC 8499 section 7) with no A or AAAA record in the
// zone: that address is glue, the only way a resolver can reach the server
// (RFC 1034 section 4.2.1).
func (ix *checkIndex) checkGlue(found *issues) {
	for i, r := range ix.recs {
		yield(i)
		ns, ok := r.RR.(*dns.NS)
		owner := ix.owners[i]
		if !ok || owner == ix.origin || !ix.inZone(owner) {
			continue
		}
		target := strings.ToLower(ns.Ns)
		if !inDomain(target, owner) {
			continue
		}
		if !ix.has(target, dns.TypeA) && !ix.has(target, dns.TypeAAAA) {
			found.add(ix, i, "missing-glue", "no A or AAAA glue for name server %s of the delegation %s", ns.Ns, r.RR.Header().Name)
		}
	}
}

// checkTTLs warns when the records of one RRset have different TTLs, which RFC 2181
// section 5.2 forbids; the first record's TTL is the one nsd-checkzone reports against.
// RRSIG records are grouped by the type they cover (RFC 4034 section 3). The RRsets
// of one owner are found among that owner's records, so no zone-wide map is built.
func (ix *checkIndex) checkTTLs(found *issues) {
	type first struct {
		rtype uint16
		sig   bool
		ttl   uint32
	}
	var sets []first // the RRsets of the current owner, few: one per type
	for k := range ix.order {
		yield(k)
		sets = sets[:0]
	next:
		for _, i := range ix.lists[k] {
			r := ix.recs[i]
			h := r.RR.Header()
			k := first{rtype: h.Rrtype, ttl: h.Ttl}
			if sig, ok := r.RR.(*dns.RRSIG); ok {
				k.rtype, k.sig = sig.TypeCovered, true
			}
			for _, f := range sets {
				if f.rtype == k.rtype && f.sig == k.sig {
					if f.ttl != h.Ttl {
						found.add(ix, i, "ttl-mismatch", "%s TTL %d differs from the TTL %d of its %s RRset", h.Name, h.Ttl, f.ttl, dns.Type(h.Rrtype))
					}
					continue next
				}
			}
			sets = append(sets, k)
		}
	}
}

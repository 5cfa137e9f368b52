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
	addr := make(map[string]bool)
	for i, r := range ix.recs {
		if t := r.RR.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			addr[ix.owners[i]] = true
		}
	}
	for i, r := range ix.recs {
		ns, ok := r.RR.(*dns.NS)
		owner := ix.owners[i]
		if !ok || owner == ix.origin || !ix.inZone(owner) {
			continue
		}
		target := strings.ToLower(ns.Ns)
		if !dns.IsSubDomain(owner, target) {
			continue
		}
		if !addr[target] {
			found.add(ix, i, "missing-glue", "no A or AAAA glue for name server %s of the delegation %s", ns.Ns, r.RR.Header().Name)
		}
	}
}

// checkTTLs warns when the records of one RRset have different TTLs, which RFC 2181
// section 5.2 forbids; the first record's TTL is the one nsd-checkzone reports against.
// RRSIG records are grouped by the type they cover (RFC 4034 section 3).
func (ix *checkIndex) checkTTLs(found *issues) {
	type setKey struct {
		name  string
		rtype uint16
		sig   bool
	}
	first := make(map[setKey]uint32)
	for i, r := range ix.recs {
		h := r.RR.Header()
		k := setKey{name: ix.owners[i], rtype: h.Rrtype}
		if sig, ok := r.RR.(*dns.RRSIG); ok {
			k.rtype, k.sig = sig.TypeCovered, true
		}
		ttl, ok := first[k]
		if !ok {
			first[k] = h.Ttl
			continue
		}
		if ttl != h.Ttl {
			found.add(ix, i, "ttl-mismatch", "%s TTL %d differs from the TTL %d of its %s RRset", h.Name, h.Ttl, ttl, dns.Type(h.Rrtype))
		}
	}
}

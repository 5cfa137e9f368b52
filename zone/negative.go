package zone

import "github.com/miekg/dns"

// negativeSOA builds the SOA RRset of negative answers once, at compile time: a copy
// of the zone's SOA whose TTL is min(SOA TTL, SOA MINIMUM), the negative-caching TTL
// of RFC 2308 section 3 (as Knot DNS and NSD send it). Its signatures get the same
// TTL, so that a later signed negative answer needs nothing built per query.
func negativeSOA(soa *RRset) *RRset {
	orig := soa.first().(*dns.SOA)
	ttl := min(soa.TTL, orig.Minttl)
	c := dns.Copy(orig)
	c.Header().Ttl = ttl
	neg := &RRset{Name: soa.Name, Type: dns.TypeSOA, TTL: ttl}
	var sigs []dns.RR
	for _, sig := range soa.Signatures() {
		s := dns.Copy(sig)
		s.Header().Ttl = ttl
		sigs = append(sigs, s)
	}
	neg.hold([]dns.RR{c}, sigs)
	neg.encodeWire()
	return neg
}

// nameError answers that the name does not exist: NXDOMAIN with the SOA in the
// authority section (RFC 2308 section 2.1). A CNAME chain already in the answer
// section stays there (RFC 2308 section 2.1, "the rcode is set according to the
// final name").
func (z *Zone) nameError(a *Answer) {
	a.Kind = NameError
	a.Rcode = dns.RcodeNameError
	a.Authority = append(a.Authority, RRsetRef{Set: z.negSOA})
}

// noData answers that the name exists but has no records of the type asked for:
// NOERROR, empty answer (or just the CNAME chain), the SOA in authority (RFC 2308
// section 2.2). An empty non-terminal gives this answer too, never NXDOMAIN
// (RFC 8020 section 2, RFC 4592 section 2.2.2). In a signed zone the proof that n
// lacks the type follows (RFC 4035 section 3.1.3.1).
func (z *Zone) noData(n *node, a *Answer) {
	a.Kind = NoData
	a.Authority = append(a.Authority, RRsetRef{Set: z.negSOA})
	if z.proving(a) && !z.proveNoData(n, a) {
		a.failUnproved()
	}
}

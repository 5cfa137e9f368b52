package zone

import "github.com/miekg/dns"

// AppendRRs appends the records of r to dst as dns.RR values, with r's owner and
// synthesized CNAME applied (copies are made only where the owner changes). With
// sigs, the covering RRSIGs follow the records.
//
// A wildcard expansion keeps the RRSIGs of the wildcard RRset with the owner
// replaced: their Labels field still counts the labels of the wildcard's owner
// without the "*", which is how a validator recognises the expansion (RFC 4035
// section 5.3.4). A CNAME synthesized from a DNAME is not signed (RFC 6672 section
// 5.3), so it has no RRSIGs.
//
// Names synthesized by a DNAME live in the scratch space of the Answer r came from,
// and so do the records built with them: use them before that Answer is reused.
func (r RRsetRef) AppendRRs(dst []dns.RR, sigs bool) []dns.RR {
	switch {
	case r.Target != "":
		return append(dst, &dns.CNAME{
			Hdr: dns.RR_Header{
				Name:   r.Owner,
				Rrtype: dns.TypeCNAME,
				Class:  r.Set.class(),
				Ttl:    r.Set.TTL, // the TTL of the DNAME (RFC 6672 section 3.3)
			},
			Target: r.Target,
		})
	case r.Owner != "":
		return r.Set.appendRecords(dst, r.Owner, sigs)
	}
	return r.Set.appendRecords(dst, "", sigs)
}

// appendRenamed appends copies of rrs written with owner.
func appendRenamed(dst []dns.RR, rrs []dns.RR, owner string) []dns.RR {
	for _, rr := range rrs {
		c := dns.Copy(rr)
		c.Header().Name = owner
		dst = append(dst, c)
	}
	return dst
}

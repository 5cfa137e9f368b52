package zone

import (
	"github.com/miekg/dns"
)

// checkOutOfZone reports records whose owner is not at or below the origin: a zone
// holds only the names of its own subtree (RFC 1034 section 4.2.1). An SOA elsewhere
// is left to checkSOA.
func (ix *checkIndex) checkOutOfZone(found *issues) {
	for i, r := range ix.recs {
		yield(i)
		if !ix.inZone(ix.owners[i]) && r.RR.Header().Rrtype != dns.TypeSOA {
			found.add(ix, i, "out-of-zone", "%s is outside the zone %s", r.RR.Header().Name, ix.origin)
		}
	}
}

// checkSOA requires exactly one SOA record, owned by the apex (RFC 1035 section 5.2).
// As in nsd-checkzone, a second SOA is an error even when it repeats the first.
func (ix *checkIndex) checkSOA(found *issues) {
	apex := 0
	for i, r := range ix.recs {
		if r.RR.Header().Rrtype != dns.TypeSOA {
			continue
		}
		switch {
		case ix.owners[i] != ix.origin:
			found.add(ix, i, "soa-not-at-apex", "SOA record owned by %s, not by the zone apex %s", r.RR.Header().Name, ix.origin)
		case apex > 0:
			found.add(ix, i, "multiple-soa", "a second SOA record at the apex %s", ix.origin)
			apex++
		default:
			apex++
		}
	}
	if apex == 0 {
		found.addZone(ix, "no-soa", "zone %s has no SOA record at its apex", ix.origin)
	}
}

// cnameCompanion reports whether a record of type t may share its owner with a CNAME:
// the DNSSEC records that sign or deny it (RFC 4035 section 2.5, RFC 2181 section
// 10.1). NSEC3 is included as nsd-checkzone does: its owner is a hash, so it shares a
// name with a CNAME only by accident of the hash (RFC 5155 section 7.1).
func cnameCompanion(t uint16) bool {
	return t == dns.TypeRRSIG || t == dns.TypeNSEC || t == dns.TypeNSEC3 || t == dns.TypeCNAME
}

// checkCNAME enforces that an owner of a CNAME owns one CNAME and no other data
// (RFC 1034 section 3.6.2, RFC 2181 section 10.1); in particular a delegation point,
// which owns NS, holds no CNAME, and neither does a DNAME owner (RFC 6672 section 2.4).
// Each problem is reported once per owner, at the record that made it, like
// nsd-checkzone.
func (ix *checkIndex) checkCNAME(found *issues) {
	for i, name := range ix.order {
		yield(i)
		idx := ix.lists[i]
		if !ix.hasType(idx, dns.TypeCNAME) {
			continue
		}
		cnames, other, reported := 0, -1, false
		for _, i := range idx {
			h := ix.recs[i].RR.Header()
			if h.Rrtype == dns.TypeCNAME {
				cnames++
				if cnames == 2 {
					found.add(ix, i, "multiple-cname", "more than one CNAME record at %s", h.Name)
				}
			} else if !cnameCompanion(h.Rrtype) && other < 0 {
				other = i
			}
			if !reported && cnames > 0 && other >= 0 {
				reported = true
				rule := "cname-and-other-data"
				if name != ix.origin && ix.hasType(idx, dns.TypeNS) {
					rule = "cname-at-delegation"
				}
				found.add(ix, i, rule, "CNAME and other data (%s) at %s", dns.Type(ix.recs[other].RR.Header().Rrtype), h.Name)
			}
		}
	}
}

// checkDNAME allows one DNAME per owner and no names below a DNAME owner: RFC 6672
// section 2.4 says no descendant of a DNAME owner may exist in the zone, because the
// DNAME redirects every name below it. The records of an NSEC3 chain are exempt: they
// sit below the apex by construction (RFC 5155 section 7.1), and a DNAME may be at the
// apex (RFC 6672 section 2.3). nsd-checkzone 4.6.1 exempts the NSEC3 records but not
// their RRSIGs, which rejects every NSEC3-signed zone with a DNAME at the apex; here
// both are exempt.
func (ix *checkIndex) checkDNAME(found *issues) {
	dnames := make(map[string]bool)
	for k, name := range ix.order {
		seen := 0
		for _, i := range ix.lists[k] {
			if ix.recs[i].RR.Header().Rrtype != dns.TypeDNAME {
				continue
			}
			if seen++; seen == 2 {
				found.add(ix, i, "multiple-dname", "more than one DNAME record at %s", ix.recs[i].RR.Header().Name)
			}
			if ix.inZone(name) {
				dnames[name] = true
			}
		}
	}
	if len(dnames) == 0 {
		return
	}
	for k, name := range ix.order {
		if !ix.inZone(name) {
			continue
		}
		owner, below := ix.belowDNAME(name, dnames)
		if !below {
			continue
		}
		for _, i := range ix.lists[k] {
			if !isNSEC3Data(ix.recs[i].RR) {
				found.add(ix, i, "data-below-dname", "%s is below the DNAME at %s", ix.recs[i].RR.Header().Name, owner)
				break
			}
		}
	}
}

// belowDNAME returns the DNAME owner strictly above name (within the zone), if any.
func (ix *checkIndex) belowDNAME(name string, dnames map[string]bool) (string, bool) {
	for off, end := dns.NextLabel(name, 0); !end; off, end = dns.NextLabel(name, off) {
		parent := name[off:]
		if dnames[parent] {
			return parent, true
		}
		if parent == ix.origin {
			break
		}
	}
	return "", false
}

// hasType reports whether any of the records at idx has type t.
func (ix *checkIndex) hasType(idx []int, t uint16) bool {
	for _, i := range idx {
		if ix.recs[i].RR.Header().Rrtype == t {
			return true
		}
	}
	return false
}

package server

import (
	"unsafe"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// classify returns the response class of the reply just built for q, the name
// its account is kept by, as NSD's rrl_classify and BIND's rate-limit classes
// decide them, and the identity of what the name stands for (ref, 0 when
// none), which the key then hashes instead of the name:
//
//   - NXDOMAIN: by the zone, so that random names in one zone are one account
//     (a random-subdomain flood cannot spread over accounts);
//   - any other rcode but NOERROR: an error, by the zone, or one account for
//     every name outside our zones (REFUSED);
//   - a referral: by the delegation point (the NS RRset);
//   - NODATA: by the zone;
//   - an answer: by the query name and type, that is by the first RRset of the
//     answer and the type. A wildcard expansion (RFC 4592) is then accounted
//     by the wildcard, every name below it getting the same records, and the
//     CNAMEs a DNAME synthesizes by the DNAME; the name's case does not
//     matter.
//
// A zone's origin and RRsets are the same memory for every query to a version
// of the zone: their addresses identify them at the cost of a multiplication,
// where hashing the name would cost a pass over it and a fold of its case. A
// reload of the zone starts its accounts afresh.
//
// sc.ans is read only when a zone answered (sc.res.zone is set by lookup).
func classify(sc *scratch, q *query) (c rrlClass, name string, ref uintptr) {
	origin := sc.res.zone
	if origin == "none" {
		origin = ""
	} else {
		ref = uintptr(unsafe.Pointer(unsafe.StringData(origin)))
	}
	switch sc.res.rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return rrlNXDomain, origin, ref
	default:
		return rrlError, origin, ref
	}
	if origin == "" {
		// The identity answers (CHAOS hostname.bind..., answered by the
		// miekg/dns path), by name: the owner of the identity's record is one
		// string for every query to it (identity.go), its address the name's
		// identity whatever the query's case.
		if q.qclass == dns.ClassCHAOS && len(sc.an.rrs) > 0 {
			owner := sc.an.rrs[0].Header().Name
			return rrlPositive, owner, uintptr(unsafe.Pointer(unsafe.StringData(owner)))
		}
		return rrlPositive, q.qname, 0
	}
	a := &sc.ans
	switch a.Kind {
	case zone.Delegation:
		if len(a.Authority) > 0 {
			ns := a.Authority[0].Set
			return rrlReferral, ns.Name, uintptr(unsafe.Pointer(ns))
		}
		return rrlReferral, origin, ref
	case zone.NoData:
		return rrlNoData, origin, ref
	}
	if len(a.Answer) == 0 {
		return rrlNoData, origin, ref
	}
	first := &a.Answer[0]
	name = q.qname
	if first.Owner != "" && first.Target == "" {
		// An owner that replaces the set's name with no target is a wildcard
		// expansion (with a target, a CNAME synthesized from a DNAME).
		name = first.Set.Name
	}
	return rrlPositive, name, uintptr(unsafe.Pointer(first.Set))
}

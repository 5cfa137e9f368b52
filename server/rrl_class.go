package server

import (
	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// classify returns the response class of the reply just built for q and the
// name its account is kept by, as NSD's rrl_classify and BIND's rate-limit
// classes decide them:
//
//   - NXDOMAIN: by the zone, so that random names in one zone are one account
//     (a random-subdomain flood cannot spread over accounts);
//   - any other rcode but NOERROR: an error, by the zone, or one account for
//     every name outside our zones (REFUSED);
//   - a referral: by the delegation point (the owner of the NS RRset);
//   - NODATA: by the zone;
//   - an answer: by the query name and type, or by the wildcard's own name
//     when the answer is a wildcard expansion (RFC 4592), since every name
//     below it gets the same records.
//
// sc.ans is read only when a zone answered (sc.res.zone is set by lookup).
func classify(sc *scratch, q *query) (rrlClass, string) {
	origin := sc.res.zone
	if origin == "none" {
		origin = ""
	}
	switch sc.res.rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return rrlNXDomain, origin
	default:
		return rrlError, origin
	}
	if origin == "" {
		// The identity answers (CHAOS hostname.bind...), by name.
		return rrlPositive, q.qname
	}
	a := &sc.ans
	switch a.Kind {
	case zone.Delegation:
		if len(a.Authority) > 0 {
			return rrlReferral, a.Authority[0].Set.Name
		}
		return rrlReferral, origin
	case zone.NoData:
		return rrlNoData, origin
	}
	if len(a.Answer) == 0 {
		return rrlNoData, origin
	}
	for _, r := range a.Answer {
		// An owner that replaces the set's name with no target is a wildcard
		// expansion; with a target it is a CNAME synthesized from a DNAME.
		if r.Owner != "" && r.Target == "" {
			return rrlPositive, r.Set.Name
		}
	}
	return rrlPositive, q.qname
}

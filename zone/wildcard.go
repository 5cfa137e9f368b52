package zone

import "github.com/miekg/dns"

// wildcard answers name, which does not exist, from the wildcard node w, the "*"
// child of its closest encloser (RFC 4592 section 3.3.1). The records are written
// with the query name as owner (section 3.4.1); a wildcard CNAME is followed like
// any other (section 4.4); a wildcard without the type gives NODATA.
//
// The conditions of section 3.3.1 hold by construction: step only calls this when
// the name has no node (an empty non-terminal is a node, so it blocks synthesis
// below itself and is the closest encloser of its own missing children), and when
// no zone cut or DNAME is at or above the closest encloser.
//
// In a signed zone the answer also proves that name itself does not exist (RFC
// 4035 section 3.1.3.3, RFC 5155 section 7.2.6), and a wildcard NODATA that the
// wildcard lacks the type (RFC 4035 section 3.1.3.4, RFC 5155 section 7.2.5).
func (z *Zone) wildcard(ce *node, name string, qtype uint16, a *Answer) (string, bool) {
	w := ce.wild
	var next string
	var follow bool
	if w.is(flagDelegation) && qtype != dns.TypeDS {
		// A wildcard owning NS is a delegation of the name "*" itself (RFC 4592
		// section 4.2): a missing name under it gets that referral, the NS written
		// with the wildcard owner, as Knot DNS sends it. DS is parent-side data
		// (RFC 4035 section 3.1.4.1) and is answered from the wildcard node.
		z.referral(w, a)
		if z.proving(a) && !z.proveDelegation(w, a) {
			a.failUnproved()
		}
	} else {
		next, follow = z.answerAt(w, name, qtype, a)
	}
	if !z.proving(a) || a.Kind == ServerFailure {
		return next, follow
	}
	var ok bool
	if a.Kind == NoData {
		ok = z.proveWildcardNoData(ce, name, a)
	} else {
		ok = z.proveExpansion(ce, name, a)
	}
	if !ok {
		a.failUnproved()
		return "", false
	}
	return next, follow
}

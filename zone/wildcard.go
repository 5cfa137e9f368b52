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
func (z *Zone) wildcard(w *node, name string, qtype uint16, a *Answer) (string, bool) {
	if w.is(flagDelegation) && qtype != dns.TypeDS {
		// A wildcard owning NS is a delegation of the name "*" itself (RFC 4592
		// section 4.2): a missing name under it gets that referral, the NS written
		// with the wildcard owner, as Knot DNS sends it. DS is parent-side data
		// (RFC 4035 section 3.1.4.1) and is answered from the wildcard node.
		z.referral(w, a)
		return "", false
	}
	return z.answerAt(w, name, qtype, a)
}

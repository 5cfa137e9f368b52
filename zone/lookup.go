package zone

import "github.com/miekg/dns"

// maxChain caps the CNAME and DNAME redirections followed inside the zone in one
// lookup (RFC 1034 section 3.6.2 asks servers not to chase chains forever). Like
// Knot DNS 3.2, five redirections are followed; the name the fifth one points at is
// still answered, but a further CNAME or DNAME found there is not added. The answer
// is then the chain so far, NOERROR, as for a loop.
const maxChain = 5

// Lookup answers qname/qtype from the zone into a (reset first). qname may be in any
// case; it must be fully qualified and at or below the zone's origin. It allocates
// nothing.
//
// The algorithm is RFC 1034 section 4.3.2 with the refinements of RFC 4592
// (wildcards), RFC 6672 (DNAME), RFC 2308 (negative answers) and RFC 8482 (ANY).
// A qname outside the zone gives Kind NameError with Rcode dns.RcodeRefused and
// empty sections. Owner and Target strings synthesized by a DNAME point into a's
// scratch space: they are valid until a is reset or reused.
func (z *Zone) Lookup(qname string, qtype uint16, a *Answer) {
	z.lookup(qname, qtype, false, a)
}

// LookupDNSSEC is Lookup for a query that set the DO bit (RFC 3225 section 3): in a
// signed zone the authority section also holds what a validating resolver needs
// (RFC 4035 section 3.1): the NSEC or NSEC3 proofs of negative answers and
// wildcard expansions, and the DS RRset of a referral or the proof that it has
// none (see proof.go). The RRSIGs of every RRset are the writer's to add. It
// allocates nothing.
func (z *Zone) LookupDNSSEC(qname string, qtype uint16, a *Answer) {
	z.lookup(qname, qtype, true, a)
}

// lookup is Lookup, with the proofs of a signed zone when dnssec is set.
func (z *Zone) lookup(qname string, qtype uint16, dnssec bool, a *Answer) {
	a.Reset()
	if z.unavailable != Available {
		z.answerUnavailable(a)
		return
	}
	a.Authoritative = true
	a.dnssec = dnssec
	name := qname
	for first := true; ; first = false {
		low, ok := lowerInto(a.low[:], name)
		if !ok || !inDomain(low, z.origin) {
			if first {
				a.Kind = NameError
				a.Rcode = dns.RcodeRefused
				a.Authoritative = false
				return
			}
			// The chain leaves the zone: the CNAMEs so far are the answer and the
			// resolver follows the rest (RFC 1034 section 4.3.2 step 3a).
			a.Kind = Success
			break
		}
		next, follow := z.step(name, low, qtype, a)
		if a.Kind == ServerFailure {
			return
		}
		if !follow {
			break
		}
		name = next
	}
	if a.Kind == Success {
		a.addExtra()
	}
}

// step runs one pass of RFC 1034 section 4.3.2 steps 2-4 for name (low is its
// lower-case form). It fills a and returns the name to continue with when a CNAME
// or a DNAME redirected the query.
func (z *Zone) step(name string, low []byte, qtype uint16, a *Answer) (next string, follow bool) {
	n, exact := z.find(low)

	// Step 3b: a zone cut or a DNAME above the name (or at it) comes first. At the
	// cut itself DS is the parent's data (RFC 4035 section 3.1.4.1), and at a DNAME
	// owner the owner's own data is answered (RFC 6672 section 2.3).
	if c := n.cut; c != nil {
		if c.is(flagDelegation) {
			if !(exact && c == n && qtype == dns.TypeDS) {
				z.referral(c, a)
				if z.proving(a) && !z.proveDelegation(c, a) {
					a.failUnproved()
				}
				return "", false
			}
		} else if !(exact && c == n) {
			return z.substitute(c, name, qtype, a)
		}
	}

	if exact {
		return z.answerAt(n, "", qtype, a)
	}
	// Step 3c: the name does not exist. Synthesize from the wildcard child of the
	// closest encloser, if there is one (RFC 4592 section 3.3.1).
	if n.wild != nil {
		return z.wildcard(n, name, qtype, a)
	}
	z.nameError(a)
	if z.proving(a) && !z.proveNameError(n, name, a) {
		a.failUnproved()
	}
	return "", false
}

// answerAt answers from the data of node n (step 3a), writing owner for the owner
// names when it is not empty (a wildcard expansion).
func (z *Zone) answerAt(n *node, owner string, qtype uint16, a *Answer) (string, bool) {
	if qtype == dns.TypeANY {
		s := n.anySet()
		if s == nil {
			z.noData(n, a)
			return "", false
		}
		a.Kind = Success
		a.Answer = append(a.Answer, RRsetRef{Set: s, Owner: owner})
		return "", false
	}
	if s := n.rrset(qtype); s != nil {
		a.Kind = Success
		a.Answer = append(a.Answer, RRsetRef{Set: s, Owner: owner})
		return "", false
	}
	// RRSIG and NSEC live beside a CNAME (RFC 4035 section 2.5, RFC 2181 section
	// 10.1.1): a query for them is answered from the node, never from the target.
	if c := n.cname(); c != nil && qtype != dns.TypeRRSIG && qtype != dns.TypeNSEC {
		return a.followCNAME(c, owner)
	}
	z.noData(n, a)
	return "", false
}

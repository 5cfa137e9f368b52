package zone

import "github.com/miekg/dns"

// The authenticated denial of existence of a signed zone (RFC 4035 section 3.1.3,
// RFC 5155 section 7.2): the NSEC or NSEC3 RRsets a validating resolver needs to
// believe a negative answer, a wildcard expansion or an insecure referral. They are
// added to the authority section only when the query set DO (RFC 3225 section 3)
// and the zone is signed; the server writes their RRSIGs with them. The choice of
// records follows Knot DNS 3.2 (knot/nameserver/nsec_proofs.c), the reference of
// the differential test.

// proofScratch is the memory a proof needs per query, kept in the Answer so that a
// proof allocates nothing.
type proofScratch struct {
	wire [maxNameWire + 3]byte // a name in wire form; "*." and a name, at most
	key  [maxKeyLen + 4]byte   // a canonical key (NSEC)
	hash hashBuf               // the input of an NSEC3 hash
}

// proving reports whether the lookup adds proofs to a.
func (z *Zone) proving(a *Answer) bool { return a.dnssec && z.sec.denial != noDenial }

// addProof appends the RRset s to the authority section unless the reply holds it
// already: one NSEC can prove two things (RFC 4035 section 3.1.3.2), and a query
// of type NSEC answered from a wildcard has the covering NSEC as its answer (as
// Knot DNS sends it, once).
func (a *Answer) addProof(s *RRset) {
	if s == nil {
		return
	}
	for _, sec := range [...][]RRsetRef{a.Answer, a.Authority} {
		for i := range sec {
			if sec[i].Set == s && sec[i].Target == "" {
				return
			}
		}
	}
	a.Authority = append(a.Authority, RRsetRef{Set: s})
}

// wireOf returns the wire form of the presentation-format name in the scratch
// space of a, after prefix (nil, or the label "*"), or false when it has none.
func (a *Answer) wireOf(prefix []byte, name string) ([]byte, bool) {
	dst := append(a.proof.wire[:0], prefix...)
	return NameToWire(dst, name)
}

// wildcardLabel is the wire form of the label "*" (RFC 4592 section 2.1.1).
var wildcardLabel = []byte{1, '*'}

// proveNameError proves that name, whose closest encloser is ce, does not exist and
// that no wildcard could have answered it. NSEC (RFC 4035 section 3.1.3.2): the NSEC
// that covers name and the one that covers "*.ce" (ce may be an empty
// non-terminal). NSEC3 (RFC 5155 section 7.2.2): the closest encloser proof and the
// NSEC3 that covers the wildcard at the closest provable encloser. It returns false
// when the chain cannot prove it (an NSEC3 hash collision, section 7.2.9).
func (z *Zone) proveNameError(ce *node, name string, a *Answer) bool {
	wire, ok := a.wireOf(nil, name)
	if !ok {
		return true
	}
	if z.sec.denial == nsecDenial {
		a.addProof(z.nsecCovering(wire, a))
		if star, ok := a.wireOf(wildcardLabel, ce.name); ok {
			a.addProof(z.nsecCovering(star, a))
		}
		return true
	}
	cpe := z.provableEncloser(ce)
	if !z.proveClosestEncloser(cpe, wire, a) {
		return false
	}
	star, ok := a.wireOf(wildcardLabel, cpe.name)
	return ok && z.proveCovered(star, a)
}

// proveNoData proves that node n, which exists, has no RRset of the type asked for.
// NSEC (RFC 4035 section 3.1.3.1): n's own NSEC, whose bitmap lacks the type; an
// empty non-terminal has none, and the NSEC that covers its name proves that it
// owns nothing (RFC 4035 section 3.1.3.4 as applied by Knot DNS and NSD). NSEC3
// (RFC 5155 sections 7.2.3 and 7.2.4): the NSEC3 that matches n; without one (a
// delegation or an empty non-terminal in an Opt-Out span) the closest encloser
// proof, whose covering NSEC3 has the Opt-Out flag.
func (z *Zone) proveNoData(n *node, a *Answer) bool {
	if n.proof != nil {
		a.addProof(n.proof)
		return true
	}
	wire, ok := a.wireOf(nil, n.name)
	if !ok {
		return true
	}
	if z.sec.denial == nsecDenial {
		a.addProof(z.nsecCovering(wire, a))
		return true
	}
	return z.proveClosestEncloser(z.provableEncloser(n), wire, a)
}

// proveExpansion proves that name, answered from the wildcard child of its closest
// encloser ce, does not exist itself, so that the wildcard could answer (RFC 4035
// section 3.1.3.3: the NSEC that covers name; RFC 5155 section 7.2.6: the NSEC3
// that covers the next closer name, the closest encloser being implied by the
// Labels field of the RRSIG).
func (z *Zone) proveExpansion(ce *node, name string, a *Answer) bool {
	wire, ok := a.wireOf(nil, name)
	if !ok {
		return true
	}
	if z.sec.denial == nsecDenial {
		a.addProof(z.nsecCovering(wire, a))
		return true
	}
	cpe := z.provableEncloser(ce)
	return z.proveCovered(nextCloser(wire, dns.CountLabel(cpe.name)), a)
}

// proveWildcardNoData proves a wildcard NODATA answer for name (RFC 5155 section
// 7.2.5, RFC 4035 section 3.1.3.4), beside the wildcard's own NSEC or matching
// NSEC3 that proveNoData added: under NSEC3 the closest encloser proof, whose
// covering NSEC3 of the next closer name also proves that name absent; under NSEC
// the NSEC covering name, as for an expansion.
func (z *Zone) proveWildcardNoData(ce *node, name string, a *Answer) bool {
	if z.sec.denial != nsec3Denial {
		return z.proveExpansion(ce, name, a)
	}
	wire, ok := a.wireOf(nil, name)
	if !ok {
		return true
	}
	return z.proveClosestEncloser(z.provableEncloser(ce), wire, a)
}

// proveDelegation adds to a referral from the delegation point c what a validator
// needs to follow it (RFC 4035 section 3.1.4): the DS RRset when the child is
// signed (its RRSIGs follow), otherwise the proof that there is none, as for a DS
// query at c (RFC 4035 section 3.1.4.1, RFC 5155 section 7.2.7).
func (z *Zone) proveDelegation(c *node, a *Answer) bool {
	if ds := c.rrset(dns.TypeDS); ds != nil {
		a.addProof(ds)
		return true
	}
	return z.proveNoData(c, a)
}

// nsecCovering returns the NSEC RRset of the greatest owner at or before the
// wire-form name in canonical order: the NSEC that matches name or covers it (RFC
// 4034 section 4.1.1: the chain wraps from its last owner to the apex).
func (z *Zone) nsecCovering(wire []byte, a *Answer) *RRset {
	t := &z.sec.nsec
	if len(t.sets) == 0 {
		return nil
	}
	i, _ := t.floor(canonicalKey(a.proof.key[:0], wire))
	if i < 0 {
		i = len(t.sets) - 1
	}
	return t.sets[i]
}

// provableEncloser returns n or its nearest ancestor with a matching NSEC3 record:
// the closest provable encloser of RFC 5155 section 7.2.1. The apex always has one
// in a complete chain; the walk stops there regardless.
func (z *Zone) provableEncloser(n *node) *node {
	for n.proof == nil && n != z.apex {
		p, ok := parentName(n.name)
		if !ok {
			break
		}
		parent := z.node(p)
		if parent == nil {
			break
		}
		n = parent
	}
	return n
}

// proveClosestEncloser adds the closest encloser proof for the wire-form name (RFC
// 5155 section 7.2.1): the NSEC3 matching the closest provable encloser cpe and the
// one covering the next closer name.
func (z *Zone) proveClosestEncloser(cpe *node, wire []byte, a *Answer) bool {
	a.addProof(cpe.proof)
	return z.proveCovered(nextCloser(wire, dns.CountLabel(cpe.name)), a)
}

// proveCovered adds the NSEC3 whose span covers the hash of the wire-form name. A
// matching NSEC3 instead means a name the lookup found absent hashes like one that
// exists: a collision, which no answer can prove (RFC 5155 section 7.2.9), so it
// returns false.
func (z *Zone) proveCovered(wire []byte, a *Answer) bool {
	h := z.sec.params.hash(&a.proof.hash, wire)
	set, match := z.sec.nsec3.lookup(h[:])
	if match {
		return false
	}
	a.addProof(set)
	return true
}

// nextCloser returns the ancestor of the wire-form name that has one label more
// than an encloser of encloserLabels labels (RFC 5155 section 1.3), or the name
// itself when it is not longer.
func nextCloser(wire []byte, encloserLabels int) []byte {
	var starts [maxLabels]uint16
	n := 0
	for i := 0; i < len(wire) && wire[i] != 0 && n < maxLabels; i += int(wire[i]) + 1 {
		starts[n] = uint16(i)
		n++
	}
	k := n - encloserLabels - 1
	if k <= 0 {
		return wire
	}
	return wire[starts[k]:]
}

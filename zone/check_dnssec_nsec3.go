package zone

import (
	"bytes"
	"strings"

	"github.com/miekg/dns"
)

// nsec3OptOut is the Opt-Out flag of an NSEC3 record (RFC 5155 section 3.1.2.1).
const nsec3OptOut = 1

// checkNSEC3 checks the NSEC3 chain that the apex NSEC3PARAM names (RFC 5155
// section 7.1): every NSEC3 record belongs to a chain of an NSEC3PARAM and is owned
// by a hash one label below the apex; the Next Hashed Owner Names go round the
// chain's hashes in ascending order; every authoritative name and empty
// non-terminal has a matching NSEC3 listing its types, unless Opt-Out lets it go
// without; and every NSEC3 of the chain matches a name.
func (c *dnssecCheck) checkNSEC3() {
	z := c.z
	c.checkNSEC3Params()
	for _, n := range z.nsec3 {
		set := n.rrset(dns.TypeNSEC3)
		if set == nil {
			continue // signatures alone; checkSignatures reads only signed RRsets
		}
		parent, _ := parentName(n.name)
		if _, ok := ownerHash(n.name); !ok || parent != z.origin {
			c.add(atRR(set.first()), false, "nsec3-owner", "the NSEC3 owner %s is not a hash one label below the apex %s (RFC 5155 section 3)",
				set.Name, z.origin)
			continue
		}
		for _, rr := range set.Records() {
			r := rr.(*dns.NSEC3)
			if !z.sec.params.matches(r) && !c.otherChain(r) {
				c.add(atRR(rr), false, "nsec3-params", "the NSEC3 %s has hash algorithm %d, %d iterations and salt %q: the parameters of no NSEC3PARAM at the apex (RFC 5155 section 7.1)",
					set.Name, r.Hash, r.Iterations, r.Salt)
			}
		}
	}
	c.checkNSEC3Next()
	t := &z.sec.nsec3
	used := make(map[*RRset]bool, len(t.sets))
	var secure map[*node]bool // built when first needed
	for n := range z.allNodes() {
		if !n.authoritative() {
			continue
		}
		if n.proof != nil {
			used[n.proof] = true
			for _, rr := range n.proof.Records() {
				c.checkBitmap(n, rr, "nsec3-bitmap", rr.(*dns.NSEC3).TypeBitMap)
			}
			continue
		}
		insecure := n.is(flagDelegation) && n.rrset(dns.TypeDS) == nil
		if !insecure && len(n.sets) == 0 && secure == nil {
			secure = c.secureAncestors()
		}
		if !insecure && (len(n.sets) > 0 || secure[n]) {
			c.add(atNode(n), false, "nsec3-missing", "%s has no NSEC3 record", n.name)
			continue
		}
		c.checkOptOut(n)
	}
	for _, set := range t.sets {
		if !used[set] {
			c.add(atRR(set.first()), false, "nsec3-orphan", "the NSEC3 %s matches no authoritative name of the zone", set.Name)
		}
	}
}

// checkNSEC3Params warns about the parameters of the chain served when they are not
// those RFC 9276 section 3.1 asks of a zone: no additional iterations (each costs
// every resolver and server a SHA-1 per name), and no salt (it protects nothing).
func (c *dnssecCheck) checkNSEC3Params() {
	var at dns.RR
	for _, rr := range c.z.apex.rrset(dns.TypeNSEC3PARAM).Records() {
		p := rr.(*dns.NSEC3PARAM)
		if p.Flags == 0 && p.Hash == nsec3SHA1 {
			at = rr
			break
		}
	}
	if p := c.z.sec.params; p.iterations > 0 {
		c.add(atRR(at), true, "nsec3-iterations", "the NSEC3 chain uses %d additional iterations; RFC 9276 section 3.1 asks for 0", p.iterations)
	}
	if p := c.z.sec.params; len(p.salt) > 0 {
		c.add(atRR(at), true, "nsec3-salt", "the NSEC3 chain uses a salt of %d octets; RFC 9276 section 3.1 asks for none", len(p.salt))
	}
}

// otherChain reports whether r has the parameters of an NSEC3PARAM at the apex
// other than the one served: a chain being built or retired beside it.
func (c *dnssecCheck) otherChain(r *dns.NSEC3) bool {
	for _, rr := range c.z.apex.rrset(dns.TypeNSEC3PARAM).Records() {
		p := rr.(*dns.NSEC3PARAM)
		if p.Hash == r.Hash && p.Iterations == r.Iterations && strings.EqualFold(p.Salt, r.Salt) {
			return true
		}
	}
	return false
}

// checkNSEC3Next checks that the Next Hashed Owner Name of every NSEC3 of the chain
// is the next hash in ascending order, the last one's the first hash (RFC 5155
// section 3.1.7).
func (c *dnssecCheck) checkNSEC3Next() {
	t := &c.z.sec.nsec3
	for i, set := range t.sets {
		next := (i + 1) % len(t.sets)
		for _, rr := range set.Records() {
			r := rr.(*dns.NSEC3)
			h, err := base32Hex.DecodeString(strings.ToUpper(r.NextDomain))
			if err == nil && bytes.Equal(h, t.at(next)) {
				continue
			}
			c.add(atRR(rr), false, "nsec3-next", "the NSEC3 %s names %s as the next hashed owner, but the next hash of the chain is %s",
				set.Name, strings.ToLower(r.NextDomain), strings.ToLower(base32Hex.EncodeToString(t.at(next))))
		}
	}
}

// secureAncestors returns the empty non-terminals and other names that have an
// authoritative name below them other than an insecure delegation: those need a
// matching NSEC3 even under Opt-Out (RFC 5155 section 7.1).
func (c *dnssecCheck) secureAncestors() map[*node]bool {
	z := c.z
	m := make(map[*node]bool)
	for n := range z.allNodes() {
		if !n.authoritative() || len(n.sets) == 0 || (n.is(flagDelegation) && n.rrset(dns.TypeDS) == nil) {
			continue
		}
		for p := n; p != z.apex; {
			name, ok := parentName(p.name)
			if !ok {
				break
			}
			if p = z.node(name); p == nil || m[p] {
				break
			}
			m[p] = true
		}
	}
	return m
}

// checkOptOut checks that n, an insecure delegation or an empty non-terminal that
// exists only because of such, with no NSEC3 of its own, lies in an Opt-Out span:
// the NSEC3 covering the next closer name of n's closest provable encloser has the
// Opt-Out flag (RFC 5155 sections 6 and 7.1), as a validator checks for a referral
// without DS (section 8.6).
func (c *dnssecCheck) checkOptOut(n *node) {
	z := c.z
	var wire [maxNameWire + 1]byte
	var buf hashBuf
	w, ok := NameToWire(wire[:0], n.name)
	if !ok {
		return
	}
	cpe := z.provableEncloser(n)
	nc := nextCloser(w, dns.CountLabel(cpe.name))
	h := z.sec.params.hash(&buf, nc)
	set, match := z.sec.nsec3.lookup(h[:])
	if set != nil && !match {
		if set.first().(*dns.NSEC3).Flags&nsec3OptOut != 0 {
			return
		}
	}
	c.add(atNode(n), false, "nsec3-missing", "%s has no NSEC3 record, and no NSEC3 with the Opt-Out flag covers it", n.name)
}

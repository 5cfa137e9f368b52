package zone

import (
	"strings"
	"unsafe"

	"github.com/miekg/dns"
)

// substitute answers a name below the DNAME owner c (RFC 6672 section 3.3 step 3c):
// the DNAME RRset, then a CNAME synthesized from it with the owner name and TTL of
// the query name and the DNAME, pointing at the query name with the DNAME owner
// replaced by its target. The lookup continues with that new name, unless the query
// asked for a CNAME, which the synthesized one answers.
func (z *Zone) substitute(c *node, name string, qtype uint16, a *Answer) (string, bool) {
	d := c.dname()
	a.Kind = Success
	if a.redirects >= maxChain {
		return "", false // the chain is long enough (see maxChain)
	}
	a.redirects++
	for i := range a.Answer {
		if r := &a.Answer[i]; r.Set == d && r.Target != "" && strings.EqualFold(r.Owner, name) {
			return "", false // the same substitution again: a loop (RFC 6672 section 3.3)
		}
	}
	// The DNAME RRset goes into the answer once, however many names of the chain it
	// rewrites (as Knot DNS writes it).
	if !a.holds(d, "") {
		a.Answer = append(a.Answer, RRsetRef{Set: d})
	}
	// name ends in c.name (its lower-case form does, and lowering keeps lengths).
	prefix := name[:len(name)-len(c.name)]
	if wireLen(prefix)+wireLen(d.target())+1 > maxNameWire {
		// The new name would be longer than a domain name may be: YXDOMAIN, with the
		// DNAME in the answer section (RFC 6672 section 2.2), and the SOA in
		// authority as Knot DNS sends it.
		a.Kind = NameError
		a.Rcode = dns.RcodeYXDomain
		a.Authority = append(a.Authority, RRsetRef{Set: z.negSOA})
		return "", false
	}
	target, ok := a.synthesize(prefix, d.target())
	if !ok {
		return "", false // scratch space exhausted by a long chain: stop, as at maxChain
	}
	a.Answer = append(a.Answer, RRsetRef{Set: d, Owner: name, Target: target})
	return target, qtype != dns.TypeCNAME
}

// synthesize writes prefix+suffix into the answer's scratch space and returns it as
// a string that shares that memory (so nothing is allocated per query). The string
// is valid until the Answer is reset. A suffix of "." (a DNAME to the root) adds
// nothing to the prefix, which already ends in a dot.
func (a *Answer) synthesize(prefix, suffix string) (string, bool) {
	if suffix == "." {
		suffix = ""
	}
	n := len(prefix) + len(suffix)
	if n == 0 || a.used+n > len(a.buf) {
		return "", false
	}
	b := a.buf[a.used : a.used+n]
	copy(b, prefix)
	copy(b[len(prefix):], suffix)
	a.used += n
	return unsafe.String(&b[0], n), true
}

package zone

import "strings"

// followCNAME adds the CNAME RRset c (written with owner when not empty) to the
// answer and returns its target to restart the lookup with (RFC 1034 section 4.3.2
// step 3a, "change QNAME to the canonical name in the CNAME RR, and go back to step
// 1"). A CNAME already in the answer with the same owner is a loop: the chain stops
// there and the answer is what it holds (RFC 1034 section 3.6.2, RFC 2181 section
// 10.1.1), as Knot DNS and NSD answer; so does a chain longer than maxChain.
func (a *Answer) followCNAME(c *RRset, owner string) (string, bool) {
	a.Kind = Success
	if a.redirects >= maxChain || a.holds(c, owner) {
		return "", false
	}
	a.redirects++
	a.Answer = append(a.Answer, RRsetRef{Set: c, Owner: owner})
	return c.target(), true
}

// holds reports whether the answer section already has set c written with owner
// (not a CNAME synthesized from it).
func (a *Answer) holds(c *RRset, owner string) bool {
	for i := range a.Answer {
		r := &a.Answer[i]
		if r.Set == c && r.Target == "" && strings.EqualFold(r.Owner, owner) {
			return true
		}
	}
	return false
}

package zone

import "slices"

// referral answers a name at or below the delegation point c with a referral (RFC
// 1034 section 4.3.2 step 3b): the NS RRset of the cut in the authority section and
// its glue in the additional section, the NS RRset's Extra, resolved at compile
// time. The referral is not authoritative unless a CNAME of this zone led to it:
// then the answer section holds authoritative data and AA stays set, as Knot DNS
// answers.
func (z *Zone) referral(c *node, a *Answer) {
	a.Kind = Delegation
	a.Authoritative = len(a.Answer) > 0
	a.Authority = append(a.Authority, RRsetRef{Set: c.ns})
	glue := c.ns.Extra
	at := len(a.Additional)
	a.Additional = slices.Grow(a.Additional, len(glue))[:at+len(glue)]
	for i, s := range glue {
		r := &a.Additional[at+i]
		r.Set, r.Owner, r.Target, r.Glue = s, "", "", c.inDomainGlue(i, s)
	}
}

// inDomainGlue reports whether s, the i-th glue RRset of the delegation point c,
// is in-domain glue (RFC 9471 section 2.1): a name at or below c. It is decided at
// compile time for the first 32 (glueIn); a delegation with more glue RRsets than
// that has the rest decided here, without allocating.
func (c *node) inDomainGlue(i int, s *RRset) bool {
	if i < 32 {
		return c.glueIn&(1<<i) != 0
	}
	return inDomainFold(s.Name, c.name)
}

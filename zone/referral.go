package zone

// referral answers a name at or below the delegation point c with a referral (RFC
// 1034 section 4.3.2 step 3b): the NS RRset of the cut in the authority section and
// its glue in the additional section, precomputed at compile time. The referral is
// not authoritative unless a CNAME of this zone led to it: then the answer section
// holds authoritative data and AA stays set, as Knot DNS answers.
func (z *Zone) referral(c *node, a *Answer) {
	a.Kind = Delegation
	a.Authoritative = len(a.Answer) > 0
	a.Authority = append(a.Authority, RRsetRef{Set: c.ns})
	a.Additional = append(a.Additional, c.glue...)
}

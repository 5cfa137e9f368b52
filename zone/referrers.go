package zone

import "slices"

// targetRef says that the records of the node named referrer read target for
// their additional data or glue.
type targetRef struct{ target, referrer string }

// remoteTargets appends to refs the targets of n's NS, MX, SRV, SVCB and HTTPS
// records that are names of the zone outside n's own subtree: the names whose
// change Apply cannot find n from by walking up (see Zone.referrers).
func (z *Zone) remoteTargets(refs []targetRef, n *node) []targetRef {
	for _, s := range n.sets {
		if !hasExtra(s.Type) {
			continue
		}
		for _, rr := range s.Records() {
			t := canonicalName(targetOf(rr))
			if t != "" && inDomain(t, z.origin) && !inDomain(t, n.name) {
				refs = append(refs, targetRef{target: t, referrer: n.name})
			}
		}
	}
	return refs
}

// indexReferrers returns the index of referrers (Zone.referrers) of old with refs
// added. old is not modified: the lists refs extend are copied.
func indexReferrers(old map[string][]string, lists ...[]targetRef) map[string][]string {
	n := 0
	for _, refs := range lists {
		n += len(refs)
	}
	if n == 0 {
		return old
	}
	idx := make(map[string][]string, len(old)+n)
	for t, rs := range old {
		idx[t] = rs
	}
	copied := make(map[string]bool)
	for _, refs := range lists {
		for _, r := range refs {
			rs := idx[r.target]
			// A node's own targets come together; a new version's referrers
			// may be in the old list already.
			if len(rs) > 0 && rs[len(rs)-1] == r.referrer || old != nil && slices.Contains(rs, r.referrer) {
				continue
			}
			if old != nil && !copied[r.target] {
				rs = slices.Clip(rs)
				copied[r.target] = true
			}
			idx[r.target] = append(rs, r.referrer)
		}
	}
	return idx
}

package zone

import "github.com/miekg/dns"

// resolveAdditional fills, once at compile time, the additional-section data of the
// zone (RFC 1035 sections 3.3.9 and 3.3.11, RFC 2782, RFC 9460 section 4.1: A and
// AAAA of the names that NS, MX, SRV, SVCB and HTTPS records point at) and the glue
// of every delegation point.
//
// Like Knot DNS, the addresses are taken from any node of the zone, occluded ones
// included: below a zone cut they are the glue the parent holds for the child.
//
// It returns the targets of nodes that lie outside the referring node's own
// subtree (remoteTargets), for the zone's index of referrers.
func (z *Zone) resolveAdditional(nodes []*node) (remote []targetRef) {
	r := resolver{z: z, synth: make(map[string][]*RRset)}
	for _, n := range nodes {
		if n.is(flagTargets) {
			remote = z.remoteTargets(remote, n)
		}
		for _, set := range n.sets {
			switch set.Type {
			case dns.TypeNS, dns.TypeMX, dns.TypeSRV:
				set.Extra = r.addressesOf(set)
			case dns.TypeSVCB, dns.TypeHTTPS:
				set.Extra = r.serviceExtra(set)
			}
		}
		if n.is(flagDelegation) {
			n.glue = r.glueOf(n)
		}
	}
	return remote
}

// serviceExtra returns the additional data of an SVCB or HTTPS RRset (RFC 9460
// section 4.1): the RRset of the same type at each in-zone TargetName, which
// continues an AliasMode chain, and the target addresses.
func (r *resolver) serviceExtra(set *RRset) []*RRset {
	var out []*RRset
	for _, rr := range set.RRs {
		t := canonicalName(targetOf(rr))
		if t == canonicalName(set.Name) {
			continue
		}
		if n := r.z.node(t); n != nil {
			if s := n.rrset(set.Type); s != nil && !containsSet(out, s) {
				out = append(out, s)
			}
		}
	}
	for _, s := range r.addressesOf(set) {
		if !containsSet(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// resolver finds the address RRsets of target names at compile time.
type resolver struct {
	z *Zone
	// synth holds, by lower-case target, the address RRsets synthesized from a
	// wildcard for a target that has no node, built once and shared.
	synth map[string][]*RRset
}

// targetOf returns the name an NS, MX or SRV record points at.
func targetOf(rr dns.RR) string {
	switch rr := rr.(type) {
	case *dns.NS:
		return rr.Ns
	case *dns.MX:
		return rr.Mx
	case *dns.SRV:
		return rr.Target
	case *dns.SVCB:
		return svcbTarget(rr.Hdr.Name, rr.Target)
	case *dns.HTTPS:
		return svcbTarget(rr.Hdr.Name, rr.Target)
	}
	return ""
}

// svcbTarget returns the name whose addresses go with an SVCB or HTTPS record: its
// TargetName, or the owner for a ServiceMode record whose TargetName is "." (RFC 9460
// section 2.5.2; section 4.1 asks for the target's A and AAAA in additional).
func svcbTarget(owner, target string) string {
	if target == "." {
		return owner
	}
	return target
}

// addressesOf returns the in-zone A and AAAA RRsets of the targets of set, each once,
// in record order.
func (r *resolver) addressesOf(set *RRset) []*RRset {
	var out []*RRset
	for _, rr := range set.RRs {
		t := targetOf(rr)
		if t == "" || t == "." {
			continue // "." means "no service" (RFC 7505, RFC 2782)
		}
		for _, s := range r.addresses(t) {
			if !containsSet(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// addresses returns the A and AAAA RRsets of the target name. A name without a node
// of its own gets those of the wildcard that would answer a query for it (RFC 4592
// section 3.3.1, as Knot DNS fills the additional section), copied once with the
// target as owner.
func (r *resolver) addresses(target string) []*RRset {
	low := canonicalName(target)
	if !inDomain(low, r.z.origin) {
		return nil
	}
	n, exact := r.z.find([]byte(low))
	if !exact {
		if n.cut != nil || n.wild == nil || n.wild.cut != nil {
			return nil
		}
		if s, ok := r.synth[low]; ok {
			return s
		}
		var out []*RRset
		for _, s := range addressSets(n.wild) {
			out = append(out, renamed(s, target))
		}
		r.synth[low] = out
		return out
	}
	return addressSets(n)
}

// addressSets returns the A and AAAA RRsets of n.
func addressSets(n *node) []*RRset {
	var out []*RRset
	for _, typ := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
		if s := n.rrset(typ); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// renamed returns a copy of the RRset s, records and signatures included, written
// with owner, as a wildcard expansion writes it (RFC 4592 section 3.4.1).
func renamed(s *RRset, owner string) *RRset {
	c := *s
	c.Name = owner
	c.RRs = appendRenamed(nil, s.RRs, owner)
	c.Sigs = appendRenamed(nil, s.Sigs, owner)
	c.Extra = nil
	c.encodeWire()
	return &c
}

// glueOf returns the additional section of a referral from the delegation point n:
// the addresses of its NS targets that the zone holds. Glue under the delegated name
// (in-domain, RFC 9471 section 2.1) is marked, because it must fit in the reply or
// the reply is truncated; sibling glue is sent when there is room.
func (r *resolver) glueOf(n *node) []RRsetRef {
	var out []RRsetRef
	for _, s := range r.addressesOf(n.ns) {
		out = append(out, RRsetRef{Set: s, Glue: inDomain(canonicalName(s.Name), n.name)})
	}
	return out
}

func containsSet(sets []*RRset, s *RRset) bool {
	for _, o := range sets {
		if o == s {
			return true
		}
	}
	return false
}

// addExtra appends to the additional section the precomputed Extra of every RRset
// in the answer section, each RRset once (RFC 1034 section 4.3.2 step 6).
func (a *Answer) addExtra() {
	for i := range a.Answer {
		if a.Answer[i].Target != "" {
			continue // a CNAME synthesized from a DNAME has no additional data
		}
	extra:
		for _, e := range a.Answer[i].Set.Extra {
			for j := range a.Additional {
				if a.Additional[j].Set == e {
					continue extra
				}
			}
			a.Additional = append(a.Additional, RRsetRef{Set: e})
		}
	}
}

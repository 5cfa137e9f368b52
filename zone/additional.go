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
// r is the resolver of z the caller's goroutine owns (newResolver).
func (z *Zone) resolveAdditional(r *resolver, nodes []*node) (remote []targetRef) {
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
			n.glueIn = glueMask(n)
		}
	}
	return remote
}

// serviceExtra returns the additional data of an SVCB or HTTPS RRset (RFC 9460
// section 4.1): the RRset of the same type at each in-zone TargetName, which
// continues an AliasMode chain, and the target addresses.
func (r *resolver) serviceExtra(set *RRset) []*RRset {
	var out []*RRset
	for _, rr := range set.Records() {
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
	// found collects the RRsets of one call before they are copied out; ptrs is
	// the chunk the results are cut from (carve).
	found []*RRset
	ptrs  []*RRset
}

// newResolver returns a resolver of the targets in z.
func newResolver(z *Zone) *resolver {
	return &resolver{z: z, synth: make(map[string][]*RRset)}
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
	r.found = r.found[:0]
	for _, rr := range set.Records() {
		t := targetOf(rr)
		if t == "" || t == "." {
			continue // "." means "no service" (RFC 7505, RFC 2782)
		}
		var buf [2]*RRset
		for _, s := range r.appendAddresses(buf[:0], t) {
			if !containsSet(r.found, s) {
				r.found = append(r.found, s)
			}
		}
	}
	if len(r.found) == 0 {
		return nil
	}
	return append(carve(&r.ptrs, len(r.found), ptrChunk), r.found...)
}

// appendAddresses appends to dst the A and AAAA RRsets of the target name. A name
// without a node of its own gets those of the wildcard that would answer a query
// for it (RFC 4592 section 3.3.1, as Knot DNS fills the additional section),
// copied once with the target as owner.
func (r *resolver) appendAddresses(dst []*RRset, target string) []*RRset {
	low := canonicalName(target)
	if !inDomain(low, r.z.origin) {
		return dst
	}
	n, exact := r.z.find([]byte(low))
	if !exact {
		if n.cut != nil || n.wild == nil || n.wild.cut != nil {
			return dst
		}
		if s, ok := r.synth[low]; ok {
			return append(dst, s...)
		}
		var out []*RRset
		for _, s := range appendAddressSets(nil, n.wild) {
			out = append(out, renamed(s, target))
		}
		r.synth[low] = out
		return append(dst, out...)
	}
	return appendAddressSets(dst, n)
}

// appendAddressSets appends the A and AAAA RRsets of n to dst.
func appendAddressSets(dst []*RRset, n *node) []*RRset {
	for _, typ := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
		if s := n.rrset(typ); s != nil {
			dst = append(dst, s)
		}
	}
	return dst
}

// renamed returns a copy of the RRset s, records and signatures included, written
// with owner, as a wildcard expansion writes it (RFC 4592 section 3.4.1).
func renamed(s *RRset, owner string) *RRset {
	c := *s
	c.Name = owner
	c.hold(appendRenamed(nil, s.Records(), owner), appendRenamed(nil, s.Signatures(), owner))
	c.Extra = nil
	c.encodeWire()
	c.shed() // no check reads it: no node holds it
	return &c
}

// glueMask returns the glueIn of the delegation point n, whose NS RRset's Extra
// is resolved: the in-domain glue among the first 32 (RFC 9471 section 2.1), which
// must fit in the reply or the reply is truncated; sibling glue is sent when there
// is room.
func glueMask(n *node) uint32 {
	var mask uint32
	for i, s := range n.ns.Extra[:min(len(n.ns.Extra), 32)] {
		if inDomainFold(s.Name, n.name) {
			mask |= 1 << i
		}
	}
	return mask
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

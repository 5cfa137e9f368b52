package zone

import (
	"bytes"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// checkNSEC checks the NSEC chain of the zone (RFC 4034 section 4, RFC 4035
// section 2.3): every authoritative owner has an NSEC, names below a zone cut have
// none, each NSEC names the next owner of the chain in canonical order (the last
// one the apex) and lists the types at its owner.
func (c *dnssecCheck) checkNSEC() {
	z := c.z
	t := &z.sec.nsec
	if len(t.sets) == 0 {
		c.noChain()
		return
	}
	for n := range z.allNodes() {
		set := n.rrset(dns.TypeNSEC)
		switch {
		case !n.authoritative():
			if set != nil {
				c.add(atRR(set.first()), false, "nsec-below-cut", "%s is below the zone cut at %s, where names have no NSEC (RFC 4035 section 2.3)",
					set.Name, n.cut.name)
			}
		case n.proof == nil && len(n.sets) > 0:
			c.add(atNode(n), false, "nsec-missing", "%s has no NSEC record", n.name)
		case n.proof != nil:
			for _, rr := range n.proof.Records() {
				c.checkBitmap(n, rr, "nsec-bitmap", rr.(*dns.NSEC).TypeBitMap)
			}
		}
	}
	var wire [maxNameWire + 1]byte
	var key [maxKeyLen]byte
	for i, set := range t.sets {
		next := (i + 1) % len(t.sets)
		want, wantName := t.key(next), t.sets[next].Name
		if next == 0 { // the chain wraps to the apex (RFC 4034 section 4.1.1)
			w, _ := NameToWire(wire[:0], z.origin)
			want, wantName = canonicalKey(nil, w), z.origin
		}
		for _, rr := range set.Records() {
			nx := rr.(*dns.NSEC).NextDomain
			w, ok := NameToWire(wire[:0], nx)
			if ok && bytes.Equal(canonicalKey(key[:0], w), want) {
				continue
			}
			c.add(atRR(rr), false, "nsec-next", "the NSEC of %s names %s as the next name, but the next name of the chain in canonical order is %s",
				set.Name, nx, wantName)
		}
	}
}

// noChain reports a signed zone that proves nothing absent: neither an NSEC chain
// nor an NSEC3PARAM record a server may use (flags 0, hash SHA-1: RFC 5155
// section 4.1.2).
func (c *dnssecCheck) noChain() {
	if p := c.z.apex.rrset(dns.TypeNSEC3PARAM); p != nil {
		c.add(atRR(p.first()), false, "denial-missing", "no NSEC3PARAM at the apex %s has flags 0 and hash algorithm 1, so a server ignores them (RFC 5155 section 4.1.2), and the zone has no NSEC chain either",
			c.z.origin)
		return
	}
	c.add(atZone(), false, "denial-missing", "the zone %s is signed but has no NSEC or NSEC3 chain", c.z.origin)
}

// checkBitmap compares the type bitmap of the NSEC or NSEC3 record rr, owned by or
// for node n, with the types n owns. The bitmap is a set (RFC 4034 section
// 4.1.2): its order in the file does not matter.
func (c *dnssecCheck) checkBitmap(n *node, rr dns.RR, rule string, bitmap []uint16) {
	want := bitmapTypes(n)
	var extra, missing []uint16
	for _, t := range bitmap {
		if !slices.Contains(want, t) && !slices.Contains(extra, t) {
			extra = append(extra, t)
		}
	}
	for _, t := range want {
		if !slices.Contains(bitmap, t) {
			missing = append(missing, t)
		}
	}
	if len(extra)+len(missing) == 0 {
		return
	}
	what := "NSEC"
	if rule != "nsec-bitmap" {
		what = "NSEC3 for " + n.name
	}
	msg := "the type bitmap of the " + what + " lists " + typeList(bitmap) + ", want " + typeList(want)
	c.add(atRR(rr), false, rule, "%s", msg)
}

// bitmapTypes returns the types an NSEC or NSEC3 record for n lists: those of its
// RRsets, RRSIG when it has signatures, NSEC for its own NSEC; at a delegation
// point only NS and the types the parent is authoritative for, DS, RRSIG and NSEC
// (RFC 4035 section 2.3, RFC 5155 section 7.1). NSEC3 is never among them (RFC
// 5155 section 3.2.1): those records are not at the name.
func bitmapTypes(n *node) []uint16 {
	var types []uint16
	for _, s := range n.sets {
		t := s.Type
		if n.is(flagDelegation) && t != dns.TypeNS && t != dns.TypeDS && t != dns.TypeRRSIG && t != dns.TypeNSEC {
			continue
		}
		types = append(types, t)
	}
	return types
}

// typeList writes types as a master file lists them, in ascending order.
func typeList(types []uint16) string {
	if len(types) == 0 {
		return "no types"
	}
	names := make([]string, 0, len(types))
	for _, t := range slices.Sorted(slices.Values(types)) {
		names = append(names, dns.Type(t).String())
	}
	return strings.Join(names, " ")
}

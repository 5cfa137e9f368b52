package zone

import (
	"bytes"
	"iter"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Records returns every record of the zone version: the SOA first, then the rest
// with their owners in the canonical order of RFC 4034 section 6.1, the RRsets of an
// owner by type and the records of an RRset in the canonical order of their RDATA
// (RFC 4034 section 6.3), whatever order they came in. Everything the
// zone was built from is there once: RRSIGs, NSEC and NSEC3 records, glue and data
// occluded by a zone cut or a DNAME, exact duplicates collapsed, each RRset with its
// one TTL (RFC 2181 section 5.2). It is the body of an AXFR (RFC 5936 section 2.2,
// which puts the SOA first and leaves the order of the rest free) and the copy of a
// transferred zone kept on disk; Build of these records gives a zone with the same
// Records. The slice is new; the records are the zone's and must not be modified.
// A zone published without data has none.
func (z *Zone) Records() []dns.RR {
	if z.soa == nil {
		return nil
	}
	out := make([]dns.RR, 0, z.records)
	out = append(out, z.soa)
	var sr setSorter
	for n := range z.recordNodes() {
		for _, s := range n.sets {
			if s.Type != dns.TypeSOA {
				out = sr.appendSorted(out, s)
			}
		}
	}
	return out
}

// recordNodes yields the nodes of z in the order of Records: canonical, the NSEC3
// owners among the others.
func (z *Zone) recordNodes() iter.Seq[*node] {
	nodes := z.ordered().all()
	if len(z.nsec3) == 0 {
		return nodes
	}
	// NSEC3 owners are names of the zone's domain too, kept apart from the tree
	// (RFC 5155 section 7.2.8): a transfer carries them in the same order.
	all := slices.AppendSeq(make([]*node, 0, z.nodeCount()+len(z.nsec3)), nodes)
	for _, n := range z.nsec3 {
		all = append(all, n)
	}
	return slices.Values(canonicalOrder(all))
}

// setSorter holds the scratch space of appendSorted.
type setSorter struct {
	p      wirePacker
	sorted []WireRR
}

// appendSorted appends the records of s to out in the canonical order of their
// RDATA (RFC 4034 section 6.3), as Records lists them.
func (sr *setSorter) appendSorted(out []dns.RR, s *RRset) []dns.RR {
	if !s.holds() && len(s.Wire) > 1 {
		// The wire forms hold the RDATA to sort by: sort them, then decode.
		sr.sorted = append(sr.sorted[:0], s.Wire...)
		slices.SortStableFunc(sr.sorted, func(a, b WireRR) int { return bytes.Compare(a.RData, b.RData) })
		return appendDecoded(out, s.Name, sr.sorted)
	}
	at := len(out)
	out = s.appendRecords(out, "", false)
	if len(out)-at > 1 {
		sortRDATA(&sr.p, out[at:])
	}
	return out
}

// sortRDATA sorts the records of one RRset by their RDATA as octet strings (RFC 4034
// section 6.3), as p packs them.
func sortRDATA(p *wirePacker, rrs []dns.RR) {
	type keyed struct {
		rr    dns.RR
		rdata string
	}
	ks := make([]keyed, len(rrs))
	for i, rr := range rrs {
		ks[i].rr = rr
		if w, at := p.wire(rr); w != nil {
			ks[i].rdata = string(w[at:])
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.rdata, b.rdata) })
	for i, k := range ks {
		rrs[i] = k.rr
	}
}

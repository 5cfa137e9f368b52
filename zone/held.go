package zone

import "github.com/miekg/dns"

// A compiled zone keeps its records once, in their wire forms (RRset.Wire and
// SigWire), which the server writes replies from. The miekg/dns values a zone is
// built from are held beside them only while it is built: the compile, the
// additional data and the checks read them. Once the version is complete, shed
// lets them go, and Records and Signatures decode them again from the wire forms
// for the few readers that need records as values afterwards (the slow reply
// path, zone transfer out, the persisted copy, Apply). Records as values cost a
// pointer-rich object or three each, which the garbage collector walks on every
// cycle: about a quarter of a delegation zone's heap (issue 12).

// heldRecords are an RRset's records as miekg/dns values.
type heldRecords struct {
	rrs  []dns.RR // the records, in file order, duplicates removed
	sigs []dns.RR // the RRSIG records covering the set's type at its owner, if any
}

// Records returns the records of s, in file order, duplicates removed. Once the
// zone is built they are decoded from the wire forms at each call, each record
// written with s.Name as its owner: a reader that needs them more than once
// should keep the slice. The records must not be modified.
func (s *RRset) Records() []dns.RR {
	if s.holds() {
		return s.held.rrs
	}
	return decodeWire(s.Name, s.Wire)
}

// Signatures returns the RRSIG records that cover s's type at its owner, if any,
// as Records returns the records.
func (s *RRset) Signatures() []dns.RR {
	if s.holds() {
		return s.held.sigs
	}
	return decodeWire(s.Name, s.SigWire())
}

// hold makes rrs and sigs the records and signatures of s.
func (s *RRset) hold(rrs, sigs []dns.RR) {
	s.held = &heldRecords{rrs: rrs, sigs: sigs}
}

// first returns the first record of s (an RRset has at least one).
func (s *RRset) first() dns.RR {
	if s.holds() {
		return s.held.rrs[0]
	}
	return decodeWire(s.Name, s.Wire[:1])[0]
}

// shed lets the records of s as values go when its wire forms hold them. It
// writes only to an RRset that holds records, one of the version being built: the
// RRsets a version shares with the one serving were shed when that was built.
func (s *RRset) shed() {
	if s != nil && s.holds() && s.OwnerWire != nil {
		s.held = nil
	}
}

// shedNode sheds the RRsets of n. The RRsets of their additional data and glue
// are other nodes' (shed with those: not here, where another goroutine may shed
// them too), or copies a wildcard's expansion made, shed when made (renamed).
func shedNode(n *node) {
	for _, s := range n.sets {
		s.shed()
	}
}

// shedRecords sheds every RRset of z, a version compile made: the last step of a
// build, once the checks that read the records as values are done, before z is
// published. The nodes are walked in the order the compile made them (z.fresh),
// split among the processors: their RRsets lie in that order in memory (carve),
// where a walk of the name index would miss the cache at each one.
func (z *Zone) shedRecords() {
	nodes := z.fresh
	z.fresh = nil
	inChunks(len(nodes), func(_, lo, hi int) {
		for _, n := range nodes[lo:hi] {
			shedNode(n)
		}
	})
	z.negSOA.shed()
}

// appendRecords appends the records of s to dst, written with owner when it is not
// empty, and with sigs its signatures after them: the records of an RRsetRef
// (AppendRRs).
func (s *RRset) appendRecords(dst []dns.RR, owner string, sigs bool) []dns.RR {
	if s.holds() {
		if owner == "" {
			dst = append(dst, s.held.rrs...)
			if sigs {
				dst = append(dst, s.held.sigs...)
			}
			return dst
		}
		dst = appendRenamed(dst, s.held.rrs, owner)
		if sigs {
			dst = appendRenamed(dst, s.held.sigs, owner)
		}
		return dst
	}
	if owner == "" {
		owner = s.Name
	}
	dst = appendDecoded(dst, owner, s.Wire)
	if sigs {
		dst = appendDecoded(dst, owner, s.SigWire())
	}
	return dst
}

// class returns the class of the records of s.
func (s *RRset) class() uint16 {
	if len(s.Wire) > 0 {
		return s.Wire[0].Class
	}
	return s.held.rrs[0].Header().Class
}

// decodeWire returns the records whose wire forms are ws, owned by name.
func decodeWire(name string, ws []WireRR) []dns.RR {
	if len(ws) == 0 {
		return nil
	}
	return appendDecoded(make([]dns.RR, 0, len(ws)), name, ws)
}

// appendDecoded appends to dst the records whose wire forms are ws, owned by name.
// The wire forms were packed by miekg/dns at compile time, with the names in their
// RDATA uncompressed, so each unpacks on its own (TestShedRecordsRoundTrip checks
// every type of the test zones); one that did not would be left out rather than
// answered wrongly.
func appendDecoded(dst []dns.RR, name string, ws []WireRR) []dns.RR {
	for _, w := range ws {
		h := dns.RR_Header{Name: name, Rrtype: w.Type, Class: w.Class, Ttl: w.TTL, Rdlength: uint16(len(w.RData))}
		rr, _, err := dns.UnpackRRWithHeader(h, w.RData, 0)
		if err == nil && rr != nil {
			dst = append(dst, rr)
		}
	}
	return dst
}

// holds reports whether s holds its records as values.
func (s *RRset) holds() bool { return s.held != nil }

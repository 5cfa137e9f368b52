package zone

// rrsetAux is the part of an RRset that few have (RRset.aux). It is never
// modified once set: a change makes a new one (setAux), so that copies of an
// RRset (a wildcard's, one Apply resolves again) may share it.
type rrsetAux struct {
	sigWire []WireRR // the wire forms of Signatures, in the same order
	target  string   // CNAME and DNAME: the target as written
}

// SigWire returns the wire forms of the RRSIG records that cover s (Signatures),
// in the same order; nil in an unsigned zone.
func (s *RRset) SigWire() []WireRR {
	if s.aux == nil {
		return nil
	}
	return s.aux.sigWire
}

// target returns the target of a CNAME or DNAME RRset, as written; "" for others.
func (s *RRset) target() string {
	if s.aux == nil {
		return ""
	}
	return s.aux.target
}

// setAux gives s a new aux of sigWire and target, or none when both are empty.
func (s *RRset) setAux(sigWire []WireRR, target string) {
	if len(sigWire) == 0 && target == "" {
		s.aux = nil
		return
	}
	s.aux = &rrsetAux{sigWire: sigWire, target: target}
}

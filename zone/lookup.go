package zone

// Lookup answers qname/qtype from the zone into a (reset first). qname may be in any
// case; it must be fully qualified and at or below the zone's origin. It allocates
// nothing.
func (z *Zone) Lookup(qname string, qtype uint16, a *Answer) {
	a.Reset()
}

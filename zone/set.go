package zone

import "sync/atomic"

// Set is an immutable set of zones served together.
type Set struct {
	zones []*Zone
}

// NewSet builds a Set; two zones with the same origin are an error.
func NewSet(zones ...*Zone) (*Set, error) {
	return &Set{zones: zones}, nil // owned by the lookup work
}

// Zones returns the zones of the set, sorted by origin.
func (s *Set) Zones() []*Zone { return s.zones }

// Find returns the zone that answers qname/qtype: the longest matching origin, except
// that a DS query for the apex of a zone goes to its parent zone when the set holds it
// (RFC 4035 section 3.1.4.1). It returns nil when no zone matches. It allocates
// nothing; qname may be in any case.
func (s *Set) Find(qname string, qtype uint16) *Zone {
	return nil // owned by the lookup work
}

// Store publishes the current Set; readers never block and never see a half-built set.
type Store struct {
	p atomic.Pointer[Set]
}

// Current returns the published set, or nil before the first Publish.
func (s *Store) Current() *Set { return s.p.Load() }

// Publish makes set the current one.
func (s *Store) Publish(set *Set) { s.p.Store(set) }

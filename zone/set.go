package zone

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Set is an immutable set of zones served together.
type Set struct {
	zones    []*Zone          // sorted by origin
	byOrigin map[string]*Zone // by lower-case origin
}

// NewSet builds a Set; two zones with the same origin are an error.
func NewSet(zones ...*Zone) (*Set, error) {
	s := &Set{byOrigin: make(map[string]*Zone, len(zones))}
	for _, z := range zones {
		if z == nil {
			return nil, fmt.Errorf("zone.NewSet: nil zone")
		}
		if _, dup := s.byOrigin[z.origin]; dup {
			return nil, fmt.Errorf("zone.NewSet: two zones with origin %s", z.origin)
		}
		s.byOrigin[z.origin] = z
		s.zones = append(s.zones, z)
	}
	slices.SortFunc(s.zones, func(a, b *Zone) int { return strings.Compare(a.origin, b.origin) })
	return s, nil
}

// Zones returns the zones of the set, sorted by origin. The slice is a copy.
func (s *Set) Zones() []*Zone { return slices.Clone(s.zones) }

// Find returns the zone that answers qname/qtype: the longest matching origin, except
// that a DS query for the apex of a zone goes to its parent zone when the set holds it
// (RFC 4035 section 3.1.4.1). It returns nil when no zone matches. It allocates
// nothing; qname may be in any case.
func (s *Set) Find(qname string, qtype uint16) *Zone {
	if s == nil || qname == "" || qname[len(qname)-1] != '.' {
		return nil
	}
	var buf [4 * maxNameWire]byte
	low, ok := lowerInto(buf[:], qname)
	if !ok {
		return nil
	}
	// The DS RRset of a zone's apex lives in the parent zone, on the parent side of
	// the cut; the child answers it only when we do not serve the parent.
	var apexDS *Zone
	for off := 0; off < len(low); off = nextLabel(low, off) {
		if z := s.byOrigin[string(low[off:])]; z != nil {
			if off > 0 || qtype != dns.TypeDS {
				return z
			}
			apexDS = z
		}
	}
	if len(low) > 1 {
		if z := s.byOrigin["."]; z != nil {
			return z
		}
	}
	return apexDS
}

// Store publishes the current Set; readers never block and never see a half-built set.
type Store struct {
	p atomic.Pointer[Set]
}

// Current returns the published set, or nil before the first Publish.
func (s *Store) Current() *Set { return s.p.Load() }

// Publish makes set the current one.
func (s *Store) Publish(set *Set) { s.p.Store(set) }

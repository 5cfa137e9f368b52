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
	// depths lists the label counts of the origins, deepest first, without
	// repeats: Find tries only the suffixes of qname that long, one map lookup per
	// depth (one in all for a set of one zone) instead of one per label.
	depths []int
	// few holds the zones deepest origin first when there are at most fewZones of
	// them: Find then compares origins with the end of qname, with no lower-casing
	// and no hashing.
	few []*Zone
}

// fewZones is the most zones Find compares one by one rather than by map lookups.
const fewZones = 8

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
		if d := labelCount(z.origin); !slices.Contains(s.depths, d) {
			s.depths = append(s.depths, d)
		}
	}
	slices.SortFunc(s.depths, func(a, b int) int { return b - a })
	if len(zones) <= fewZones {
		s.few = slices.Clone(zones)
		slices.SortStableFunc(s.few, func(a, b *Zone) int { return labelCount(b.origin) - labelCount(a.origin) })
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
	if s.few != nil {
		return s.findFew(qname, qtype)
	}
	var buf [4 * maxNameWire]byte
	low, ok := lowerInto(buf[:], qname)
	if !ok {
		return nil
	}
	// The DS RRset of a zone's apex lives in the parent zone, on the parent side of
	// the cut; the child answers it only when we do not serve the parent.
	var (
		apexDS *Zone
		starts [maxNameWire / 2]int // where each label of low starts
		labels int
	)
	if len(low) > 1 { // not the root name
		for off := 0; off < len(low) && labels < len(starts); off = nextLabel(low, off) {
			starts[labels] = off
			labels++
		}
	}
	for _, d := range s.depths {
		if d > labels {
			continue
		}
		var z *Zone
		if d == 0 {
			z = s.byOrigin["."]
		} else {
			z = s.byOrigin[string(low[starts[labels-d]:])]
		}
		if z != nil {
			if d < labels || qtype != dns.TypeDS {
				return z
			}
			apexDS = z
		}
	}
	return apexDS
}

// findFew is Find over s.few: the first origin, deepest first, that qname is at or
// below, ASCII case ignored (RFC 4343 section 3).
func (s *Set) findFew(qname string, qtype uint16) *Zone {
	var apexDS *Zone
	for _, z := range s.few {
		if !inDomainFold(qname, z.origin) {
			continue
		}
		if len(qname) != len(z.origin) || qtype != dns.TypeDS {
			return z
		}
		apexDS = z // see Find: the parent answers DS at a child's apex
	}
	return apexDS
}

// labelCount returns the number of labels of the lower-case, fully qualified
// presentation-format name, the root name having none.
func labelCount(name string) int {
	if name == "." {
		return 0
	}
	n := 0
	for off := 0; off < len(name); off = nextLabel([]byte(name), off) {
		n++
	}
	return n
}

// Store publishes the current Set; readers never block and never see a half-built set.
type Store struct {
	p atomic.Pointer[Set]
}

// Current returns the published set, or nil before the first Publish.
func (s *Store) Current() *Set { return s.p.Load() }

// Publish makes set the current one.
func (s *Store) Publish(set *Set) { s.p.Store(set) }

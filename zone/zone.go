package zone

import "github.com/miekg/dns"

// Zone is a compiled, immutable zone: built once by Compile, then only read.
type Zone struct {
	origin  string // canonical (lower-case) fully qualified origin
	soa     *dns.SOA
	records int
	// unavailable is set on the stand-in for a zone without data (unavailableZone):
	// it has no SOA and no names, and Lookup answers SERVFAIL.
	unavailable Unavailable
	// the compiled lookup structure lives in the fields added by compile.go
	tree
}

// Origin returns the zone's origin, lower-case and fully qualified.
func (z *Zone) Origin() string { return z.origin }

// SOA returns the zone's SOA record; nil for a zone published without data
// (Loader.SetUnavailable).
func (z *Zone) SOA() *dns.SOA { return z.soa }

// Serial returns the serial of the zone's SOA; 0 for a zone published without data.
func (z *Zone) Serial() uint32 {
	if z.soa == nil {
		return 0
	}
	return z.soa.Serial
}

// RecordCount returns the number of records in the zone after duplicates collapsed.
func (z *Zone) RecordCount() int { return z.records }

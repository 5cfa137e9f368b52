package zone

import "github.com/miekg/dns"

// Zone is a compiled, immutable zone: built once by Compile, then only read.
type Zone struct {
	origin  string // canonical (lower-case) fully qualified origin
	soa     *dns.SOA
	records int
	// the compiled lookup structure lives in the fields added by compile.go
	tree
}

// Origin returns the zone's origin, lower-case and fully qualified.
func (z *Zone) Origin() string { return z.origin }

// SOA returns the zone's SOA record.
func (z *Zone) SOA() *dns.SOA { return z.soa }

// Serial returns the serial of the zone's SOA.
func (z *Zone) Serial() uint32 { return z.soa.Serial }

// RecordCount returns the number of records in the zone after duplicates collapsed.
func (z *Zone) RecordCount() int { return z.records }

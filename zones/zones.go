// Package zones holds the example zones shipped with anycastdns, embedded in the binary
// so that `anycastdns serve` with no configuration file serves them from any folder.
//
// Each zone file is a plain RFC 1035 master file that NSD, Knot and BIND load too:
//
//	example.org.zone  the apex with NS, glue, A/AAAA, MX, TXT; www; a CNAME; an SRV;
//	                  a wildcard below dyn; a delegation sub.example.org with glue
//	example.net.zone  a second, small zone whose name servers are in example.org
package zones

import "embed"

// FS holds the example zone files, by file name.
//
//go:embed *.zone
var FS embed.FS

// Zone names one example zone: its origin and its file inside FS.
type Zone struct {
	Origin string // fully qualified, lower-case
	File   string // the file's name inside FS
}

// All returns the example zones, in the order they are loaded.
func All() []Zone {
	return []Zone{
		{Origin: "example.org.", File: "example.org.zone"},
		{Origin: "example.net.", File: "example.net.zone"},
	}
}

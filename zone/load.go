package zone

import "github.com/anycastdns/anycastdns/zone/zonefile"

// Load reads, checks and compiles the master file of src as the zone at origin.
func Load(src zonefile.Source, origin string) (*Zone, error) {
	recs, err := zonefile.Read(src, origin)
	if err != nil {
		return nil, err
	}
	return Compile(origin, recs)
}

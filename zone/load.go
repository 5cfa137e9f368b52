package zone

import "github.com/anycastdns/anycastdns/zone/zonefile"

// Load reads, checks and compiles the master file of src as the zone at origin.
func Load(src zonefile.Source, origin string) (*Zone, error) {
	recs, err := zonefile.Read(src, origin)
	if err != nil {
		return nil, err
	}
	z, _, err := compile(origin, recs, false)
	if err != nil {
		return nil, err
	}
	z.shedRecords()
	return z, nil
}

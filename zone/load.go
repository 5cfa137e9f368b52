package zone

// Load reads, checks and compiles the master file of src as the zone at origin.
func Load(src Source, origin string) (*Zone, error) {
	recs, err := Read(src, origin)
	if err != nil {
		return nil, err
	}
	return Compile(origin, recs)
}

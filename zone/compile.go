package zone

import "errors"

// tree is the compiled lookup structure of a zone.
type tree struct{}

// Compile checks the records of the zone at origin (see Check) and compiles them into
// an immutable Zone.
func Compile(origin string, recs []Record) (*Zone, error) {
	if err := Check(origin, recs); err != nil {
		return nil, err
	}
	return nil, errors.New("zone.Compile: not implemented yet") // owned by the lookup work
}

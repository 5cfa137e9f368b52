package zonefile

// What the external tests (package zonefile_test, which also use package zone) need
// of the package's insides.

// MinSplitSize is the smallest master file ReadWithStats parses in parts.
const MinSplitSize = minSplitSize

// GenZone is genZone: a zone of example. using everything a cut must respect.
var GenZone = genZone

// ReadInParts is ReadWithStats parsing the file in up to ways parts whatever its size;
// with ways 1, one parser reads it from start to end.
func ReadInParts(src Source, origin string, ways int) ([]Record, ReadStats, error) {
	return readWithStats(src, origin, splitInto(ways))
}

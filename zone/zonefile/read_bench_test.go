package zonefile

import "testing"

// BenchmarkReadRoot reads the signed root zone (24,911 records).
func BenchmarkReadRoot(b *testing.B) {
	src := FileSource(rootZone)
	b.ReportAllocs()
	for b.Loop() {
		recs, err := Read(src, ".")
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != 24911 {
			b.Fatalf("got %d records, want 24911", len(recs))
		}
	}
}

// BenchmarkReadRootSequential reads the root zone with one parser, the way Read
// reads a small file, to compare with BenchmarkReadRoot.
func BenchmarkReadRootSequential(b *testing.B) {
	src := FileSource(rootZone)
	b.ReportAllocs()
	for b.Loop() {
		recs, _, err := readWithStats(src, ".", sequential)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != 24911 {
			b.Fatalf("got %d records, want 24911", len(recs))
		}
	}
}

package zone

import (
	"path/filepath"
	"testing"
)

// BenchmarkReadRoot reads the signed root zone of testdata (24,911 records).
func BenchmarkReadRoot(b *testing.B) {
	src := FileSource(filepath.Join("testdata", "root.zone"))
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

// BenchmarkCheckRoot runs the semantic checks on the root zone.
func BenchmarkCheckRoot(b *testing.B) {
	recs, err := Read(FileSource(filepath.Join("testdata", "root.zone")), ".")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(".", recs); err != nil {
			b.Fatal(err)
		}
	}
}

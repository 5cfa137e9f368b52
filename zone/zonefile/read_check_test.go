package zonefile_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// The tests of this file read master files and hand the records to package zone's
// checks, which consume what Read returns: the records must pass them, and the file:line
// of a problem the checks find must be the one in the file.

// TestReadThenCheck reads the fixture (with its $INCLUDE) and the signed root zone and
// checks that zone.Check and zone.Warnings find no problem in either.
func TestReadThenCheck(t *testing.T) {
	for _, f := range []struct{ path, origin string }{
		{filepath.Join("testdata", "example.zone"), "example."},
		{filepath.Join("..", "testdata", "root.zone"), "."},
	} {
		recs, err := zonefile.Read(zonefile.FileSource(f.path), f.origin)
		if err != nil {
			t.Fatalf("%s: Read: got error %v, want none", f.path, err)
		}
		if err := zone.Check(f.origin, recs); err != nil {
			t.Errorf("%s: Check: got %v, want no error", f.path, err)
		}
		if w := zone.Warnings(f.origin, recs); len(w) != 0 {
			t.Errorf("%s: Warnings: got %d (first %v), want none", f.path, len(w), w[0])
		}
	}
}

// TestSplitLoadOutOfZoneLine checks the file:line of a semantic error of Check
// found in the second part of a file large enough to be cut by default.
func TestSplitLoadOutOfZoneLine(t *testing.T) {
	body := zonefile.GenZone(8000, false)
	if len(body) < zonefile.MinSplitSize {
		t.Fatalf("got %d bytes, want at least %d to be cut", len(body), zonefile.MinSplitSize)
	}
	text := body + "www.example.net. 60 A 192.0.2.1\n"
	line := strings.Count(body, "\n") + 1
	fsys := fstest.MapFS{"big.zone": &fstest.MapFile{Data: []byte(text)}}
	src := zonefile.Source{FS: fsys, Name: "big.zone", Path: "zones/big.zone"}
	for _, ways := range []int{1, 2} {
		recs, _, err := zonefile.ReadInParts(src, "example.", ways)
		if err != nil {
			t.Fatal(err)
		}
		err = zone.Check("example.", recs)
		want := fmt.Sprintf("zones/big.zone:%d: www.example.net. is outside the zone example. (out-of-zone)", line)
		if fmt.Sprint(err) != want {
			t.Errorf("ways %d: got %v, want %s", ways, err, want)
		}
	}
}

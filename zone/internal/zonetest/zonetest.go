// Package zonetest holds what the tests of zone and zone/zonefile share: the zones of
// the project's shared data (zones.tsv), a generated zone of delegations, and joined
// errors taken apart. It imports neither package, so that the tests of both can use it.
package zonetest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// SharedZone is one zone of the shared zone data: a line of zones.tsv.
type SharedZone struct {
	File   string // as zones.tsv lists it, e.g. "pdns/addzone.com"
	Origin string // the zone's origin
	Path   string // where the master file is on disk
}

// SharedZones returns the zones that zones.tsv lists in the shared zone data folder
// (../shared/data beside the repository), failing in CI and skipping elsewhere when the
// folder is missing.
func SharedZones(tb testing.TB) []SharedZone {
	tb.Helper()
	dir, err := sharedData()
	if err != nil {
		testutil.Missing(tb, "shared zone data: %v", err)
		return nil
	}
	f, err := os.Open(filepath.Join(dir, "zones.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var zones []SharedZone
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		file, origin, ok := strings.Cut(sc.Text(), "\t")
		if !ok || file == "" {
			continue
		}
		zones = append(zones, SharedZone{File: file, Origin: origin, Path: dataPath(dir, file)})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(zones) == 0 {
		tb.Fatalf("zones.tsv lists no zones")
	}
	return zones
}

// SharedData returns the shared zone data folder (../shared/data beside the
// repository), failing in CI and skipping elsewhere when it is missing.
func SharedData(tb testing.TB) string {
	tb.Helper()
	dir, err := sharedData()
	if err != nil {
		testutil.Missing(tb, "shared zone data: %v", err)
	}
	return dir
}

// sharedData returns the shared zone data folder: ../shared/data beside the folder of
// the module (the first folder up from the test's own that holds go.mod).
func sharedData() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the test's folder")
		}
		dir = up
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(data, "zones.tsv")); err != nil {
		return "", err
	}
	return data, nil
}

// dataPath maps a zones.tsv file to its path: the PowerDNS zones are listed as
// "pdns/NAME" and stored in pdns-sanitized/.
func dataPath(dir, file string) string {
	if rest, ok := strings.CutPrefix(file, "pdns/"); ok {
		file = "pdns-sanitized/" + rest
	}
	return filepath.Join(dir, filepath.FromSlash(file))
}

// DelegationZone returns a zone of 4+3k records for the largest k with 4+3k <= n: an
// apex, then delegations with an NS record and the A and AAAA glue of its name server
// (the shape of a TLD).
func DelegationZone(n int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\n@ 3600 IN TXT \"x\"\nns1 3600 IN A 192.0.2.1\n")
	for i := range (n - 4) / 3 {
		fmt.Fprintf(&b, "d%d 3600 IN NS ns.d%d\nns.d%d 3600 IN A 10.%d.%d.%d\nns.d%d 3600 IN AAAA 2001:db8:%x:%x::1\n",
			i, i, i, i>>16&255, i>>8&255, i&255, i, i>>16, i&0xffff)
	}
	return b.String()
}

// Flatten undoes errors.Join, however deeply nested: it returns the errors that are
// not themselves joins, in order.
func Flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A small valid zone of 6 records, written relative to whatever origin it is loaded as.
const goodZone = `$TTL 300
@    IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.2
     IN AAAA 2001:db8::2
mail IN MX  10 www
`

// The same zone, broken on line 6 (not an IPv4 address).
const brokenZone = `$ORIGIN example.com.
$TTL 300
@    IN SOA ns1 hostmaster 2024010102 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.999
`

// A zone that loads with a warning (a delegation without its glue) and a duplicate.
const warnZone = `$TTL 300
@    IN SOA ns1 hostmaster 2024010103 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
ns1  IN A   192.0.2.1
sub  IN NS  ns.sub
`

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.zone", goodZone)
	warn := writeFile(t, dir, "warn.zone", warnZone)
	broken := writeFile(t, dir, "broken.zone", brokenZone)
	goodConfig := writeFile(t, dir, "good.yaml", "zones:\n  - origin: example.com.\n    file: good.zone\n  - origin: example.net.\n    file: ../"+filepath.Base(dir)+"/good.zone\n")
	brokenConfig := writeFile(t, dir, "broken.yaml", "zones:\n  - {origin: example.com., file: good.zone}\n  - {origin: example.net., file: broken.zone}\n")
	badKeyConfig := writeFile(t, dir, "badkey.yaml", "log:\n  level: info\n  colour: true\n")
	missingFileConfig := writeFile(t, dir, "missing.yaml", "zones:\n  - {origin: example.com., file: nope.zone}\n")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{"good zone file", []string{"check", good, "example.com."}, 0,
			[]string{"zone example.com.: loaded serial 2024010101, 6 records (" + good + ")", "OK"}, nil},
		{"warnings do not fail the check", []string{"check", warn, "example.com."}, 0,
			[]string{"zone example.com.: loaded serial 2024010103, 4 records, 1 duplicates dropped", "OK"},
			[]string{"warning: " + warn + ":6:", "(missing-glue)"}},
		{"origin without final dot", []string{"check", good, "example.com"}, 0,
			[]string{"zone example.com.: loaded serial 2024010101, 6 records"}, nil},
		{"broken zone file", []string{"check", broken, "example.com."}, 1,
			nil, []string{broken + ":6:", "zone example.com.: not loaded due to errors"}},
		{"missing zone file", []string{"check", filepath.Join(dir, "nope.zone"), "example.com."}, 1,
			nil, []string{"nope.zone", "not loaded due to errors"}},
		{"bad origin", []string{"check", good, "a..b"}, 2, nil, []string{"is not a domain name"}},
		{"built-in defaults", []string{"check"}, 0,
			[]string{"zone example.org.: loaded serial", "zone example.net.: loaded serial", "(zones/example.org.zone)", "OK"}, nil},
		{"good config", []string{"check", "-config", goodConfig}, 0,
			[]string{"zone example.com.: loaded serial 2024010101, 6 records", "zone example.net.: loaded serial 2024010101", "OK"}, nil},
		{"config with a broken zone", []string{"check", "-config", brokenConfig}, 1,
			[]string{"zone example.com.: loaded serial 2024010101"}, []string{broken + ":6:", "zone example.net.: not loaded due to errors"}},
		{"config with an unknown key", []string{"check", "-config", badKeyConfig}, 1,
			nil, []string{badKeyConfig + `:3: unknown key "log.colour"`, "not loaded due to errors"}},
		{"config naming a missing zone file", []string{"check", "-config", missingFileConfig}, 1,
			nil, []string{"nope.zone", "zone example.com.: not loaded due to errors"}},
		{"the example config", []string{"check", "-config", filepath.Join("..", "..", "deploy", "anycastdns.example.yaml")}, 0,
			[]string{"zone example.org.: loaded serial", "zone example.net.: loaded serial", "OK"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCmd(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit status: got %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, stdout, stderr)
			}
			for _, w := range tc.wantStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout: got %q, want it to contain %q", stdout, w)
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr: got %q, want it to contain %q", stderr, w)
				}
			}
			if tc.wantCode != 0 && strings.Contains(stdout, "OK") {
				t.Errorf("stdout: got %q, want no OK on failure", stdout)
			}
		})
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
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

	runCheckCases(t, []checkCase{
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
	})
}

// checkCase is a check command line and what it must print and return.
type checkCase struct {
	name       string
	args       []string
	wantCode   int
	wantStdout []string // substrings
	wantStderr []string // substrings; an empty list that is not nil: stderr is empty
}

// runCheckCases runs each case as a subtest.
func runCheckCases(t *testing.T, tests []checkCase) {
	t.Helper()
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
			if tc.wantStderr != nil && len(tc.wantStderr) == 0 && stderr != "" {
				t.Errorf("stderr: got %q, want nothing", stderr)
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

// TestCheckDNSSEC checks signed zones: the shared data's zones signed by
// dnssec-signzone (valid until 2050) and the root zone (valid in May 2023 only).
func TestCheckDNSSEC(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(data, "root.zone")); err != nil {
		testutil.Missing(t, "shared zone data: %v", err)
	}
	nsec := filepath.Join(data, "knot-tests-extra", "basic_nsec_example.zone.nsec")
	nsec3 := filepath.Join(data, "knot-tests-extra", "basic_nsec3_example.zone.nsec3")
	root := filepath.Join(data, "root.zone")
	text, err := os.ReadFile(nsec)
	if err != nil {
		t.Fatal(err)
	}
	// without the NSEC of ns1.example. (line 33) and its RRSIG
	lines := strings.SplitAfter(string(text), "\n")
	broken := writeFile(t, t.TempDir(), "broken.zone", strings.Join(append(lines[:32:32], lines[34:]...), ""))
	// with the signature of ns1.example. A (line 32) altered
	badSig := writeFile(t, t.TempDir(), "badsig.zone", strings.Replace(string(text), "HhsihojFhmpK8", "HhsihojFhmpK9", 1))
	runCheckCases(t, []checkCase{
		{"NSEC zone", []string{"check", nsec, "example."}, 0,
			[]string{"zone example.: signed, NSEC, 36 signatures verified of 36, earliest expiry 2050-01-01T00:00:00Z", "OK"}, nil},
		{"NSEC3 zone: RFC 9276 warnings", []string{"check", nsec3, "example."}, 0,
			[]string{"zone example.: signed, NSEC3, 44 signatures verified of 44", "OK"},
			[]string{"warning: " + nsec3 + ":18: ", "(nsec3-iterations)", "(nsec3-salt)"}},
		{"root zone when its signatures were valid", []string{"check", "-time", "20230512000000", root, "."}, 0,
			[]string{"zone .: signed, NSEC, 2849 signatures verified of 2849, earliest expiry 2023-05-24T05:00:00Z", "OK"}, nil},
		{"root zone now: expired", []string{"check", root, "."}, 1,
			[]string{"zone .: loaded serial 2023051100", "zone .: signed, NSEC"},
			[]string{"error: " + root + ":2: the RRSIG over . SOA by key 60955 expired at 2023-05-24T05:00:00Z", "(rrsig-expired)", "zone .: 2849 DNSSEC errors"}},
		{"-time in RFC 3339", []string{"check", "-time", "2023-05-23T00:00:00Z", root, "."}, 0,
			[]string{"OK"}, []string{"warning: " + root + ":2: ", "expires at 2023-05-24T05:00:00Z, within 168h0m0s", "(rrsig-expiring)"}},
		{"-expiry-warning", []string{"check", "-time", "2023-05-23T00:00:00Z", "-expiry-warning", "24h", root, "."}, 0,
			[]string{"OK"}, []string{}},
		{"-expiry-warning 0: none", []string{"check", "-time", "20491231000000", "-expiry-warning", "0", nsec, "example."}, 0,
			[]string{"OK"}, []string{}},
		{"expiring", []string{"check", "-time", "20491231000000", nsec, "example."}, 0,
			[]string{"OK"}, []string{"(rrsig-expiring)"}},
		{"broken chain", []string{"check", broken, "example."}, 1,
			[]string{"zone example.: signed, NSEC"},
			[]string{broken + ":31: ns1.example. has no NSEC record (nsec-missing)", "(nsec-next)", "zone example.: 2 DNSSEC errors"}},
		{"altered signature", []string{"check", badSig, "example."}, 1,
			[]string{"zone example.: signed, NSEC, 35 signatures verified of 36"},
			[]string{"error: " + badSig + ":32: the RRSIG over ns1.example. A by key 5223 (RSASHA1) does not verify", "(rrsig-bad)"}},
		{"-verify=false: what serve checks at each load", []string{"check", "-verify=false", badSig, "example."}, 0,
			[]string{"zone example.: signed, NSEC, 0 signatures verified of 36", "OK"}, []string{}},
		{"bad -time", []string{"check", "-time", "2023-05-12", nsec, "example."}, 2, nil, []string{"neither RFC 3339"}},
	})
}

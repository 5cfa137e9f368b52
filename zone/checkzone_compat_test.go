package zone

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// lookTool returns the path of an external tool, failing in CI and skipping elsewhere
// when it is not installed.
func lookTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		testutil.Missing(tb, "%s: %v", name, err)
	}
	return path
}

// compatDifferences lists the files of zones.tsv that nsd-checkzone 4.6.1 and Read+Check
// judge differently, and why. ours is what Read+Check says (nsd-checkzone says the opposite).
var compatDifferences = map[string]struct {
	ours   bool
	reason string
}{
	"knot-tests-extra/data_records.zone": {false,
		"miekg/dns v1.1.73 rejects an IPSECKEY with no gateway written \".\" (gateway type 0, RFC 4025 section 3.3), which NSD, Knot and BIND accept; the error names the line"},
	"knot-tests-extra/records_load_svcb.zone": {false,
		"miekg/dns v1.1.73 rejects an SVCB ipv6hint holding an IPv4-mapped IPv6 address (RFC 9460 section 7.3 allows any IPv6 address); the error names the line"},
	"pdns/addzone.com": {true,
		"a TXT <character-string> longer than 255 octets (RFC 1035 section 3.3): NSD, Knot and BIND reject it, miekg/dns v1.1.73 splits it into 255-octet strings, which cannot be seen after parsing"},
	"pdns/test.dyndns.orig": {true,
		"a TXT <character-string> longer than 255 octets (RFC 1035 section 3.3): NSD, Knot and BIND reject it, miekg/dns v1.1.73 splits it into 255-octet strings, which cannot be seen after parsing"},
}

// TestCheckzoneCompat runs nsd-checkzone and Read+Check on every zone of zones.tsv:
// both must accept or both reject, except for the differences listed above.
func TestCheckzoneCompat(t *testing.T) {
	shared := zonetest.SharedZones(t)
	nsd := lookTool(t, "nsd-checkzone")
	for _, row := range shared {
		t.Run(row.File, func(t *testing.T) {
			path := row.Path
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("zones.tsv lists %s: %v", row.File, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, nsdErr := exec.CommandContext(ctx, nsd, row.Origin, path).CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("nsd-checkzone timed out")
			}
			nsdOK := nsdErr == nil

			recs, err := zonefile.Read(zonefile.FileSource(path), row.Origin)
			if err == nil {
				err = Check(row.Origin, recs)
			}
			ourOK := err == nil
			if !ourOK {
				for _, e := range zonetest.Flatten(err) {
					if ze, ok := e.(*zonefile.Error); !ok || ze.File == "" || ze.Rule == "" {
						t.Errorf("got error %T %q, want a *zonefile.Error naming file and rule", e, e)
					}
				}
			}

			if d, listed := compatDifferences[row.File]; listed {
				if ourOK == nsdOK {
					t.Errorf("listed as a difference (%s) but both now say ok=%v: remove it from compatDifferences", d.reason, ourOK)
				} else if ourOK != d.ours {
					t.Errorf("got ok=%v, listed difference says ok=%v", ourOK, d.ours)
				}
				return
			}
			if ourOK != nsdOK {
				t.Errorf("got ok=%v (error: %v), nsd-checkzone ok=%v (output: %s)", ourOK, err, nsdOK, strings.TrimSpace(string(out)))
			}
		})
	}
}

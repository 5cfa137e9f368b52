package transfer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts a real knotd (Debian package knot, tested with 3.2) as a
// primary: zone files read from the peer's folder, differences between the
// versions kept in its journal (zonefile-load: difference, journal-content:
// changes) so that it answers IXFR, and transfers allowed to opts.Key or, without
// one, to 127.0.0.1.

// knotPrimaryConfig renders knotd's configuration for the peer in dir on port.
func knotPrimaryConfig(dir string, port int, opts peerOptions, zones []peerZone) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: 1
    tcp-workers: 2
    background-workers: 1
control:
    listen: %q
database:
    storage: %q
log:
  - target: stderr
    any: info
`, filepath.Join(dir, "run"), port, filepath.Join(dir, "run", "knot.sock"), filepath.Join(dir, "db"))
	if opts.Key != nil {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n",
			opts.Key.Name, strings.TrimSuffix(opts.Key.Algorithm, "."), opts.Key.Secret)
		fmt.Fprintf(&b, "acl:\n  - id: xfr\n    key: %s\n    action: transfer\n", opts.Key.Name)
	} else {
		b.WriteString("acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    action: transfer\n")
	}
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    acl: xfr
zone:
`, dir)
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, zoneFileIn(dir, z.Origin))
	}
	return b.String()
}

// startKnot starts knotd as the primary of zones; the peer's SetZone rewrites a
// zone file and has knotd reload it (knotc zone-reload), which journals the
// difference.
func startKnot(t *testing.T, opts peerOptions, zones ...peerZone) *peer {
	t.Helper()
	knotd := requireTool(t, "knotd")
	knotc := requireTool(t, "knotc")
	p := startPeer(t, knotd, zones, func(dir string, port int) []string {
		for _, sub := range []string{"run", "db"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"-c", testutil.WriteFile(t, dir, "knot.conf", knotPrimaryConfig(dir, port, opts, zones))}
	})
	p.reload = func(t *testing.T, origin string) {
		out, err := exec.Command(knotc, "-s", filepath.Join(p.dir, "run", "knot.sock"), "-t", "10",
			"zone-reload", dns.Fqdn(origin)).CombinedOutput()
		if err != nil {
			t.Fatalf("knotc zone-reload %s: %v\n%s", origin, err, out)
		}
	}
	return p
}

package peers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts a real knotd (Debian package knot, tested with 3.2) as a
// primary: zone files read from the peer's folder, differences between the
// versions kept in its journal (zonefile-load: difference, journal-content:
// changes) so that it answers IXFR, transfers allowed to opts.Key or, without
// one, to 127.0.0.1, each new version notified to opts.Notify, and, with
// opts.Catalog, a catalog zone of every zone generated.

// knotPrimaryConfig renders knotd's configuration for the peer in dir on port.
func knotPrimaryConfig(dir string, port int, opts Options, zones []Zone) string {
	var b strings.Builder
	b.WriteString(KnotServerConfig(dir, port, ""))
	key := ""
	if opts.Key != nil {
		key = opts.Key.Name
		knotKey(&b, opts.Key)
		fmt.Fprintf(&b, "acl:\n  - id: xfr\n    key: %s\n    action: transfer\n", key)
	} else {
		b.WriteString("acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    action: transfer\n")
	}
	var notify []string
	if len(opts.Notify) > 0 {
		b.WriteString("remote:\n")
		for i, n := range opts.Notify {
			id := fmt.Sprintf("notify%d", i)
			notify = append(notify, id)
			fmt.Fprintf(&b, "  - id: %s\n    address: %s@%d\n", id, n.Addr(), n.Port())
			if key != "" {
				fmt.Fprintf(&b, "    key: %s\n", key)
			}
		}
	}
	if opts.CookieSecret != "" {
		fmt.Fprintf(&b, "mod-cookies:\n  - id: default\n    secret: 0x%s\n", opts.CookieSecret)
	}
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    acl: xfr
`, dir)
	if opts.CookieSecret != "" {
		b.WriteString("    global-module: mod-cookies/default\n")
	}
	if len(notify) > 0 {
		fmt.Fprintf(&b, "    notify: [%s]\n", strings.Join(notify, ", "))
	}
	b.WriteString("zone:\n")
	if opts.Catalog != "" {
		fmt.Fprintf(&b, "  - domain: %q\n    catalog-role: generate\n", opts.Catalog)
	}
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, zoneFileIn(dir, z.Origin))
		if opts.Catalog != "" {
			fmt.Fprintf(&b, "    catalog-role: member\n    catalog-zone: %q\n", opts.Catalog)
		}
	}
	return b.String()
}

// KnotServerConfig renders the server, control, database and log sections of
// knotd's configuration for a daemon in dir on 127.0.0.1 port, logging to stderr,
// with the lines extra (indented four spaces) added to the server section. Every
// knotd the tests start, primary, secondary or reference server, begins with it.
func KnotServerConfig(dir string, port int, extra string) string {
	return fmt.Sprintf(`server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: 1
    tcp-workers: 2
    background-workers: 1
%scontrol:
    listen: %q
database:
    storage: %q
log:
  - target: stderr
    any: info
`, filepath.Join(dir, "run"), port, extra, knotSocket(dir), filepath.Join(dir, "db"))
}

// knotKey renders the key section of knotd's configuration for key.
func knotKey(b *strings.Builder, key *Key) {
	fmt.Fprintf(b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", key.Name, key.Algorithm, key.Secret)
}

func knotSocket(dir string) string { return filepath.Join(dir, "run", "knot.sock") }

// StartKnot starts knotd as the primary of zones. SetZone rewrites a zone file
// and has knotd reload it (knotc zone-reload), which journals the difference;
// SetZones rewrites the configuration and reloads it (knotc reload).
func StartKnot(t testing.TB, opts Options, zones ...Zone) *Peer {
	t.Helper()
	knotd := RequireTool(t, "knotd")
	RequireTool(t, "knotc")
	var port int
	p := startPrimary(t, knotd, zones, func(dir string, free int) []string {
		port = free
		for _, sub := range []string{"run", "db"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"-c", testutil.WriteFile(t, dir, "knot.conf", knotPrimaryConfig(dir, free, opts, zones))}
	})
	p.reload = func(t testing.TB, origin string) { p.Knotc(t, "zone-reload", dns.Fqdn(origin)) }
	p.reconfigure = func(t testing.TB, zones []Zone) {
		testutil.WriteFile(t, p.Dir, "knot.conf", knotPrimaryConfig(p.Dir, port, opts, zones))
		p.Knotc(t, "reload")
	}
	return p
}

// Knotc runs knotc with args against the peer's control socket, bounded to 20 s.
func (p *Peer) Knotc(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, RequireTool(t, "knotc"), append([]string{"-s", knotSocket(p.Dir), "-t", "10"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("knotc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

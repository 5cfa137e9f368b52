package peers

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts a real nsd (Debian package nsd, tested with 4.6) as a primary
// in the foreground: zone files read from the peer's folder, transfers provided
// to opts.Key or, without one, to 127.0.0.1, each new version notified to
// opts.Notify. NSD keeps no differences: it answers IXFR with the whole zone.
// SIGHUP rereads the zone files.

// NSDServerConfig renders the server and remote-control sections of nsd.conf
// for a daemon in dir on 127.0.0.1 port, with the lines extra added to the server
// section: no database (the zone files are read at start), rate limiting off (a
// test's quick queries are never slipped or dropped), no remote control, chroot or
// privilege drop. Every nsd the tests start begins with it.
func NSDServerConfig(dir string, port int, extra string) string {
	return fmt.Sprintf(`server:
	ip-address: 127.0.0.1
	port: %d
	do-ip6: no
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: %q
	database: ""
	zonelistfile: %q
	xfrdfile: %q
	xfrdir: %q
	pidfile: %q
	verbosity: 2
	rrl-ratelimit: 0
%sremote-control:
	control-enable: no
`, port, dir, filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir, filepath.Join(dir, "nsd.pid"), extra)
}

// nsdKey renders the key section of nsd.conf for key and returns the name NSD's
// access lists use for it: NOKEY without one.
func nsdKey(b *strings.Builder, key *Key) string {
	if key == nil {
		return "NOKEY"
	}
	fmt.Fprintf(b, "key:\n\tname: %q\n\talgorithm: %s\n\tsecret: %q\n", key.Name, key.Algorithm, key.Secret)
	return key.Name
}

// nsdPrimaryConfig renders nsd.conf for the peer in dir on port.
func nsdPrimaryConfig(dir string, port int, opts Options, zones []Zone) string {
	var b strings.Builder
	cookies := ""
	if opts.CookieSecret != "" {
		// The secret file, when it exists, would win over cookie-secret.
		cookies = fmt.Sprintf("\tanswer-cookie: yes\n\tcookie-secret: %q\n\tcookie-secret-file: %q\n",
			opts.CookieSecret, filepath.Join(dir, "no-cookie-secrets.txt"))
	}
	b.WriteString(NSDServerConfig(dir, port, cookies))
	key := nsdKey(&b, opts.Key)
	for _, z := range zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\tprovide-xfr: 127.0.0.1 %s\n", z.Origin, zoneFileIn(dir, z.Origin), key)
		for _, n := range opts.Notify {
			fmt.Fprintf(&b, "\tnotify: %s@%d %s\n", n.Addr(), n.Port(), key)
		}
	}
	return b.String()
}

// StartNSD starts nsd as the primary of zones; SetZone rewrites a zone file and
// sends nsd SIGHUP, which rereads it.
func StartNSD(t testing.TB, opts Options, zones ...Zone) *Peer {
	t.Helper()
	nsd := RequireTool(t, "nsd")
	p := startPrimary(t, nsd, zones, func(dir string, port int) []string {
		return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", nsdPrimaryConfig(dir, port, opts, zones))}
	})
	p.reload = func(t testing.TB, _ string) { p.Signal(t, syscall.SIGHUP) }
	return p
}

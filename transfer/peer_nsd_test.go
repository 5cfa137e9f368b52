package transfer

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts a real nsd (Debian package nsd, tested with 4.6) as a primary
// in the foreground: zone files read from the peer's folder, transfers provided to
// opts.Key or, without one, to 127.0.0.1. NSD keeps no differences: it answers
// IXFR with the whole zone. SIGHUP rereads the zone files.

// nsdPrimaryConfig renders nsd.conf for the peer in dir on port.
func nsdPrimaryConfig(dir string, port int, opts peerOptions, zones []peerZone) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
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
	verbosity: 1
	rrl-ratelimit: 0
remote-control:
	control-enable: no
`, port, dir, filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir, filepath.Join(dir, "nsd.pid"))
	provide := "127.0.0.1 NOKEY"
	if opts.Key != nil {
		fmt.Fprintf(&b, "key:\n\tname: %q\n\talgorithm: %s\n\tsecret: %q\n",
			opts.Key.Name, strings.TrimSuffix(opts.Key.Algorithm, "."), opts.Key.Secret)
		provide = "127.0.0.1 " + opts.Key.Name
	}
	for _, z := range zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\tprovide-xfr: %s\n", z.Origin, zoneFileIn(dir, z.Origin), provide)
	}
	return b.String()
}

// startNSD starts nsd as the primary of zones; the peer's SetZone rewrites a zone
// file and sends nsd SIGHUP, which rereads it.
func startNSD(t *testing.T, opts peerOptions, zones ...peerZone) *peer {
	t.Helper()
	nsd := requireTool(t, "nsd")
	p := startPeer(t, nsd, zones, func(dir string, port int) []string {
		return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", nsdPrimaryConfig(dir, port, opts, zones))}
	})
	p.reload = func(t *testing.T, _ string) { p.signal(t, syscall.SIGHUP) }
	return p
}

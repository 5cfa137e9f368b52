package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// This file is the NSD harness: it starts a real nsd (Debian package nsd, tested with
// 4.6.1) in the foreground on a free loopback port, serving zone files read in place,
// and stops it by PID when the test ends. Debian's package does not start nsd by
// itself, so no system instance holds port 53 or the files below.

// nsdConfig renders an nsd.conf serving zones on 127.0.0.1 port, with every file nsd
// writes (pid file, zone list, xfrd state) under dir (peers.NSDServerConfig).
// Responses are not minimal (NSD's default): a positive answer carries the apex NS
// RRset in authority.
func nsdConfig(dir string, port int, zones []zoneSpec) string {
	var b strings.Builder
	b.WriteString(peers.NSDServerConfig(dir, port, ""))
	for _, z := range zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n", z.Origin, z.File)
	}
	return b.String()
}

// startNSD starts nsd serving zones on a free 127.0.0.1 port, waits until it answers
// the SOA of every zone with AA set, and returns its "127.0.0.1:port" address (UDP and
// TCP). nsd is stopped by PID (SIGTERM, then SIGKILL) when the test ends; its server
// child exits with it.
func startNSD(t testing.TB, zones []zoneSpec) string {
	t.Helper()
	nsd := requireTool(t, "nsd", "/usr/sbin/nsd")
	return startZoneDaemon(t, nsd, zones, func(dir string, port int) []string {
		return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", nsdConfig(dir, port, zones))}
	})
}

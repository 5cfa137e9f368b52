package transfer

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts a real named (Debian package bind9, tested with 9.18) as a
// primary in the foreground: zone files read from the peer's folder, the
// differences between versions journaled (ixfr-from-differences) so that it
// answers IXFR, transfers allowed to opts.Key or, without one, to 127.0.0.1. No
// control channel: SIGHUP reloads the zones.

// bindPrimaryConfig renders named.conf for the peer in dir on port.
func bindPrimaryConfig(dir string, port int, opts peerOptions, zones []peerZone) string {
	allow := "127.0.0.1;"
	var b strings.Builder
	if opts.Key != nil {
		fmt.Fprintf(&b, "key %q {\n\talgorithm %s;\n\tsecret %q;\n};\n",
			opts.Key.Name, strings.TrimSuffix(opts.Key.Algorithm, "."), opts.Key.Secret)
		allow = fmt.Sprintf("key %q;", opts.Key.Name)
	}
	fmt.Fprintf(&b, `options {
	directory %q;
	pid-file %q;
	session-keyfile %q;
	managed-keys-directory %q;
	listen-on port %d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-transfer { %s };
	ixfr-from-differences yes;
};
controls { };
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), dir, port, allow)
	for _, z := range zones {
		fmt.Fprintf(&b, "zone %q {\n\ttype primary;\n\tfile %q;\n};\n", z.Origin, zoneFileIn(dir, z.Origin))
	}
	return b.String()
}

// startBIND starts named as the primary of zones; the peer's SetZone rewrites a
// zone file and sends named SIGHUP, which reloads it and journals the
// difference.
func startBIND(t *testing.T, opts peerOptions, zones ...peerZone) *peer {
	t.Helper()
	named := requireTool(t, "named")
	p := startPeer(t, named, zones, func(dir string, port int) []string {
		conf := testutil.WriteFile(t, dir, "named.conf", bindPrimaryConfig(dir, port, opts, zones))
		return []string{"-g", "-4", "-n", "1", "-c", conf}
	})
	p.reload = func(t *testing.T, _ string) { p.signal(t, syscall.SIGHUP) }
	return p
}

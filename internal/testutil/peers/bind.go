package peers

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
// answers IXFR, transfers allowed to opts.Key or, without one, to 127.0.0.1,
// each new version notified to opts.Notify (also-notify). No control channel:
// SIGHUP reloads the zones.

// bindPrimaryConfig renders named.conf for the peer in dir on port.
func bindPrimaryConfig(dir string, port int, opts Options, zones []Zone) string {
	allow, keyRef := "127.0.0.1;", ""
	var b strings.Builder
	if opts.Key != nil {
		fmt.Fprintf(&b, "key %q {\n\talgorithm %s;\n\tsecret %q;\n};\n", opts.Key.Name, opts.Key.Algorithm, opts.Key.Secret)
		allow = fmt.Sprintf("key %q;", opts.Key.Name)
		keyRef = fmt.Sprintf(" key %q", opts.Key.Name)
	}
	notify := "notify no;"
	if len(opts.Notify) > 0 {
		var targets []string
		for _, n := range opts.Notify {
			targets = append(targets, fmt.Sprintf("%s port %d%s;", n.Addr(), n.Port(), keyRef))
		}
		// notify-delay 0: BIND waits 5 s by default before its first NOTIFY.
		notify = fmt.Sprintf("notify explicit;\n\tnotify-delay 0;\n\talso-notify { %s };", strings.Join(targets, " "))
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
	%s
	allow-transfer { %s };
	ixfr-from-differences yes;
%s};
controls { };
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), dir, port, notify, allow, bindCookies(opts.CookieSecret))
	for _, z := range zones {
		fmt.Fprintf(&b, "zone %q {\n\ttype primary;\n\tfile %q;\n};\n", z.Origin, zoneFileIn(dir, z.Origin))
	}
	return b.String()
}

// bindCookies renders the options that make named answer and require cookies
// with secret, or nothing without one.
func bindCookies(secret string) string {
	if secret == "" {
		return ""
	}
	return fmt.Sprintf("\tanswer-cookie yes;\n\tcookie-algorithm siphash24;\n\tcookie-secret %q;\n\trequire-server-cookie yes;\n", secret)
}

// StartBIND starts named as the primary of zones; SetZone rewrites a zone file
// and sends named SIGHUP, which reloads it and journals the difference.
func StartBIND(t testing.TB, opts Options, zones ...Zone) *Peer {
	t.Helper()
	named := RequireTool(t, "named")
	p := startPrimary(t, named, zones, func(dir string, port int) []string {
		conf := testutil.WriteFile(t, dir, "named.conf", bindPrimaryConfig(dir, port, opts, zones))
		return []string{"-g", "-4", "-n", "1", "-c", conf}
	})
	p.reload = func(t testing.TB, _ string) { p.Signal(t, syscall.SIGHUP) }
	return p
}

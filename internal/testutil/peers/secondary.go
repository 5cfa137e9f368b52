package peers

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file starts knotd and nsd as secondaries of the server under test: each
// transfers origins from primary, signed with key when one is given, and takes
// NOTIFY from 127.0.0.1 (signed with key). The test waits for their serials
// with WaitSerial.

// startSecondary runs path with the arguments config returns for a fresh folder
// and a free port, until the test ends.
func startSecondary(t testing.TB, path string, config func(dir string, port int) []string) *Peer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(path)+"-secondary")
	for _, sub := range []string{"run", "db", "zones"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := testutil.FreePort(t, "127.0.0.1")
	p := &Peer{
		Name: filepath.Base(path), Dir: dir, path: path,
		Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
	}
	p.args = config(dir, port)
	p.launch(t)
	return p
}

// StartKnotSecondary starts knotd as a secondary of origins from primary. It
// keeps the differences it receives (journal-content: changes), so that its log
// shows whether each transfer in was an AXFR or an IXFR.
func StartKnotSecondary(t testing.TB, primary netip.AddrPort, key *Key, origins ...string) *Peer {
	t.Helper()
	knotd := RequireTool(t, "knotd")
	return startSecondary(t, knotd, func(dir string, port int) []string {
		var b strings.Builder
		fmt.Fprintf(&b, `server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: %q
database:
    storage: %q
log:
  - target: stderr
    any: info
`, filepath.Join(dir, "run"), port, knotSocket(dir), filepath.Join(dir, "db"))
		keyLine := ""
		if key != nil {
			fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n", key.Name, key.Algorithm, key.Secret)
			keyLine = "\n    key: " + key.Name
		}
		fmt.Fprintf(&b, `remote:
  - id: primary
    address: %s@%d%s
acl:
  - id: notify
    address: 127.0.0.1%s
    action: notify
template:
  - id: default
    storage: %q
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
    master: primary
    acl: notify
zone:
`, primary.Addr(), primary.Port(), keyLine, keyLine, filepath.Join(dir, "zones"))
		for _, o := range origins {
			fmt.Fprintf(&b, "  - domain: %q\n", o)
		}
		return []string{"-c", testutil.WriteFile(t, dir, "knot.conf", b.String())}
	})
}

// StartNSDSecondary starts nsd as a secondary of origins from primary.
func StartNSDSecondary(t testing.TB, primary netip.AddrPort, key *Key, origins ...string) *Peer {
	t.Helper()
	nsd := RequireTool(t, "nsd")
	return startSecondary(t, nsd, func(dir string, port int) []string {
		var b strings.Builder
		b.WriteString(nsdServerConfig(dir, port))
		k := nsdKey(&b, key)
		for _, o := range origins {
			fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\trequest-xfr: %s@%d %s\n\tallow-notify: 127.0.0.1 %s\n",
				o, zoneFileIn(filepath.Join(dir, "zones"), o), primary.Addr(), primary.Port(), k, k)
		}
		return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", b.String())}
	})
}

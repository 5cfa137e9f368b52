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
// transfers origins from the primary, signed with the key when one is given,
// and takes NOTIFY from 127.0.0.1 (signed with the key). The test waits for
// their serials with WaitSerial.

// SecondaryOptions say how a secondary is configured.
type SecondaryOptions struct {
	// Primary is the server the zones are transferred from.
	Primary netip.AddrPort
	// Key, when set, signs the transfers and the NOTIFYs.
	Key *Key
	// Port is the port the secondary listens on, on 127.0.0.1; 0 picks a free
	// one. A test sets it to tell the primary where to send NOTIFY first.
	Port int
}

// startSecondary runs path with the arguments config returns for a fresh folder
// and port, until the test ends.
func startSecondary(t testing.TB, path string, port int, config func(dir string, port int) []string) *Peer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(path)+"-secondary")
	for _, sub := range []string{"run", "db", "zones"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if port == 0 {
		port = testutil.FreePort(t, "127.0.0.1")
	}
	p := &Peer{
		Name: filepath.Base(path), Dir: dir, path: path,
		Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
	}
	p.args = config(dir, port)
	p.launch(t)
	return p
}

// StartKnotSecondary starts knotd as a secondary of origins. It
// keeps the differences it receives (journal-content: changes), so that its log
// shows whether each transfer in was an AXFR or an IXFR.
func StartKnotSecondary(t testing.TB, opts SecondaryOptions, origins ...string) *Peer {
	t.Helper()
	knotd := RequireTool(t, "knotd")
	primary, key := opts.Primary, opts.Key
	return startSecondary(t, knotd, opts.Port, func(dir string, port int) []string {
		var b strings.Builder
		b.WriteString(KnotServerConfig(dir, port, ""))
		keyLine := ""
		if key != nil {
			knotKey(&b, key)
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

// StartNSDSecondary starts nsd as a secondary of origins.
func StartNSDSecondary(t testing.TB, opts SecondaryOptions, origins ...string) *Peer {
	t.Helper()
	nsd := RequireTool(t, "nsd")
	primary, key := opts.Primary, opts.Key
	return startSecondary(t, nsd, opts.Port, func(dir string, port int) []string {
		var b strings.Builder
		b.WriteString(NSDServerConfig(dir, port, ""))
		k := nsdKey(&b, key)
		for _, o := range origins {
			fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\trequest-xfr: %s@%d %s\n\tallow-notify: 127.0.0.1 %s\n",
				o, zoneFileIn(filepath.Join(dir, "zones"), o), primary.Addr(), primary.Port(), k, k)
		}
		return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", b.String())}
	})
}

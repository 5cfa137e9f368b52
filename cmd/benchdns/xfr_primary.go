package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// KnotPrimary runs knotd as the primary the transfer suite's secondaries take their
// zones from, on loopback, with a control socket so that knotc can reload a zone.
type KnotPrimary struct {
	Bin string // knotd
	// Journaled are the origins whose zone file is reloaded as a difference
	// (zonefile-load: difference) into a journal (journal-content: changes), so that
	// the primary answers an IXFR with that difference (RFC 1995 section 4). The other
	// zones are loaded whole with no journal: Knot answers an IXFR for them with the
	// whole zone, as RFC 1995 section 4 allows when the history is not there.
	Journaled []string
}

// Name implements Server.
func (k KnotPrimary) Name() string { return "Knot primary" }

// Command implements Server: any address on loopback may transfer every zone; nobody
// is notified (the bench sends the NOTIFYs itself, to one secondary at a time). The zone
// files are never written back.
func (k KnotPrimary) Command(dir string, port int, zones []Zone) (*exec.Cmd, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
  rundir: %q
  listen: 127.0.0.1@%d
  identity: primary
control:
  listen: %q
database:
  storage: %q
log:
  - target: stderr
    any: warning
acl:
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: %q
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
    acl: transfer
zone:
`, dir, port, knotSocket(dir), dir, dir)
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, z.File)
		for _, j := range k.Journaled {
			if j == z.Origin {
				b.WriteString("    zonefile-load: difference\n    journal-content: changes\n")
			}
		}
	}
	conf := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return exec.Command(k.Bin, "-c", conf), nil
}

// knotSocket is the control socket of a KnotPrimary in dir.
func knotSocket(dir string) string { return filepath.Join(dir, "knot.sock") }

// knotReload has the primary running in dir read origin's zone file again (knotc
// zone-reload, blocking until it is done).
func knotReload(ctx context.Context, knotc, dir, origin string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, knotc, "-s", knotSocket(dir), "-b", "zone-reload", origin).CombinedOutput()
	if err != nil {
		return fmt.Errorf("knotc zone-reload %s: %v: %s", origin, err, strings.TrimSpace(string(out)))
	}
	return nil
}

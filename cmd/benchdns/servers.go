package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Anycastdns runs the anycastdns binary built from this tree.
type Anycastdns struct {
	Bin        string
	GOMAXPROCS int // 0: Go's default, one per core
}

// Name implements Server.
func (a Anycastdns) Name() string { return "anycastdns" }

// Command implements Server: a configuration file with metrics off and warnings only.
func (a Anycastdns) Command(dir string, port int, zones []Zone) (*exec.Cmd, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "identity: bench\nmetrics:\n  listen: \"\"\nlog:\n  level: warn\nlisten:\n  - 127.0.0.1:%d\nzones:\n", port)
	for _, z := range zones {
		fmt.Fprintf(&b, "  - origin: %q\n    file: %q\n", z.Origin, z.File)
	}
	conf := filepath.Join(dir, "anycastdns.yaml")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(a.Bin, "serve", "-config", conf)
	cmd.Env = os.Environ()
	if a.GOMAXPROCS > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(a.GOMAXPROCS))
	}
	return cmd, nil
}

// NSD runs NSD 4 from its Debian package, in the foreground, with its state in dir.
type NSD struct {
	Bin     string
	Servers int // server-count; 0: NSD's default, 1
}

// Name implements Server.
func (n NSD) Name() string { return "NSD" }

// Command implements Server. Response rate limiting is off for every zone
// (rrl-ratelimit: 0; with it, NSD would answer a single fast client, dnsperf, with
// truncated or no replies) and responses are minimal (no authority NS on positive
// answers, as the other servers). Signed zones are served as given: NSD never signs.
// No database file: NSD reads the zone files at start. No remote control, no chroot, no
// privilege drop.
func (n NSD) Command(dir string, port int, zones []Zone) (*exec.Cmd, error) {
	servers := n.Servers
	if servers == 0 {
		servers = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `server:
	ip-address: 127.0.0.1
	port: %d
	do-ip6: no
	server-count: %d
	username: ""
	chroot: ""
	zonesdir: %q
	database: ""
	zonelistfile: %q
	xfrdfile: %q
	xfrdir: %q
	pidfile: %q
	verbosity: 0
	rrl-ratelimit: 0
	minimal-responses: yes
	identity: "bench"
remote-control:
	control-enable: no
`, port, servers, dir, filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir, filepath.Join(dir, "nsd.pid"))
	for _, z := range zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n", z.Origin, z.File)
	}
	conf := filepath.Join(dir, "nsd.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return exec.Command(n.Bin, "-d", "-c", conf), nil
}

// Knot runs Knot DNS 3 (knotd) in the foreground with its state in dir.
type Knot struct {
	Bin        string
	UDPWorkers int // udp-workers; 0: Knot's default, one per core
}

// Name implements Server.
func (k Knot) Name() string { return "Knot" }

// Command implements Server. Knot answers minimally by default and has no rate limit
// unless the rrl module is configured. The zone file is loaded whole and never written
// back; there is no journal. Signed zones are served as the signer wrote them
// (dnssec-signing: off, Knot's default, said outright): Knot neither signs nor re-signs.
func (k Knot) Command(dir string, port int, zones []Zone) (*exec.Cmd, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n  rundir: %q\n  listen: 127.0.0.1@%d\n  identity: bench\n", dir, port)
	if k.UDPWorkers > 0 {
		fmt.Fprintf(&b, "  udp-workers: %d\n", k.UDPWorkers)
	}
	fmt.Fprintf(&b, `database:
  storage: %q
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: %q
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
zone:
`, dir, dir)
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, z.File)
	}
	conf := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return exec.Command(k.Bin, "-c", conf), nil
}

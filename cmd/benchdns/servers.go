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
	// RRL, when positive, turns response rate limiting on at RRL replies a second
	// for every class (-rrl): high enough that no reply is limited, it measures
	// what the accounting costs.
	RRL int
}

// Name implements Server.
func (a Anycastdns) Name() string { return "anycastdns" }

// Command implements Server: a configuration file with metrics off, warnings only
// and response rate limiting off (rate-limit.enabled: false), as it is for NSD
// below: with it at its default, a single fast client, dnsperf, would get
// truncated or no replies; -rrl turns it on at a rate dnsperf never reaches.
// A zone with a Primary is a secondary of it, its copy kept under dir/state, that takes
// NOTIFY from the bench (allow-notify).
func (a Anycastdns) Command(dir string, port int, zones []Zone) (*exec.Cmd, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "identity: bench\nmetrics:\n  listen: \"\"\nlog:\n  level: warn\nlisten:\n  - 127.0.0.1:%d\n", port)
	if a.RRL > 0 {
		fmt.Fprintf(&b, "rate-limit:\n  enabled: true\n  responses-per-second: %d\n  errors-per-second: %[1]d\n  nxdomains-per-second: %[1]d\n", a.RRL)
	} else {
		b.WriteString("rate-limit:\n  enabled: false\n")
	}
	if primaryOf(zones) != "" {
		// anycastdns does not make its state-dir (packages make /var/lib/anycastdns).
		state := filepath.Join(dir, "state")
		if err := os.MkdirAll(state, 0o755); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "transfer:\n  state-dir: %q\n", state)
	}
	b.WriteString("zones:\n")
	for _, z := range zones {
		if z.Primary != "" {
			fmt.Fprintf(&b, "  - origin: %q\n    primaries: [{address: %q}]\n    allow-notify: [\"127.0.0.1\"]\n", z.Origin, z.Primary)
			continue
		}
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
	// RRL, when positive, is rrl-ratelimit (-rrl); 0 turns NSD's RRL off.
	RRL int
}

// Name implements Server.
func (n NSD) Name() string { return "NSD" }

// Command implements Server. Response rate limiting is off for every zone
// (rrl-ratelimit: 0; with it, NSD would answer a single fast client, dnsperf, with
// truncated or no replies) and responses are minimal (no authority NS on positive
// answers, as the other servers). Signed zones are served as given: NSD never signs.
// No database file: NSD reads the zone files at start. No remote control, no chroot, no
// privilege drop. A zone with a Primary is a secondary: NSD asks it for the zone
// (request-xfr) and takes NOTIFY from the bench (allow-notify).
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
	rrl-ratelimit: %d
	minimal-responses: yes
	identity: "bench"
remote-control:
	control-enable: no
`, port, servers, dir, filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir, filepath.Join(dir, "nsd.pid"), n.RRL)
	for _, z := range zones {
		if z.Primary != "" {
			// A secondary: its copy is written into dir; NOTIFY from the bench on
			// loopback is taken without TSIG, and the transfers are asked of Primary.
			host, port := splitHostPort(z.Primary)
			fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\tallow-notify: 127.0.0.1 NOKEY\n\trequest-xfr: %s@%s NOKEY\n",
				z.Origin, filepath.Join(dir, secondaryFile(z.Origin)), host, port)
			continue
		}
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
// back; there is no journal. A zone with a Primary is a secondary with Knot's defaults
// for one (see below). Signed zones are served as the signer wrote them
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
`, dir, dir)
	if primary := primaryOf(zones); primary != "" {
		host, port := splitHostPort(primary)
		fmt.Fprintf(&b, "remote:\n  - id: primary\n    address: %s@%s\nacl:\n  - id: notify\n    address: 127.0.0.1\n    action: notify\n", host, port)
	}
	b.WriteString("zone:\n")
	for _, z := range zones {
		if z.Primary != "" {
			// A secondary as Knot keeps one by default: its copy is written to the zone
			// file after each transfer (zonefile-sync: 0), the changes of each IXFR are
			// journaled (journal-content: changes).
			fmt.Fprintf(&b, "  - domain: %q\n    master: primary\n    acl: notify\n    zonefile-sync: 0\n    journal-content: changes\n    file: %q\n",
				z.Origin, filepath.Join(dir, secondaryFile(z.Origin)))
			continue
		}
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, z.File)
	}
	conf := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return exec.Command(k.Bin, "-c", conf), nil
}

// primaryOf returns the primary of the first of zones that has one, "" when none has:
// the bench gives every secondary zone of a server the same primary.
func primaryOf(zones []Zone) string {
	for _, z := range zones {
		if z.Primary != "" {
			return z.Primary
		}
	}
	return ""
}

// splitHostPort splits "127.0.0.1:port" for the servers that write "host@port".
func splitHostPort(addr string) (host, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr, "53"
	}
	return addr[:i], addr[i+1:]
}

// secondaryFile names the file a secondary keeps its copy of origin in.
func secondaryFile(origin string) string {
	if origin == "." {
		return "root.zone"
	}
	return strings.TrimSuffix(origin, ".") + ".zone"
}

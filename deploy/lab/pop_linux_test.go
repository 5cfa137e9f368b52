package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The lab's health and BGP timers. Health probes at the shipped interval, rise and fall
// (a busy CI machine must not make them flap), with a 300 ms timeout (default 500 ms):
// a blackholed listener is then detected within fall × interval + 300 ms, which leaves
// most of the one-second allowance to the withdrawal itself. The BGP timers are a
// third of the defaults, with the same ratio (keepalive a third of the hold time), so the
// hung process scenario takes seconds; the drain periods are short so the whole lab runs
// in about a minute.
const (
	healthInterval = time.Second
	healthTimeout  = 300 * time.Millisecond
	healthRise     = 2
	healthFall     = 3
	holdTime       = 3 * time.Second
	keepalive      = 1 * time.Second
	drainGrace     = 1 * time.Second
	drainLinger    = 1 * time.Second
	connectRetry   = 1 * time.Second
)

// pop is one point of presence: a namespace running the anycastdns binary, or its
// image in podman (podman_linux_test.go).
type pop struct {
	name     string // identity, answered to hostname.bind and NSID
	ns       netns
	bin      string
	image    string // the image to run in podman; "" runs bin
	config   string
	state    string // the host folder of the PoP's transfer.state-dir
	logPath  string
	routerID string
	cmd      *exec.Cmd
	pid      int // the anycastdns process, which the faults signal
	done     chan struct{}
}

// popConfig is what one PoP's configuration file needs.
type popConfig struct {
	identity           string
	local4, local6     string // this PoP's addresses on the link to the router
	router4, router6   string // the router's addresses on that link
	anycast4, anycast6 string
	prepend            int
	// The hidden primary's unicast address and the TSIG secret shared with it; the
	// PoP is a secondary of the lab's zone and of the catalog (RFC 9432).
	primary  string
	secret   string
	stateDir string // the copies of the secondary zones and their saved timers
}

// yaml renders the PoP's configuration: it listens on the anycast addresses, probes
// them, and peers with the router over one IPv4 and one IPv6 session, so that each
// prefix's next hop is an address of its own family. It also listens on its unicast
// address, where the primary's NOTIFYs arrive (RFC 1996) and the lab asks each PoP for
// its serial, and transfers the lab's zone and the catalog from the hidden primary from
// that address (never the anycast one: the primary's answers would go to whichever PoP
// is nearest).
func (c popConfig) yaml() string {
	peer := func(router, local, family string) string {
		return fmt.Sprintf(`    - address: %q
      as: %d
      local-address: %q
      hold-time: %s
      keepalive: %s
      connect-retry: %s
      families: [%s]
`, router, routerAS, local, holdTime, keepalive, connectRetry, family)
	}
	return fmt.Sprintf(`# anycastdns routed lab: %[1]s (generated).
identity: %[1]s
listen:
  - "%[2]s:53"
  - "[%[3]s]:53"
  - "%[9]s:53"
metrics:
  listen: 127.0.0.1:9153
log:
  format: json # timestamps in nanoseconds: the lab marks announce and withdraw on its timelines
shutdown-timeout: 2s
health:
  interval: %[4]s
  timeout: %[5]s
  rise: %[6]d
  fall: %[7]d
bgp:
  local-as: %[8]d
  router-id: %[9]q
  peers:
%[10]s%[11]s  prefixes: ["%[2]s/32", "%[3]s/128"]
  prepend: %[12]d
  drain:
    grace: %[13]s
    linger: %[14]s
%[15]s`, c.identity, c.anycast4, c.anycast6, healthInterval, healthTimeout, healthRise, healthFall,
		popAS, c.local4, peer(c.router4, c.local4, "ipv4-unicast"), peer(c.router6, c.local6, "ipv6-unicast"),
		c.prepend, drainGrace, drainLinger, c.fleetYAML())
}

// fleetYAML renders the PoP's transfer settings: the lab's short timer bounds (the
// zone's SOA says expire 10 s, below the default expire-min), a one-second timeout so
// that a PoP cut off from its primary retries at the SOA retry interval, and the lab's
// zone and the catalog as secondaries of the primary, NOTIFY accepted from it with the
// key.
func (c popConfig) fleetYAML() string {
	zone := func(origin, extra string) string {
		return fmt.Sprintf(`  - origin: %s
    primaries: [{address: %q, key: %s}]
    allow-notify: ["%s key %s"]
%s`, origin, c.primary, xfrKey, c.primary, xfrKey, extra)
	}
	return fmt.Sprintf(`tsig-keys:
  - name: %s
    secret: %q
transfer:
  source-ipv4: %q
  state-dir: %q
  timeout: 1s
  refresh-min: 1s
  retry-min: 1s
  expire-min: 1s
zones:
%s%s`, xfrKey, c.secret, c.local4, c.stateDir, zone(zoneName, ""), zone(catalogZone, "    catalog: true\n"))
}

// newPop writes the PoP's configuration into dir and makes sure its process is stopped
// when the test ends. It does not start it. The PoP runs image in podman, or bin when
// image is "".
func newPop(t testing.TB, ns netns, bin, image, dir string, c popConfig) *pop {
	t.Helper()
	p := &pop{
		name:     c.identity,
		ns:       ns,
		bin:      bin,
		image:    image,
		config:   filepath.Join(dir, c.identity+".yaml"),
		state:    c.stateDir,
		logPath:  filepath.Join(dir, c.identity+".log"),
		routerID: c.local4,
	}
	if err := os.MkdirAll(p.state, 0o755); err != nil {
		t.Fatal(err)
	}
	if image != "" {
		// The container's user owns the folder mounted at the image's state-dir.
		if err := os.Chown(p.state, containerUID, containerUID); err != nil {
			t.Fatal(err)
		}
		c.stateDir = containerStateDir
	}
	if err := os.WriteFile(p.config, []byte(c.yaml()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The log collects every start of this run (an earlier run's would confuse the timelines).
	if err := os.Remove(p.logPath); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	return p
}

// start runs the binary (or the image) in the PoP's namespace; its output is appended
// to the PoP's log.
func (p *pop) start(t testing.TB) {
	t.Helper()
	if p.running() {
		t.Fatalf("%s: already running", p.name)
	}
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(log, "==== lab: starting %s at %s\n", p.name, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := p.command()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		t.Fatalf("starting %s: %v", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	done := p.done
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(log, "==== lab: %s exited at %s: %v\n", p.name, time.Now().UTC().Format(time.RFC3339Nano), err)
		_ = log.Close()
		close(done)
	}()
	p.pid = p.mainPID(t)
}

// running reports whether the PoP's process is alive.
func (p *pop) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the PoP's anycastdns process.
func (p *pop) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if !p.running() {
		t.Fatalf("%s: not running, cannot send %v", p.name, sig)
	}
	if p.pid <= 0 {
		t.Fatalf("%s: no process id", p.name)
	}
	if err := syscall.Kill(p.pid, sig); err != nil {
		t.Fatalf("%s: %v: %v", p.name, sig, err)
	}
}

// wait waits up to d for the process to exit and reports whether it did.
func (p *pop) wait(d time.Duration) bool {
	if !p.running() {
		return true
	}
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// kill stops the process at once, also when it is stopped (SIGSTOP), and waits for it.
func (p *pop) kill() {
	if !p.running() {
		return
	}
	p.killProcess()
	<-p.done
}

package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// routerAS is the router's AS; both PoPs are in popAS (one anycast operator, two sites).
const (
	routerAS = 65000
	popAS    = 65001
)

// router is the PoP's BGP router: BIRD 2 (bird_linux_test.go) or FRR 8.4
// (frr_linux_test.go). The scenarios and their checks see it only through this, so
// that both routers run the same scenarios with the same assertions.
type router interface {
	// name names the router for the test's log, e.g. "BIRD 2".
	name() string
	// routes returns the PoPs the router holds a path from for prefix, the best
	// marked with a "*", e.g. ["pop-a*", "pop-b"].
	routes(prefix string) []string
	// notification returns, in the router's words, the last NOTIFICATION it received
	// on the neighbour's session: its error code and the shutdown communication
	// (RFC 9003) when there was one.
	notification(nb neighbor) (string, error)
	// hostname returns the host name the neighbour advertised in its hostname
	// capability, as the router shows it.
	hostname(nb neighbor) (string, error)
	// status describes every session, for a failure message.
	status() string
	// sessionEvents returns the sessions that came up or went down in [from, to], as
	// the router logged them, e.g. "router: pop_a4 down".
	sessionEvents(from, to time.Time) []event
	// stop stops the BGP daemon as an operator's restart does (SIGTERM: it closes its
	// sessions and takes its routes out of the kernel); start starts it again with
	// the same configuration and returns once it answers its control socket.
	stop(t testing.TB)
	start(t testing.TB)
}

// neighbor is one eBGP session the router accepts from a PoP.
type neighbor struct {
	Name    string // the session's name at the router (BIRD's protocol), e.g. pop_a4
	Node    string // the PoP at the other end, e.g. pop-a
	Address string
	IPv6    bool
}

// routerConfig is what either router's configuration needs.
type routerConfig struct {
	RouterID  string
	LocalAS   int
	PeerAS    int
	Hold      int // seconds
	Keepalive int // seconds
	Anycast4  string
	Anycast6  string
	Neighbors []neighbor
}

// The routers the lab can run: TestLab runs BIRD, TestLabFRR FRR.
const (
	routerBIRD = "bird"
	routerFRR  = "frr"
)

// routerTools lists the programs each router needs, with the Debian package.
var routerTools = map[string]struct {
	tools   []string
	install string
}{
	routerBIRD: {[]string{"bird", "birdc"}, "bird2"},
	routerFRR:  {[]string{frrDaemon("zebra"), frrDaemon("bgpd"), "vtysh"}, "frr"},
}

// startRouter starts the router of the given kind in ns; its configuration goes to
// dir (the lab's outputs), its sockets to sockDir (a short path: a socket path is
// limited to 107 bytes). It is stopped when the test ends.
func startRouter(t testing.TB, kind string, ns netns, dir, sockDir string, cfg routerConfig) router {
	t.Helper()
	switch kind {
	case routerBIRD:
		return startBird(t, ns, dir, sockDir, cfg)
	case routerFRR:
		return startFRR(t, ns, dir, cfg)
	}
	t.Fatalf("router %q: want %s or %s", kind, routerBIRD, routerFRR)
	return nil
}

// daemon is one router process the lab started, stopped by its PID.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startDaemon starts cmd with its output appended to the file out.
func startDaemon(t testing.TB, cmd *exec.Cmd, out string) *daemon {
	t.Helper()
	f, err := os.OpenFile(out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(d.done) }()
	return d
}

// stop sends SIGTERM and waits up to 5 s for the daemon to exit, then kills it.
func (d *daemon) stop() {
	if d == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// exited reports whether the daemon has exited.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// waitReady polls ready every 50 ms for up to 10 s, failing the test when the daemon
// exits first or ready never succeeds.
func waitReady(t testing.TB, what string, d *daemon, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		if d.exited() {
			t.Fatalf("%s exited: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within 10 s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nodeOf returns the PoP of the neighbour the router calls name or knows by address.
func nodeOf(nbs []neighbor, key string) string {
	for _, nb := range nbs {
		if nb.Name == key || nb.Address == key {
			return nb.Node
		}
	}
	return fmt.Sprintf("unknown neighbour %s", key)
}

// testRouterConfig is a configuration for the routers' configuration tests, which
// need no root: PoP A's two sessions.
var testRouterConfig = routerConfig{RouterID: "10.250.1.1", LocalAS: routerAS, PeerAS: popAS,
	Hold: 3, Keepalive: 1, Anycast4: "198.51.100.53/32", Anycast6: "2001:db8:53::53/128",
	Neighbors: []neighbor{{"pop_a4", "pop-a", "10.250.1.2", false}, {"pop_a6", "pop-a", "fd00:250:1::2", true}}}

// checkRouterConfig renders tmpl with data into dir/name, runs the router's own check
// on that file (check returns its complaint), and asserts that the configuration
// holds every piece of want.
func checkRouterConfig(t *testing.T, tmpl *template.Template, data any, dir, name string, check func(path string) error, want []string) {
	t.Helper()
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, name)
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := check(conf); err != nil {
		t.Fatalf("the router rejects the lab's configuration: %v\n%s", err, b.String())
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w) {
			t.Errorf("configuration lacks %q:\n%s", w, b.String())
		}
	}
}

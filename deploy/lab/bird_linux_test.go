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

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// routerAS is the router's AS; both PoPs are in popAS (one anycast operator, two sites).
const (
	routerAS = 65000
	popAS    = 65001
)

// birdNeighbor is one eBGP session the router accepts.
type birdNeighbor struct {
	Name    string // BIRD protocol name, e.g. pop_a4
	Address string
	IPv6    bool
}

// birdConfig holds what the BIRD configuration template needs.
type birdConfig struct {
	Log       string
	RouterID  string
	LocalAS   int
	PeerAS    int
	Hold      int // seconds
	Keepalive int // seconds
	Anycast4  string
	Anycast6  string
	Neighbors []birdNeighbor
}

// birdTemplate is the router's configuration. The router is passive (the PoPs dial: their
// speakers open no BGP listener), accepts only the anycast prefixes, and installs the best
// route to each into the kernel, where the client's packets follow it.
var birdTemplate = template.Must(template.New("bird").Parse(`# anycastdns routed lab: the router (generated).
log "{{.Log}}" all;
timeformat log iso long ms;
timeformat protocol iso long ms;
router id {{.RouterID}};

protocol device {
	scan time 10;
}

# Only BGP routes go to the kernel; nothing is learned from it.
protocol kernel kernel4 {
	ipv4 { import none; export where source = RTS_BGP; };
}
protocol kernel kernel6 {
	ipv6 { import none; export where source = RTS_BGP; };
}

# RFC 8326 section 4: a route carrying GRACEFUL_SHUTDOWN (65535:0) gets LOCAL_PREF 0, so
# that any other path is preferred while the node that sent it drains.
function graceful_shutdown() {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
}

filter pop_import4 {
	if net != {{.Anycast4}} then reject;
	graceful_shutdown();
	accept;
}

filter pop_import6 {
	if net != {{.Anycast6}} then reject;
	graceful_shutdown();
	accept;
}

template bgp pop {
	local as {{.LocalAS}};
	passive on;
	hold time {{.Hold}};
	keepalive time {{.Keepalive}};
	connect retry time 1;
	# The default 60 s lock-out after a session error would hide a PoP's recovery.
	error wait time 1, 5;
	debug { states, events };
}
{{range .Neighbors}}
protocol bgp {{.Name}} from pop {
	neighbor {{.Address}} as {{$.PeerAS}};
{{- if .IPv6}}
	ipv6 { import filter pop_import6; export none; };
{{- else}}
	ipv4 { import filter pop_import4; export none; };
{{- end}}
}
{{end}}`))

// router is the BIRD daemon running in the router namespace.
type router struct {
	ns     netns
	dir    string
	socket string
	cmd    *exec.Cmd
	done   chan struct{}
}

// startBird writes the configuration into dir, starts BIRD in the foreground inside ns
// with its own control socket in sockDir (a short path: a socket path is limited to 107
// bytes), and stops it (by PID) when the test ends.
func startBird(t testing.TB, ns netns, dir, sockDir string, cfg birdConfig) *router {
	t.Helper()
	var b strings.Builder
	if err := birdTemplate.Execute(&b, cfg); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(cfg.Log); err != nil && !os.IsNotExist(err) {
		t.Fatal(err) // BIRD appends; an earlier run's log would confuse the timelines
	}
	r := &router{ns: ns, dir: dir, socket: filepath.Join(sockDir, "bird.ctl"), done: make(chan struct{})}
	if out, err := ns.command("bird", "-p", "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("bird -p (parse only) %s: %v: %s", conf, err, out)
	}
	out, err := os.Create(filepath.Join(dir, "bird.out"))
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = ns.command("bird", "-f", "-c", conf, "-s", r.socket, "-P", filepath.Join(sockDir, "bird.pid"))
	r.cmd.Stdout, r.cmd.Stderr = out, out
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting bird: %v", err)
	}
	go func() { _ = r.cmd.Wait(); _ = out.Close(); close(r.done) }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(3 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := r.birdc("show", "status"); err == nil {
			return r
		} else if time.Now().After(deadline) {
			t.Fatalf("bird did not answer on %s: %v", r.socket, err)
		}
		select {
		case <-r.done:
			t.Fatalf("bird exited: see %s", filepath.Join(dir, "bird.out"))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// birdc runs one birdc command on the router's control socket.
func (r *router) birdc(args ...string) (string, error) {
	out, err := exec.Command("birdc", append([]string{"-s", r.socket}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// routes returns the BIRD protocols that gave a route to prefix, the best one marked
// with a "*", e.g. ["pop_a4*", "pop_b4"].
func (r *router) routes(prefix string) []string {
	out, err := r.birdc("show", "route", "for", prefix)
	if err != nil {
		return nil
	}
	var rs []string
	for _, line := range strings.Split(out, "\n") {
		_, rest, ok := strings.Cut(line, "unicast [")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		if strings.Contains(rest, "] * ") {
			name += "*"
		}
		rs = append(rs, name)
	}
	return rs
}

// TestBirdConfig checks the router's configuration with BIRD's own parser (no root
// needed), and that its import filters carry the RFC 8326 rule and the prefix guard.
func TestBirdConfig(t *testing.T) {
	testutil.Tool(t, "bird") // Debian package bird2
	dir := t.TempDir()
	cfg := birdConfig{Log: filepath.Join(dir, "bird.log"), RouterID: "10.250.1.1", LocalAS: routerAS, PeerAS: popAS,
		Hold: 3, Keepalive: 1, Anycast4: "198.51.100.53/32", Anycast6: "2001:db8:53::53/128",
		Neighbors: []birdNeighbor{{"pop_a4", "10.250.1.2", false}, {"pop_a6", "fd00:250:1::2", true}}}
	var b strings.Builder
	if err := birdTemplate.Execute(&b, cfg); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "bird.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bird", "-p", "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("bird -p rejects the lab's configuration: %v: %s\n%s", err, out, b.String())
	}
	for _, want := range []string{
		"if (65535, 0) ~ bgp_community then bgp_local_pref = 0;",
		"if net != 198.51.100.53/32 then reject;",
		"if net != 2001:db8:53::53/128 then reject;",
		"error wait time 1, 5;",
		"hold time 3;",
		"neighbor fd00:250:1::2 as 65001;\n\tipv6 { import filter pop_import6; export none; };",
		"neighbor 10.250.1.2 as 65001;\n\tipv4 { import filter pop_import4; export none; };",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("configuration lacks %q:\n%s", want, b.String())
		}
	}
}

package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// birdConfig is the router's configuration and BIRD's log file.
type birdConfig struct {
	routerConfig
	Log string
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

// bird is the BIRD daemon running in the router namespace.
type bird struct {
	ns        netns
	dir       string
	conf      string
	log       string
	socket    string
	pid       string
	neighbors []neighbor
	d         *daemon
}

// startBird writes the configuration into dir, starts BIRD in the foreground inside ns
// with its own control socket in sockDir, and stops it (by PID) when the test ends.
func startBird(t testing.TB, ns netns, dir, sockDir string, cfg routerConfig) *bird {
	t.Helper()
	bc := birdConfig{routerConfig: cfg, Log: filepath.Join(dir, "bird.log")}
	var b strings.Builder
	if err := birdTemplate.Execute(&b, bc); err != nil {
		t.Fatal(err)
	}
	r := &bird{ns: ns, dir: dir, conf: filepath.Join(dir, "bird.conf"), log: bc.Log,
		socket: filepath.Join(sockDir, "bird.ctl"), pid: filepath.Join(sockDir, "bird.pid"), neighbors: cfg.Neighbors}
	if err := os.WriteFile(r.conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(r.log); err != nil && !os.IsNotExist(err) {
		t.Fatal(err) // BIRD appends; an earlier run's log would confuse the timelines
	}
	if out, err := ns.command("bird", "-p", "-c", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("bird -p (parse only) %s: %v: %s", r.conf, err, out)
	}
	t.Cleanup(func() { r.d.stop() })
	r.start(t)
	return r
}

func (r *bird) name() string { return "BIRD 2" }

// start runs BIRD in the foreground (its PID is the one the lab stops) and waits
// until it answers on its control socket.
func (r *bird) start(t testing.TB) {
	t.Helper()
	r.d = startDaemon(t, r.ns.command("bird", "-f", "-c", r.conf, "-s", r.socket, "-P", r.pid), filepath.Join(r.dir, "bird.out"))
	waitReady(t, "bird (see "+filepath.Join(r.dir, "bird.out")+")", r.d, func() error {
		_, err := r.birdc("show", "status")
		return err
	})
}

// stop stops BIRD with SIGTERM: it closes every session (Cease, Administrative
// Shutdown) and removes its routes from the kernel.
func (r *bird) stop(t testing.TB) {
	t.Helper()
	r.d.stop()
}

// birdc runs one birdc command on the router's control socket.
func (r *bird) birdc(args ...string) (string, error) {
	out, err := exec.Command("birdc", append([]string{"-s", r.socket}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// routes returns the PoPs whose BIRD protocols gave a route to prefix, the best one
// marked with a "*", e.g. ["pop-a*", "pop-b"].
func (r *bird) routes(prefix string) []string {
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
		proto, _, _ := strings.Cut(rest, " ")
		name := nodeOf(r.neighbors, proto)
		if strings.Contains(rest, "] * ") {
			name += "*"
		}
		rs = append(rs, name)
	}
	return rs
}

// notification returns BIRD's status of the neighbour's protocol, whose "Last error"
// line names the NOTIFICATION received and its shutdown communication.
func (r *bird) notification(nb neighbor) (string, error) {
	return r.birdc("show", "protocols", "all", nb.Name)
}

// hostname returns the "Hostname:" BIRD shows for the neighbour (its hostname
// capability).
func (r *bird) hostname(nb neighbor) (string, error) {
	out, err := r.birdc("show", "protocols", "all", nb.Name)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Hostname:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no Hostname in birdc show protocols all %s:\n%s", nb.Name, out)
}

// status is birdc's list of protocols.
func (r *bird) status() string {
	out, _ := r.birdc("show", "protocols")
	return out
}

// sessionEvents reads BIRD's log.
func (r *bird) sessionEvents(from, to time.Time) []event {
	return birdSessionEvents(r.log, from, to)
}

// TestBirdConfig checks the router's configuration with BIRD's own parser (no root
// needed), and that its import filters carry the RFC 8326 rule and the prefix guard.
func TestBirdConfig(t *testing.T) {
	testutil.Tool(t, "bird") // Debian package bird2
	dir := t.TempDir()
	cfg := birdConfig{Log: filepath.Join(dir, "bird.log"), routerConfig: testRouterConfig}
	checkRouterConfig(t, birdTemplate, cfg, dir, "bird.conf", func(conf string) error {
		if out, err := exec.Command("bird", "-p", "-c", conf).CombinedOutput(); err != nil {
			return fmt.Errorf("bird -p: %v: %s", err, out)
		}
		return nil
	}, []string{
		"if (65535, 0) ~ bgp_community then bgp_local_pref = 0;",
		"if net != 198.51.100.53/32 then reject;",
		"if net != 2001:db8:53::53/128 then reject;",
		"error wait time 1, 5;",
		"hold time 3;",
		"neighbor fd00:250:1::2 as 65001;\n\tipv6 { import filter pop_import6; export none; };",
		"neighbor 10.250.1.2 as 65001;\n\tipv4 { import filter pop_import4; export none; };",
	})
}

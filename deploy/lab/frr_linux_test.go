package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// frrDaemon returns the path of one of FRR's daemons: Debian installs them outside
// PATH, where frrinit.sh starts them.
func frrDaemon(name string) string { return "/usr/lib/frr/" + name }

// frrRunDir is the parent of every FRR pathspace (-N NAME puts a daemon's sockets
// and default files in /run/frr/NAME, where `vtysh -N NAME` finds them).
const frrRunDir = "/run/frr"

// frrZebraTemplate is zebra's configuration: it only installs what bgpd chooses into
// the router namespace's kernel table.
var frrZebraTemplate = template.Must(template.New("zebra").Parse(`! anycastdns routed lab: the router's zebra (generated).
hostname lab-router
log file {{.Dir}}/zebra.log informational
log timestamp precision 3
`))

// frrBGPTemplate is bgpd's configuration, the same policy as BIRD's: passive eBGP to
// every PoP (their speakers open no listener), only the anycast prefixes accepted,
// nothing exported, and RFC 8326 honoured by an import route-map that sets local
// preference 0 on a route carrying GRACEFUL_SHUTDOWN (65535:0). FRR's default "bgp
// ebgp-requires-policy" then holds: each session has an import and an export policy.
var frrBGPTemplate = template.Must(template.New("bgpd").Parse(`! anycastdns routed lab: the router's bgpd (generated).
hostname lab-router
log file {{.Dir}}/bgpd.log informational
log timestamp precision 3
!
ip prefix-list ANYCAST4 seq 5 permit {{.Anycast4}}
ipv6 prefix-list ANYCAST6 seq 5 permit {{.Anycast6}}
bgp community-list standard GSHUT seq 5 permit graceful-shutdown
!
route-map POP_IN4 permit 10
 match ip address prefix-list ANYCAST4
 match community GSHUT
 set local-preference 0
exit
route-map POP_IN4 permit 20
 match ip address prefix-list ANYCAST4
exit
route-map POP_IN6 permit 10
 match ipv6 address prefix-list ANYCAST6
 match community GSHUT
 set local-preference 0
exit
route-map POP_IN6 permit 20
 match ipv6 address prefix-list ANYCAST6
exit
route-map NOTHING deny 10
exit
!
router bgp {{.LocalAS}}
 bgp router-id {{.RouterID}}
 bgp log-neighbor-changes
 no bgp default ipv4-unicast
{{- range .Neighbors}}
 neighbor {{.Address}} remote-as {{$.PeerAS}}
 neighbor {{.Address}} description {{.Name}}
 neighbor {{.Address}} passive
 neighbor {{.Address}} timers {{$.Keepalive}} {{$.Hold}}
 neighbor {{.Address}} timers connect 1
{{- end}}
 !
 address-family ipv4 unicast
{{- range .Neighbors}}{{if not .IPv6}}
  neighbor {{.Address}} activate
  neighbor {{.Address}} route-map POP_IN4 in
  neighbor {{.Address}} route-map NOTHING out
{{- end}}{{end}}
 exit-address-family
 !
 address-family ipv6 unicast
{{- range .Neighbors}}{{if .IPv6}}
  neighbor {{.Address}} activate
  neighbor {{.Address}} route-map POP_IN6 in
  neighbor {{.Address}} route-map NOTHING out
{{- end}}{{end}}
 exit-address-family
exit
`))

// frrConfig is the router's configuration and the folder of FRR's files.
type frrConfig struct {
	routerConfig
	Dir string
}

// frr is FRR's zebra and bgpd running in the router namespace, each started by hand
// with its own configuration in the pathspace of the namespace's name.
type frr struct {
	ns        netns
	out       string // the lab's outputs, where the logs are copied at the end
	dir       string // the pathspace: configurations, PID files, vty sockets, logs
	neighbors []neighbor
	zebra     *daemon
	bgpd      *daemon
}

// startFRR writes zebra's and bgpd's configurations into the pathspace of ns, starts
// both daemons inside ns, and stops them (by PID) when the test ends, copying their
// logs to out. FRR drops its privileges to the frr user, so the pathspace belongs to it.
func startFRR(t testing.TB, ns netns, out string, cfg routerConfig) *frr {
	t.Helper()
	r := &frr{ns: ns, out: out, dir: filepath.Join(frrRunDir, string(ns)), neighbors: cfg.Neighbors}
	if err := os.RemoveAll(r.dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.bgpd.stop()
		r.zebra.stop()
		for _, name := range []string{"zebra.log", "bgpd.log"} {
			if b, err := os.ReadFile(filepath.Join(r.dir, name)); err == nil {
				_ = os.WriteFile(filepath.Join(out, name), b, 0o644)
			}
		}
		_ = os.RemoveAll(r.dir)
	})
	fc := frrConfig{routerConfig: cfg, Dir: r.dir}
	for _, c := range []struct {
		name string
		tmpl *template.Template
	}{{"zebra.conf", frrZebraTemplate}, {"bgpd.conf", frrBGPTemplate}} {
		var b strings.Builder
		if err := c.tmpl.Execute(&b, fc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.dir, c.name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// A copy beside the lab's other outputs, for the reader.
		if err := os.WriteFile(filepath.Join(out, "frr-"+c.name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chownFRR(t, r.dir)
	r.zebra = r.daemon(t, "zebra")
	waitReady(t, "zebra (see "+filepath.Join(out, "zebra.out")+")", r.zebra, func() error {
		_, err := r.vtysh("zebra", "show version")
		return err
	})
	r.start(t)
	return r
}

// chownFRR gives dir and every file in it to the frr user, which FRR's daemons run as.
func chownFRR(t testing.TB, dir string) {
	t.Helper()
	u, err := user.Lookup("frr")
	if err != nil {
		t.Fatalf("the frr user (Debian package frr): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// daemon starts one FRR daemon in the router namespace, in the foreground (its PID is
// the one the lab stops), without a TCP vty.
func (r *frr) daemon(t testing.TB, name string) *daemon {
	t.Helper()
	cmd := r.ns.command(frrDaemon(name), "-N", string(r.ns), "-f", filepath.Join(r.dir, name+".conf"),
		"-i", filepath.Join(r.dir, name+".pid"), "-P", "0")
	return startDaemon(t, cmd, filepath.Join(r.out, name+".out"))
}

func (r *frr) name() string { return "FRR 8.4" }

// start starts bgpd and waits until it answers vtysh.
func (r *frr) start(t testing.TB) {
	t.Helper()
	r.bgpd = r.daemon(t, "bgpd")
	waitReady(t, "bgpd (see "+filepath.Join(r.out, "bgpd.out")+")", r.bgpd, func() error {
		_, err := r.vtysh("bgpd", "show bgp summary json")
		return err
	})
}

// stop stops bgpd with SIGTERM: it sends Cease to every PoP, and zebra takes the BGP
// routes out of the kernel. zebra keeps running, as when an operator restarts bgpd.
func (r *frr) stop(t testing.TB) {
	t.Helper()
	r.bgpd.stop()
}

// vtysh runs one command on a daemon of the pathspace and returns its output.
func (r *frr) vtysh(daemon, command string) (string, error) {
	cmd := exec.Command("vtysh", "-N", string(r.ns), "-d", daemon, "-c", command)
	var stderr strings.Builder
	cmd.Stderr = &stderr // vtysh warns there about its own missing vtysh.conf
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("vtysh -d %s -c %q: %v: %s%s", daemon, command, err, out, stderr.String())
	}
	return string(out), nil
}

// vtyshJSON runs a "... json" command on bgpd and decodes its output into v.
func (r *frr) vtyshJSON(command string, v any) error {
	out, err := r.vtysh("bgpd", command)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("vtysh -c %q: %v: %s", command, err, out)
	}
	return nil
}

// routes returns the PoPs bgpd holds a path from for prefix, the best one marked "*".
func (r *frr) routes(prefix string) []string {
	family := "ipv4"
	if strings.Contains(prefix, ":") {
		family = "ipv6"
	}
	var rib struct {
		Paths []struct {
			Bestpath struct {
				Overall bool `json:"overall"`
			} `json:"bestpath"`
			Peer struct {
				PeerID string `json:"peerId"`
			} `json:"peer"`
		} `json:"paths"`
	}
	if err := r.vtyshJSON(fmt.Sprintf("show bgp %s unicast %s json", family, prefix), &rib); err != nil {
		return nil
	}
	var rs []string
	for _, p := range rib.Paths {
		name := nodeOf(r.neighbors, p.Peer.PeerID)
		if p.Bestpath.Overall {
			name += "*"
		}
		rs = append(rs, name)
	}
	return rs
}

// frrNeighbor is what the lab reads of `show bgp neighbors ADDRESS json`.
type frrNeighbor struct {
	Hostname       string `json:"hostname"` // from the peer's hostname capability
	LastReason     string `json:"lastNotificationReason"`
	LastShutdown   string `json:"lastShutdownDescription"` // RFC 9003
	LastResetDueTo string `json:"lastResetDueTo"`
}

// neighbor returns bgpd's view of one session.
func (r *frr) neighbor(nb neighbor) (frrNeighbor, error) {
	var m map[string]frrNeighbor
	if err := r.vtyshJSON("show bgp neighbors "+nb.Address+" json", &m); err != nil {
		return frrNeighbor{}, err
	}
	n, ok := m[nb.Address]
	if !ok {
		return frrNeighbor{}, fmt.Errorf("show bgp neighbors %s json: no such neighbour in %v", nb.Address, m)
	}
	return n, nil
}

// notification returns bgpd's last NOTIFICATION reason for the session and its
// shutdown communication, e.g. "Cease/Administrative Shutdown: anycastdns draining:
// node stopping".
func (r *frr) notification(nb neighbor) (string, error) {
	n, err := r.neighbor(nb)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %s (reset due to: %s)", n.LastReason, n.LastShutdown, n.LastResetDueTo), nil
}

// hostname returns the host name bgpd received in the neighbour's hostname capability.
func (r *frr) hostname(nb neighbor) (string, error) {
	n, err := r.neighbor(nb)
	return n.Hostname, err
}

// status is bgpd's summary of every session.
func (r *frr) status() string {
	out, err := r.vtysh("bgpd", "show bgp summary")
	if err != nil {
		return err.Error()
	}
	return out
}

// sessionEvents reads bgpd's log.
func (r *frr) sessionEvents(from, to time.Time) []event {
	names := map[string]string{}
	for _, nb := range r.neighbors {
		names[nb.Address] = nb.Name
	}
	return frrSessionEvents(filepath.Join(r.dir, "bgpd.log"), names, from, to)
}

// bgpdDryRun returns a directory the frr user may read and a check that runs bgpd's
// own dry run (bgpd -C) on a configuration file in it. bgpd -C exits 0 on errors too,
// so any output is a complaint. It needs root: bgpd drops its privileges to frr.
func bgpdDryRun(t *testing.T) (string, func(conf string) error) {
	t.Helper()
	testutil.Tool(t, frrDaemon("bgpd")) // Debian package frr
	if os.Geteuid() != 0 {
		testutil.Missing(t, "bgpd -C drops its privileges to the frr user: it needs root")
	}
	// t.TempDir's parent is closed to the frr user.
	dir, err := os.MkdirTemp("", "anycastdns-frr-config-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir, func(conf string) error {
		chownFRR(t, dir)
		if out, err := exec.Command(frrDaemon("bgpd"), "-C", "-f", conf).CombinedOutput(); err != nil || len(out) > 0 {
			return fmt.Errorf("bgpd -C: %v: %s", err, out)
		}
		return nil
	}
}

// TestFRRConfig checks the router's bgpd configuration with bgpd's own dry run, and
// that it carries the RFC 8326 route-map, the prefix guard and the policy both ways
// that eBGP requires.
func TestFRRConfig(t *testing.T) {
	dir, check := bgpdDryRun(t)
	checkRouterConfig(t, frrBGPTemplate, frrConfig{routerConfig: testRouterConfig, Dir: dir}, dir, "bgpd.conf", check, []string{
		"bgp community-list standard GSHUT seq 5 permit graceful-shutdown",
		"route-map POP_IN4 permit 10\n match ip address prefix-list ANYCAST4\n match community GSHUT\n set local-preference 0",
		"ip prefix-list ANYCAST4 seq 5 permit 198.51.100.53/32",
		"ipv6 prefix-list ANYCAST6 seq 5 permit 2001:db8:53::53/128",
		" neighbor 10.250.1.2 timers 1 3",
		"  neighbor 10.250.1.2 activate\n  neighbor 10.250.1.2 route-map POP_IN4 in\n  neighbor 10.250.1.2 route-map NOTHING out",
		"  neighbor fd00:250:1::2 activate\n  neighbor fd00:250:1::2 route-map POP_IN6 in\n  neighbor fd00:250:1::2 route-map NOTHING out",
	})
}

// TestREADMEFRRConfig checks the FRR configuration the README gives operators the same
// way: bgpd accepts it, and it keeps the parts the lab proves (the GRACEFUL_SHUTDOWN
// route-map, a policy both ways).
func TestREADMEFRRConfig(t *testing.T) {
	dir, check := bgpdDryRun(t)
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### The router: FRR (or BIRD)")
	_, block, ok2 := strings.Cut(section, "```\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md: no configuration block under \"### The router: FRR (or BIRD)\"")
	}
	tmpl := template.Must(template.New("readme").Delims("\x00", "\x00").Parse(block)) // plain text
	checkRouterConfig(t, tmpl, nil, dir, "bgpd.conf", check, []string{
		"bgp community-list standard GSHUT seq 5 permit graceful-shutdown",
		" match community GSHUT\n set local-preference 0",
		"  neighbor 192.0.2.10 route-map ANYCASTDNS_IN4 in\n  neighbor 192.0.2.10 route-map NOTHING out",
		"  neighbor 2001:db8:a::10 route-map ANYCASTDNS_IN6 in\n  neighbor 2001:db8:a::10 route-map NOTHING out",
		" neighbor 192.0.2.10 passive",
	})
}

package lab

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// The hidden primary's zone timers (RFC 1035 section 3.3.13), short so that the lab's
// freshness scenario takes seconds: SOA checks every refreshSecs, retries every
// retrySecs, and a copy not refreshed for expireSecs stops being served (RFC 1034 section
// 4.3.5).
const (
	refreshSecs = 2
	retrySecs   = 1
	expireSecs  = 10
)

// The lab's transfer names: the TSIG key the primary and the PoPs share (RFC 8945), and
// the catalog zone (RFC 9432) the primary generates.
const (
	xfrKey      = "lab-xfr-key"
	catalogZone = "catalog.lab."
)

// primaryConfig holds what knotd's configuration template needs.
type primaryConfig struct {
	Dir     string
	Listen  string // the primary's unicast address
	Secret  string // base64
	Key     string
	PoPs    []primaryPoP
	Zone    string // the lab's zone, served by every PoP
	Catalog string
	Members []string // member zones of the catalog, in the order they were added
}

// primaryPoP is one secondary the primary notifies and lets transfer.
type primaryPoP struct {
	ID      string
	Address string // the PoP's unicast address: NOTIFY goes there, transfers come from it
}

// primaryTemplate is the hidden primary's configuration: zone files read from Dir, the
// differences between their versions journaled (zonefile-load: difference,
// journal-content: changes) so that the PoPs get IXFR (RFC 1995), transfers allowed to
// the PoPs' unicast addresses with the key, and every PoP notified of each new version
// (RFC 1996). The catalog is generated from the zones whose catalog-role is member.
var primaryTemplate = template.Must(template.New("knot").Parse(`# anycastdns routed lab: the hidden primary (generated).
server:
    rundir: "{{.Dir}}/run"
    listen: {{.Listen}}@53
    udp-workers: 1
    tcp-workers: 2
    background-workers: 1
control:
    listen: "{{.Dir}}/run/knot.sock"
database:
    storage: "{{.Dir}}/db"
log:
  - target: stderr
    any: info
key:
  - id: {{.Key}}
    algorithm: hmac-sha256
    secret: {{.Secret}}
remote:
{{- range .PoPs}}
  - id: {{.ID}}
    address: {{.Address}}@53
    key: {{$.Key}}
{{- end}}
acl:
  - id: pops
    address: [{{range $i, $p := .PoPs}}{{if $i}}, {{end}}{{$p.Address}}{{end}}]
    key: {{.Key}}
    action: transfer
template:
  - id: default
{{- template "zone" .}}
  - id: member
{{- template "zone" .}}
    catalog-role: member
    catalog-zone: {{.Catalog}}
zone:
  - domain: {{.Zone}}
    file: "{{.Dir}}/{{.Zone}}zone"
  - domain: {{.Catalog}}
    catalog-role: generate
{{- range .Members}}
  - domain: {{.}}
    template: member
    file: "{{$.Dir}}/{{.}}zone"
{{- end}}
{{define "zone"}}
    storage: "{{.Dir}}"
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    acl: pops
    notify: [{{range $i, $p := .PoPs}}{{if $i}}, {{end}}{{$p.ID}}{{end}}]
{{- end}}`))

// primary is knotd running in its own namespace, the PoPs' hidden primary.
type primary struct {
	ns     netns
	cfg    primaryConfig
	log    string
	serial uint32 // of the lab's zone
	d      *daemon
}

// newSecret returns a random TSIG secret, base64 as keymgr prints it.
func newSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// zoneText is a zone with the lab's SOA timers at serial: its name servers and the
// addresses of its apex and www.
func zoneText(origin string, serial uint32) string {
	return fmt.Sprintf(`$ORIGIN %[1]s
$TTL 3600
@    IN SOA ns1.%[1]s hostmaster.%[1]s %[2]d %[3]d %[4]d %[5]d 300
     IN NS  ns1.%[1]s
     IN NS  ns2.%[1]s
ns1  IN A   192.0.2.53
ns2  IN A   198.51.100.53
@    IN A   192.0.2.10
     IN TXT "version %[2]d"
www  IN A   192.0.2.10
`, origin, serial, refreshSecs, retrySecs, expireSecs)
}

// startPrimary writes the zone files and the configuration into dir, starts knotd in
// ns with its log in out, stops it by PID when the test ends, and waits until it
// answers.
func startPrimary(t testing.TB, ns netns, dir, out string, cfg primaryConfig) *primary {
	t.Helper()
	for _, sub := range []string{"run", "db"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Dir = dir
	p := &primary{ns: ns, cfg: cfg, log: filepath.Join(out, "knot.log"), serial: 1}
	p.writeZone(t, cfg.Zone, p.serial)
	for _, m := range cfg.Members {
		p.writeZone(t, m, 1)
	}
	p.writeConfig(t)
	if err := os.Remove(p.log); err != nil && !os.IsNotExist(err) {
		t.Fatal(err) // an earlier run's log would confuse the reader
	}
	p.d = startDaemon(t, ns.command("knotd", "-c", p.config()), p.log)
	t.Cleanup(p.d.stop)
	waitReady(t, "knotd (see "+p.log+")", p.d, func() error {
		_, err := p.knotc("zone-status", cfg.Zone)
		return err
	})
	return p
}

func (p *primary) config() string { return filepath.Join(p.cfg.Dir, "knot.conf") }

// writeConfig renders the configuration and checks it with knotc conf-check.
func (p *primary) writeConfig(t testing.TB) {
	t.Helper()
	var b strings.Builder
	if err := primaryTemplate.Execute(&b, p.cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.config(), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("knotc", "-c", p.config(), "conf-check").CombinedOutput(); err != nil {
		t.Fatalf("knotc conf-check rejects the primary's configuration: %v: %s\n%s", err, out, b.String())
	}
}

// writeZone writes origin's zone file at serial.
func (p *primary) writeZone(t testing.TB, origin string, serial uint32) {
	t.Helper()
	f := filepath.Join(p.cfg.Dir, origin+"zone")
	if err := os.WriteFile(f, []byte(zoneText(origin, serial)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// knotc runs one knotc command on the primary's control socket.
func (p *primary) knotc(args ...string) (string, error) {
	out, err := exec.Command("knotc", append([]string{"-s", filepath.Join(p.cfg.Dir, "run", "knot.sock"), "-t", "10"}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("knotc %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// publish edits the lab's zone (its next serial) and has knotd reload it, which
// journals the difference and notifies every PoP; it returns the new serial.
func (p *primary) publish(t testing.TB) uint32 {
	t.Helper()
	p.serial++
	p.writeZone(t, p.cfg.Zone, p.serial)
	if out, err := p.knotc("zone-reload", p.cfg.Zone); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p.serial
}

// addMember adds a zone to the primary's configuration as a member of the catalog
// and has knotd reload its configuration, which adds the zone to the generated
// catalog and notifies the PoPs of the catalog's new version.
func (p *primary) addMember(t testing.TB, origin string) {
	t.Helper()
	p.writeZone(t, origin, 1)
	p.cfg.Members = append(p.cfg.Members, origin)
	p.writeConfig(t)
	if out, err := p.knotc("reload"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestPrimaryConfig checks the hidden primary's configuration with knotc conf-check
// (no root needed): the catalog generated from its members, the PoPs notified and
// allowed to transfer with the key.
func TestPrimaryConfig(t *testing.T) {
	testutil.Tool(t, "knotc") // Debian package knot
	p := &primary{cfg: primaryConfig{Dir: t.TempDir(), Listen: linkPrimary.peer4, Secret: newSecret(t), Key: xfrKey,
		PoPs: []primaryPoP{{"pop-a", linkA.peer4}, {"pop-b", linkB.peer4}}, Zone: zoneName, Catalog: catalogZone,
		Members: []string{"m1.lab."}}}
	p.writeConfig(t) // fails the test when knotc rejects it
	b, err := os.ReadFile(p.config())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"address: [10.250.1.2, 10.250.2.2]\n    key: lab-xfr-key\n    action: transfer",
		"notify: [pop-a, pop-b]",
		"  - domain: catalog.lab.\n    catalog-role: generate",
		"  - domain: m1.lab.\n    template: member",
		"catalog-role: member\n    catalog-zone: catalog.lab.",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("configuration lacks %q:\n%s", want, b)
		}
	}
}

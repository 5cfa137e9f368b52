// Package peers starts real name servers (knotd, named, nsd) on loopback high
// ports for the tests of several packages: as primaries serving master files
// they reread on demand, or as secondaries of the server under test. Each runs
// in the foreground, bounded in time, and is stopped by its PID when the test
// ends.
//
//	p := peers.StartKnot(t, peers.Options{Key: &key}, peers.Zone{Origin: "example.", Text: text})
//	// transfer from p.Addr; later:
//	p.SetZone(t, peers.Zone{Origin: "example.", Text: newText}) // reload, wait for its serial
package peers

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// Zone is a zone a primary serves: its origin and master file text.
type Zone struct {
	Origin string
	Text   string
}

// Key is a TSIG key (RFC 8945) a peer knows.
type Key struct {
	// Name is the key's name.
	Name string
	// Algorithm is the name BIND, Knot and NSD spell, e.g. hmac-sha256.
	Algorithm string
	// Secret is the shared secret in base64.
	Secret string
}

// Options say how a primary is configured.
type Options struct {
	// Key, when set, is the TSIG key the primary requires of transfers and signs
	// its NOTIFYs with; else it allows transfers to 127.0.0.1 unsigned.
	Key *Key
	// Notify lists the servers told (NOTIFY, RFC 1996) of each new version of
	// every zone.
	Notify []netip.AddrPort
	// Catalog, for Knot only, names a catalog zone (RFC 9432) Knot generates
	// (catalog-role: generate) with every zone of the peer as a member.
	Catalog string
	// CookieSecret, when set, is the 128-bit DNS cookie secret (32 hex digits)
	// the peer makes and verifies its RFC 9018 server cookies with. BIND then
	// also requires a valid server cookie over UDP (require-server-cookie) and
	// Knot always does (mod-cookies): a query with a cookie it does not accept
	// gets BADCOOKIE. NSD answers every query, and echoes a server cookie it
	// accepts that is under 30 minutes old.
	CookieSecret string
}

// Peer is a name server a test started.
type Peer struct {
	// Name is the program's name, for messages.
	Name string
	// Addr is where it answers, over UDP and TCP.
	Addr netip.AddrPort
	// Dir is the peer's folder: its configuration, zone files and state.
	Dir string
	// Log is what the process printed.
	Log *testutil.Buffer

	path  string
	args  []string
	zones []Zone
	proc  *exec.Cmd
	done  chan struct{}
	// reload makes the server reread the zone file of origin.
	reload func(t testing.TB, origin string)
	// reconfigure makes the server serve exactly zones (Knot only).
	reconfigure func(t testing.TB, zones []Zone)
}

// ZoneFile is where the master file of origin is kept, in the peer's folder.
func (p *Peer) ZoneFile(origin string) string { return zoneFileIn(p.Dir, origin) }

func zoneFileIn(dir, origin string) string {
	name := strings.TrimSuffix(origin, ".")
	if name == "" {
		name = "root"
	}
	return filepath.Join(dir, name+".zone")
}

// writeZones writes the master file of each zone into dir.
func writeZones(t testing.TB, dir string, zones []Zone) {
	t.Helper()
	for _, z := range zones {
		if err := os.WriteFile(zoneFileIn(dir, z.Origin), []byte(z.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// SetZone replaces the master file of z.Origin with z.Text, has the peer reload
// it, and waits until the peer answers the new SOA serial.
func (p *Peer) SetZone(t testing.TB, z Zone) {
	t.Helper()
	p.WriteZone(t, z)
	p.reload(t, z.Origin)
	if err := p.waitZone(z, 20*time.Second); err != nil {
		t.Fatalf("%s did not reload %s: %v\n%s", p.Name, z.Origin, err, p.Log)
	}
}

// WriteZone replaces the master file of z.Origin with z.Text without telling
// the peer.
func (p *Peer) WriteZone(t testing.TB, z Zone) {
	t.Helper()
	writeZones(t, p.Dir, []Zone{z})
}

// SetZones makes the peer serve exactly zones (a zone added, a zone removed),
// by rewriting its configuration and reloading it, and waits until it answers
// each of them. Only Knot does this.
func (p *Peer) SetZones(t testing.TB, zones ...Zone) {
	t.Helper()
	if p.reconfigure == nil {
		t.Fatalf("%s: SetZones is not supported", p.Name)
	}
	writeZones(t, p.Dir, zones)
	p.zones = zones
	p.reconfigure(t, zones)
	if err := p.waitZones(zones, 20*time.Second); err != nil {
		t.Fatalf("%s did not take the new zones: %v\n%s", p.Name, err, p.Log)
	}
}

// startPrimary runs path with the arguments config returns for the peer's fresh
// folder and port (config writes the files there), and waits until it serves
// every zone. It tries three ports: the free one may be taken in between.
func startPrimary(t testing.TB, path string, zones []Zone, config func(dir string, port int) []string) *Peer {
	t.Helper()
	var lastErr error
	for attempt := range 3 {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s%d", filepath.Base(path), attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeZones(t, dir, zones)
		port := testutil.FreePort(t, "127.0.0.1")
		p := &Peer{
			Name: filepath.Base(path), Dir: dir, path: path, zones: zones,
			Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
		}
		p.args = config(dir, port)
		p.launch(t)
		if lastErr = p.waitZones(zones, 60*time.Second); lastErr == nil {
			return p
		}
		p.Stop(t)
		t.Logf("%s attempt %d on port %d: %v\nlog:\n%s", p.Name, attempt, port, lastErr, p.Log)
	}
	t.Fatalf("%s did not start: %v", filepath.Base(path), lastErr)
	return nil
}

// launch starts the peer's process, stopped by its PID when the test ends.
func (p *Peer) launch(t testing.TB) {
	t.Helper()
	p.done = make(chan struct{})
	if p.Log == nil {
		p.Log = &testutil.Buffer{}
	}
	p.proc = exec.Command(p.path, p.args...)
	p.proc.Stdout, p.proc.Stderr = p.Log, p.Log
	killWithTest(p.proc)
	if err := p.proc.Start(); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	proc, done := p.proc, p.done
	go func() {
		_ = proc.Wait()
		close(done)
	}()
	t.Cleanup(func() { p.stopProc(t, proc, done) })
}

// Restart starts a stopped primary again, on the same port with the same
// folder, and waits until it serves every zone.
func (p *Peer) Restart(t testing.TB) {
	t.Helper()
	p.Stop(t)
	p.launch(t)
	if err := p.waitZones(p.zones, 60*time.Second); err != nil {
		t.Fatalf("%s did not restart: %v\n%s", p.Name, err, p.Log)
	}
}

// Exited reports whether the process has ended.
func (p *Peer) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the peer's process.
func (p *Peer) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.proc.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s pid %d: %v", p.Name, p.proc.Process.Pid, err)
	}
}

// Stop sends SIGTERM to the peer's PID and waits for it, killing it after 10 s.
func (p *Peer) Stop(t testing.TB) { p.stopProc(t, p.proc, p.done) }

func (p *Peer) stopProc(t testing.TB, proc *exec.Cmd, done chan struct{}) {
	select {
	case <-done:
		return
	default:
	}
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("SIGTERM %s pid %d: %v", p.Name, proc.Process.Pid, err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s pid %d ignored SIGTERM for 10s; killing it", p.Name, proc.Process.Pid)
		_ = proc.Process.Kill()
		<-done
	}
}

// waitZones waits until the peer answers each zone's SOA with the serial of its
// text.
func (p *Peer) waitZones(zones []Zone, timeout time.Duration) error {
	for _, z := range zones {
		if err := p.waitZone(z, timeout); err != nil {
			return err
		}
	}
	return nil
}

// waitZone waits until the peer answers z's SOA with the serial of z.Text.
func (p *Peer) waitZone(z Zone, timeout time.Duration) error {
	want, err := Serial(z)
	if err != nil {
		return err
	}
	return p.WaitSerial(z.Origin, want, timeout)
}

// WaitSerial polls the peer until it answers the SOA of origin, authoritative,
// with serial, the process exits, or timeout passes.
func (p *Peer) WaitSerial(origin string, serial uint32, timeout time.Duration) error {
	c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(origin), dns.TypeSOA)
	var last string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if p.Exited() {
			return fmt.Errorf("%s exited: %v", p.Name, p.proc.ProcessState)
		}
		r, _, err := c.Exchange(q, p.Addr.String())
		if err == nil && r.Authoritative && len(r.Answer) == 1 {
			if soa, ok := r.Answer[0].(*dns.SOA); ok && soa.Serial == serial {
				return nil
			}
		}
		last = fmt.Sprint(r, err)
	}
	return fmt.Errorf("zone %s serial %d not answered within %v; last answer %s", origin, serial, timeout, last)
}

// Serial is the serial of the SOA in z's text.
func Serial(z Zone) (uint32, error) {
	zp := dns.NewZoneParser(strings.NewReader(z.Text), z.Origin, "")
	for r, ok := zp.Next(); ok; r, ok = zp.Next() {
		if soa, isSOA := r.(*dns.SOA); isSOA {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("zone %s: no SOA in its text (%v)", z.Origin, zp.Err())
}

// RequireTool returns the path of the program name, in PATH or in /usr/sbin
// (Debian's place for daemons, often outside a user's PATH). When it is missing
// the test fails on CI and is skipped elsewhere (testutil.Missing).
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := filepath.Join("/usr/sbin", name)
	if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
		return p
	}
	testutil.Missing(t, "tool %s not found in PATH or /usr/sbin", name)
	return ""
}

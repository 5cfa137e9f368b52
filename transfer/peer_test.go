package transfer

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

// This file is what the real-peer harnesses (peer_knot_test.go, peer_bind_test.go,
// peer_nsd_test.go) share: a primary started in the foreground on a free loopback
// port, serving master files it rereads on demand, stopped by its PID when the
// test ends.

// peerZone is a zone a test peer serves: its origin and master file text.
type peerZone struct {
	Origin string
	Text   string
}

// peerOptions say what a test peer requires.
type peerOptions struct {
	// Key, when set, is the TSIG key the peer requires of transfers (and knows);
	// else it allows transfers to 127.0.0.1 unsigned.
	Key *Key
}

// peer is a name server a test started as a primary.
type peer struct {
	Name string         // the program's name, for messages
	Addr netip.AddrPort // UDP and TCP
	dir  string
	proc *exec.Cmd
	done chan struct{}
	log  *testutil.Buffer
	// reload makes the server reread its zone files.
	reload func(t *testing.T, origin string)
}

// zoneFile is where the master file of origin is kept, in the peer's folder.
func (p *peer) zoneFile(origin string) string {
	return zoneFileIn(p.dir, origin)
}

func zoneFileIn(dir, origin string) string {
	name := strings.TrimSuffix(origin, ".")
	if name == "" {
		name = "root"
	}
	return filepath.Join(dir, name+".zone")
}

// SetZone replaces the master file of z.Origin with z.Text, has the peer reload
// it, and waits until the peer answers the new SOA serial.
func (p *peer) SetZone(t *testing.T, z peerZone) {
	t.Helper()
	if err := os.WriteFile(p.zoneFile(z.Origin), []byte(z.Text), 0o644); err != nil {
		t.Fatal(err)
	}
	p.reload(t, z.Origin)
	if err := p.waitSerial(z, 20*time.Second); err != nil {
		t.Fatalf("%s did not reload %s: %v\n%s", p.Name, z.Origin, err, p.log)
	}
}

// startPeer runs path with the arguments config returns for the peer's fresh
// folder and port (config writes the files there), and waits until it serves
// every zone. It tries three ports: the free one may be taken in between.
func startPeer(t *testing.T, path string, zones []peerZone, config func(dir string, port int) []string) *peer {
	t.Helper()
	var lastErr error
	for attempt := range 3 {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s%d", filepath.Base(path), attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, z := range zones {
			testutil.WriteFile(t, filepath.Dir(zoneFileIn(dir, z.Origin)), filepath.Base(zoneFileIn(dir, z.Origin)), z.Text)
		}
		port := testutil.FreePort(t, "127.0.0.1")
		p := &peer{
			Name: filepath.Base(path), dir: dir, done: make(chan struct{}), log: &testutil.Buffer{},
			Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
		}
		p.proc = exec.Command(path, config(dir, port)...)
		p.proc.Stdout, p.proc.Stderr = p.log, p.log
		killWithTest(p.proc)
		if err := p.proc.Start(); err != nil {
			t.Fatalf("start %s: %v", p.Name, err)
		}
		go func() {
			_ = p.proc.Wait()
			close(p.done)
		}()
		t.Cleanup(func() { p.stop(t) })
		if lastErr = p.waitZones(zones, 60*time.Second); lastErr == nil {
			return p
		}
		p.stop(t)
		t.Logf("%s attempt %d on port %d: %v\nlog:\n%s", p.Name, attempt, port, lastErr, p.log)
	}
	t.Fatalf("%s did not start: %v", filepath.Base(path), lastErr)
	return nil
}

// exited reports whether the process has ended.
func (p *peer) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the peer's process.
func (p *peer) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.proc.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s pid %d: %v", p.Name, p.proc.Process.Pid, err)
	}
}

// stop sends SIGTERM to the peer's PID and waits for it, killing it after 10 s.
func (p *peer) stop(t *testing.T) {
	if p.exited() {
		return
	}
	if err := p.proc.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("SIGTERM %s pid %d: %v", p.Name, p.proc.Process.Pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s pid %d ignored SIGTERM for 10s; killing it", p.Name, p.proc.Process.Pid)
		_ = p.proc.Process.Kill()
		<-p.done
	}
}

// waitZones waits until the peer answers each zone's SOA with the serial of its
// text.
func (p *peer) waitZones(zones []peerZone, timeout time.Duration) error {
	for _, z := range zones {
		if err := p.waitSerial(z, timeout); err != nil {
			return err
		}
	}
	return nil
}

// waitSerial polls the peer until it answers z's SOA, authoritative, with the
// serial of z.Text, the process exits, or timeout passes.
func (p *peer) waitSerial(z peerZone, timeout time.Duration) error {
	want, err := zoneSerial(z)
	if err != nil {
		return err
	}
	c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion(z.Origin, dns.TypeSOA)
	var last string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if p.exited() {
			return fmt.Errorf("%s exited: %v", p.Name, p.proc.ProcessState)
		}
		r, _, err := c.Exchange(q, p.Addr.String())
		if err == nil && r.Authoritative && len(r.Answer) == 1 {
			if soa, ok := r.Answer[0].(*dns.SOA); ok && soa.Serial == want {
				return nil
			}
		}
		last = fmt.Sprint(r, err)
	}
	return fmt.Errorf("zone %s serial %d not answered within %v; last answer %s", z.Origin, want, timeout, last)
}

// zoneSerial is the serial of the SOA in z's text.
func zoneSerial(z peerZone) (uint32, error) {
	zp := dns.NewZoneParser(strings.NewReader(z.Text), z.Origin, "")
	for r, ok := zp.Next(); ok; r, ok = zp.Next() {
		if soa, isSOA := r.(*dns.SOA); isSOA {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("zone %s: no SOA in its text (%v)", z.Origin, zp.Err())
}

// requireTool returns the path of the program name, in PATH or in /usr/sbin
// (Debian's place for daemons, often outside a user's PATH). When it is missing
// the test fails on CI and is skipped elsewhere.
func requireTool(t *testing.T, name string) string {
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

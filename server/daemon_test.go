package server_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// daemon is a server process a test started in the foreground (knotd, nsd, unbound), with
// its output collected, stopped by its PID when the test ends.
type daemon struct {
	name string // the program's base name, for messages
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	log  *testutil.Buffer
}

// startDaemon starts path with args; the kernel kills it if the test process dies
// before stopping it (killWithTest).
func startDaemon(path string, args ...string) (*daemon, error) {
	d := &daemon{name: filepath.Base(path), done: make(chan struct{}), log: &testutil.Buffer{}}
	d.cmd = exec.Command(path, args...)
	d.cmd.Stdout = d.log
	d.cmd.Stderr = d.log
	killWithTest(d.cmd)
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// exited reports whether the process has ended.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the daemon's PID and waits for it to exit, killing it after
// 10s. Calling stop twice is harmless.
func (d *daemon) stop(t testing.TB) {
	if d.exited() {
		return
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("SIGTERM %s pid %d: %v", d.name, d.cmd.Process.Pid, err)
	}
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s pid %d ignored SIGTERM for 10s; killing it", d.name, d.cmd.Process.Pid)
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// startZoneDaemon starts the name server at path serving zones on a free 127.0.0.1
// port, waits until it answers the SOA of every zone with AA set, and returns its
// "127.0.0.1:port" address (UDP and TCP). args writes the server's configuration for
// a fresh folder dir and the port, and returns the server's arguments. The server is
// stopped by PID (SIGTERM, then SIGKILL) when the test ends. The start is tried three
// times: the free port may be taken between FreePort and the server's bind.
func startZoneDaemon(t testing.TB, path string, zones []zoneSpec, args func(dir string, port int) []string) string {
	t.Helper()
	name := filepath.Base(path)
	var lastErr error
	for attempt := range 3 {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("%s%d", name, attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		port := testutil.FreePort(t, "127.0.0.1")
		d, err := startDaemon(path, args(dir, port)...)
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { d.stop(t) })
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = waitZonesReady(d, addr, zones, 60*time.Second); lastErr == nil {
			return addr
		}
		d.stop(t)
		t.Logf("%s attempt %d on port %d: %v\n%s log:\n%s", name, attempt, port, lastErr, name, d.log)
	}
	t.Fatalf("%s did not become ready: %v", name, lastErr)
	return ""
}

// waitZonesReady polls until the daemon answers the SOA of every zone
// authoritatively, the process exits, or timeout passes. knotd loads zones after it
// opens its sockets and answers SERVFAIL until a zone is loaded.
func waitZonesReady(d *daemon, addr string, zones []zoneSpec, timeout time.Duration) error {
	c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	deadline := time.Now().Add(timeout)
	pending := append([]zoneSpec(nil), zones...)
	for len(pending) > 0 {
		if d.exited() {
			return fmt.Errorf("%s exited: %v", d.name, d.cmd.ProcessState)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zone %s not answered within %v", pending[0].Origin, timeout)
		}
		q := new(dns.Msg)
		q.SetQuestion(pending[0].Origin, dns.TypeSOA)
		r, _, err := c.Exchange(q, addr)
		if err == nil && r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) == 1 {
			pending = pending[1:]
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

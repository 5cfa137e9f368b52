package server_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// daemon is a server process a test started in the foreground (knotd, unbound), with
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

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/anycastdns/anycastdns/internal/netutil"
)

// Zone is one zone a server loads: from its master file, or as a secondary of Primary.
type Zone struct {
	Origin string // fully qualified
	File   string // absolute path of the master file; empty for a secondary
	// Primary is the address, "127.0.0.1:port", that the zone is transferred from when
	// the server is its secondary (RFC 1996 section 2: the master the secondary refreshes
	// from and takes NOTIFY for); empty when the server loads File.
	Primary string
}

// Server knows how to configure and start one DNS server implementation.
type Server interface {
	// Name is the server's name in the tables.
	Name() string
	// Command writes the server's configuration into dir (a scratch folder of its own)
	// and returns the command that serves zones on 127.0.0.1:port in the foreground.
	Command(dir string, port int, zones []Zone) (*exec.Cmd, error)
}

// Running is a server process that answers.
type Running struct {
	Name string
	Port int
	PID  int
	// Load is the time from the start of the process to its first authoritative SOA
	// answer for every zone: parsing and compiling the zones, and opening the sockets.
	Load time.Duration
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // the process's exit, once done is closed
}

// start starts s in dir on a free port and waits, up to timeout, until it answers the
// SOA of every zone authoritatively.
func start(ctx context.Context, s Server, dir string, zones []Zone, timeout time.Duration) (*Running, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	port, err := netutil.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	cmd, err := s.Command(dir, port, zones)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "output.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with benchdns, even if benchdns is killed (Linux).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %v", s.Name(), err)
	}
	r := &Running{Name: s.Name(), Port: port, PID: cmd.Process.Pid, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { r.err = cmd.Wait(); close(r.done) }()
	ready, err := r.waitReady(ctx, zones, timeout)
	if err != nil {
		r.stop()
		return nil, err
	}
	r.Load = ready.Sub(t0)
	return r, nil
}

// waitReady probes the SOA of each zone in turn (awaitSOA, a query every probeInterval)
// until the answers are authoritative, and returns when the last one came.
func (r *Running) waitReady(ctx context.Context, zones []Zone, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.Port}
	at := time.Now()
	for _, z := range zones {
		var err error
		at, err = awaitSOA(ctx, addr, z.Origin, probeInterval, deadline, r.done)
		switch {
		case errors.Is(err, errExited):
			return at, fmt.Errorf("%s exited before answering (%v): %s", r.Name, r.err, r.logTail())
		case err != nil:
			return at, fmt.Errorf("%s, within %v: %v: %s", r.Name, timeout, err, r.logTail())
		}
	}
	return at, nil
}

func (r *Running) logTail() string {
	b, _ := os.ReadFile(r.log)
	return lastLines(string(b), 5)
}

// stop sends SIGTERM to the server's PID and waits for it to exit; after 10 s it sends
// SIGKILL to the PID and to any child process left.
func (r *Running) stop() {
	stats, _ := readStats(procRoot)
	kids := tree(stats, r.PID)
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	for _, k := range kids {
		if k.PID != r.PID {
			if err := syscall.Kill(k.PID, 0); err == nil {
				_ = syscall.Kill(k.PID, syscall.SIGKILL)
			}
		}
	}
}

// CPU returns the CPU time the server's processes have used so far.
func (r *Running) CPU() (time.Duration, error) { return treeCPU(procRoot, r.PID) }

// Memory returns the memory the server's processes hold.
func (r *Running) Memory() (Memory, error) { return treeMemory(procRoot, r.PID) }

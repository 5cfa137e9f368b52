// Package testutil holds helpers that the tests of several packages share.
package testutil

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/anycastdns/anycastdns/internal/netutil"
)

// Buffer is a bytes.Buffer that a process or logger writes while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// FreePort returns a port free on host for both UDP and TCP at the time of the call
// (netutil.FreePort), failing the test when there is none.
func FreePort(t testing.TB, host string) int {
	t.Helper()
	port, err := netutil.FreePort(host)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// ListenUDPTCP opens UDP and TCP on one free port of host (FreePort, below the
// kernel's ephemeral range, so that no client socket of another test takes the
// TCP twin of the UDP port meanwhile), trying other ports when one is taken
// between the check and the bind, and fails the test when it cannot. The caller
// closes both.
func ListenUDPTCP(t testing.TB, host string) (net.PacketConn, net.Listener) {
	t.Helper()
	var err error
	for range 10 {
		addr := net.JoinHostPort(host, strconv.Itoa(FreePort(t, host)))
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", addr); err != nil {
			continue
		}
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return pc, ln
		}
		pc.Close()
	}
	t.Fatalf("no port of %s free for both UDP and TCP: %v", host, err)
	return nil, nil
}

// Missing ends a test that needs something this machine lacks (a tool, root, a
// file): it fails the test when CI=true, where the test command installs and
// provides everything, and skips it elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
		return
	}
	t.Skipf(format, args...)
}

// Tool returns the path of the external program name, or ends the test as Missing
// does.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not installed: %v", name, err)
	}
	return path
}

// WriteFile writes content to the file name in dir and returns its path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

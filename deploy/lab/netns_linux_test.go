package lab

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nsPrefix starts the name of every namespace the lab creates; the test's PID follows, so
// that two labs never collide and a namespace left by a killed run can be recognised.
const nsPrefix = "adl-"

// netns is one named network namespace (as `ip netns add` creates under /run/netns).
type netns string

// command returns cmd run inside the namespace. `ip netns exec` execs the program, so the
// process's PID is the program's own, and signals reach it directly.
func (n netns) command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", string(n), name}, args...)...)
}

// ip runs `ip -n NS args...` and fails the test on error.
func (n netns) ip(t testing.TB, args ...string) {
	t.Helper()
	mustRun(t, "ip", append([]string{"-n", string(n)}, args...)...)
}

// sysctl sets a kernel parameter inside the namespace.
func (n netns) sysctl(t testing.TB, key, value string) {
	t.Helper()
	mustRun(t, "ip", "netns", "exec", string(n), "sysctl", "-q", "-w", key+"="+value)
}

// run runs a command in the namespace and returns its combined output.
func (n netns) run(name string, args ...string) (string, error) {
	out, err := n.command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s in %s: %v: %s", name, strings.Join(args, " "), n, err, out)
	}
	return string(out), nil
}

// mustRun runs a command and fails the test, with its output, when it fails.
func mustRun(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// newNetns creates a namespace with its loopback up and removes it when the test ends.
// Processes inside it must be stopped by cleanups registered later (they run first).
func newNetns(t testing.TB, name string) netns {
	t.Helper()
	mustRun(t, "ip", "netns", "add", name)
	n := netns(name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("removing namespace %s: %v: %s", name, err, out)
		}
	})
	n.ip(t, "link", "set", "lo", "up")
	return n
}

// removeStaleNamespaces deletes namespaces left by an earlier lab whose process no longer
// exists (a run killed before its cleanups, e.g. by a test timeout), after killing the
// processes still inside them, so that they cannot shadow this run.
func removeStaleNamespaces(t testing.TB) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, nsPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || syscall.Kill(pid, 0) == nil {
			continue // not ours, or its lab is still running
		}
		t.Logf("removing stale namespace %s", name)
		if pids, err := exec.Command("ip", "netns", "pids", name).Output(); err == nil {
			for _, f := range strings.Fields(string(pids)) {
				if pid, err := strconv.Atoi(f); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
}

// listenPacketIn opens a UDP socket inside the namespace. A socket belongs to the network
// namespace of the thread that created it, for its whole life; so a goroutine locked to
// its own OS thread enters the namespace with setns(2), opens the socket, and ends still
// locked, which makes the runtime discard that thread rather than reuse it.
func listenPacketIn(ns netns, network, addr string) (net.PacketConn, error) {
	type result struct {
		pc  net.PacketConn
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		f, err := os.Open("/run/netns/" + string(ns))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{err: fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		pc, err := net.ListenPacket(network, addr)
		done <- result{pc, err}
	}()
	r := <-done
	return r.pc, r.err
}

// routeEvent is one change of the router's kernel routing table, as `ip monitor` saw it.
type routeEvent struct {
	at   time.Time
	line string
}

// routeMonitor records every change of a namespace's routing table, stamped on arrival.
type routeMonitor struct {
	mu     sync.Mutex
	events []routeEvent
}

// startRouteMonitor runs `ip monitor route` inside ns until the test ends.
func startRouteMonitor(t testing.TB, ns netns) *routeMonitor {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ip", "-n", string(ns), "monitor", "route")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("ip monitor route: %v", err)
	}
	m := &routeMonitor{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			now := time.Now()
			m.mu.Lock()
			m.events = append(m.events, routeEvent{now, sc.Text()})
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel() // kills the monitor by its PID
		<-done
		_ = cmd.Wait()
	})
	return m
}

// between returns the events recorded in [from, to].
func (m *routeMonitor) between(from, to time.Time) []routeEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []routeEvent
	for _, e := range m.events {
		if !e.at.Before(from) && !e.at.After(to) {
			out = append(out, e)
		}
	}
	return out
}

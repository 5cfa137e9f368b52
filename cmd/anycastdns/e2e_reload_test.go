package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// testReloadSIGHUP starts the binary with a configuration file, rewrites the file
// (a zone added, one removed, a second listen address, another identity), sends
// SIGHUP to the process and asks dig: the new zone, the new address and the new
// identity answer, the removed zone is REFUSED. Then a file that does not
// validate changes nothing, and the log names the key.
func testReloadSIGHUP(t *testing.T, bin string) {
	dig := requireTool(t, "dig")
	dir := t.TempDir()
	for _, o := range []string{"a", "b", "c"} {
		zone := fmt.Sprintf("$ORIGIN %s.example.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n", o)
		if err := os.WriteFile(filepath.Join(dir, o+".example.zone"), []byte(zone), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := &node{port4: freePort(t, "127.0.0.1"), done: make(chan struct{}), out: &testutil.Buffer{}}
	port2 := freePort(t, "127.0.0.1")
	conf := filepath.Join(dir, "anycastdns.yaml")
	write := func(identity string, ports []int, zones ...string) {
		t.Helper()
		var b strings.Builder
		fmt.Fprintf(&b, "metrics: {listen: \"\"}\nidentity: %s\nlisten:\n", identity)
		for _, p := range ports {
			fmt.Fprintf(&b, "  - 127.0.0.1:%d\n", p)
		}
		b.WriteString("zones:\n")
		for _, z := range zones {
			fmt.Fprintf(&b, "  - {origin: %s.example., file: %s.example.zone}\n", z, z)
		}
		if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pop1", []int{n.port4}, "a", "b")
	n.cmd = exec.Command(bin, "serve", "-config", conf)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	killWithTest(n.cmd)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = n.cmd.Wait()
		close(n.done)
	}()
	if err := n.waitReady("a.example.", 20*time.Second); err != nil {
		_ = n.cmd.Process.Kill()
		<-n.done
		t.Fatalf("%v\n%s", err, n.out)
	}
	t.Cleanup(func() { n.stop(t) })

	digAt := func(port int, args ...string) clientReply {
		t.Helper()
		return parseClient(runClient(t, dig, append([]string{"@127.0.0.1", "-p", strconv.Itoa(port), "+tries=1", "+time=2"}, args...)...))
	}
	hup := func() {
		t.Helper()
		before := strings.Count(n.out.String(), "reload done")
		if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatalf("SIGHUP pid %d: %v", n.cmd.Process.Pid, err)
		}
		for deadline := time.Now().Add(10 * time.Second); strings.Count(n.out.String(), "reload done") == before; {
			if time.Now().After(deadline) {
				t.Fatalf("no reload 10s after SIGHUP\n%s", n.out)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if r := digAt(n.port4, "b.example", "SOA"); r.status != "NOERROR" {
		t.Errorf("b.example. before the reload: %s\n%s", r.status, r.raw)
	}

	write("pop2", []int{n.port4, port2}, "a", "c")
	hup()
	for _, port := range []int{n.port4, port2} {
		if r := digAt(port, "c.example", "SOA"); r.status != "NOERROR" || len(r.answer) != 1 {
			t.Errorf("port %d: c.example. added: %s\n%s", port, r.status, r.raw)
		}
		if r := digAt(port, "b.example", "SOA"); r.status != "REFUSED" {
			t.Errorf("port %d: b.example. removed: %s, want REFUSED\n%s", port, r.status, r.raw)
		}
		if r := digAt(port, "+nsid", "hostname.bind", "CH", "TXT"); len(r.answer) != 1 || !strings.Contains(r.answer[0], `"pop2"`) ||
			r.nsid != "pop2" {
			t.Errorf("port %d: identity after the reload, want pop2 in hostname.bind and NSID:\n%s", port, r.raw)
		}
	}

	// udp-size 100 does not validate: nothing changes, the log names the key.
	if err := os.WriteFile(conf, []byte(strings.Replace(mustReadFile(t, conf), "identity: pop2", "identity: pop3\nudp-size: 100", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	hup()
	if !strings.Contains(n.out.String(), "configuration not reloaded; nothing changed") || !strings.Contains(n.out.String(), "udp-size") {
		t.Errorf("log: want the refused configuration with its key\n%s", n.out)
	}
	if r := digAt(port2, "hostname.bind", "CH", "TXT"); len(r.answer) != 1 || !strings.Contains(r.answer[0], `"pop2"`) {
		t.Errorf("identity after a refused reload, want pop2:\n%s", r.raw)
	}
}

// mustReadFile returns the content of path.
func mustReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

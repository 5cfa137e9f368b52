package main_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/netutil"
	"github.com/anycastdns/anycastdns/internal/testutil"
)

// End-to-end tests of the anycastdns binary: it is built once by TestEndToEnd, started as
// a real process on free loopback ports, asked by real clients (dig, kdig; see
// realclient_test.go), and stopped with SIGTERM, after which it must exit 0.

// buildBinary builds the anycastdns binary from this package into a temporary folder
// removed when t ends, and returns its path. Under -race the binary has the race
// detector too.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "anycastdns")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestEndToEnd builds the binary once and runs every end-to-end test against it.
func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	t.Run("check", func(t *testing.T) { testCheckCommand(t, bin) })
	t.Run("metrics", func(t *testing.T) { testServeMetricsEndpoints(t, bin) })
	t.Run("dig", func(t *testing.T) { testDig(t, bin) })
	t.Run("kdig", func(t *testing.T) { testKdig(t, bin) })
	t.Run("truncation", func(t *testing.T) { testTruncation(t, bin) })
	t.Run("reload", func(t *testing.T) { testReloadSIGHUP(t, bin) })
}

// requireTool returns the path of an external tool. When it is missing the test fails
// if CI=true (CI must install it) and is skipped otherwise.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testutil.Missing(t, "%s not found: %v", name, err)
	}
	return p
}

// freePort returns a port free on host for both UDP and TCP at the time of the call.
// A host this machine cannot listen on (no IPv6 loopback, say) skips the test, or
// fails it in CI.
func freePort(t testing.TB, host string) int {
	t.Helper()
	port, err := netutil.FreePort(host)
	if err != nil {
		testutil.Missing(t, "no free port on %s: %v", host, err)
	}
	return port
}

// node is a running `anycastdns serve`.
type node struct {
	port4, port6 int    // the DNS port on 127.0.0.1 and on [::1]
	metrics      string // host:port of the metrics listener
	cmd          *exec.Cmd
	done         chan struct{}
	out          *testutil.Buffer
}

// startNode runs `anycastdns serve -config FILE -listen 127.0.0.1:P -listen [::1]:P6
// -identity test-node-1 ARGS...` where FILE only sets the metrics listener to a free
// port (so the built-in example zones are served unless ARGS has -zone). It waits until
// the node answers the SOA of probe over UDP, and stops it with SIGTERM when the test
// ends, failing the test unless it exits 0 within 10 seconds. A node that exits at
// start (a free port taken meanwhile by another process) is started again on other
// ports, three times at most.
func startNode(t *testing.T, bin, probe string, args ...string) *node {
	t.Helper()
	var lastErr error
	for attempt := range 3 {
		n, argv := launchNode(t, bin, args)
		err := n.waitReady(probe, 20*time.Second)
		if err == nil {
			t.Cleanup(func() { n.stop(t) })
			return n
		}
		_ = n.cmd.Process.Kill()
		<-n.done
		lastErr = fmt.Errorf("attempt %d: anycastdns %s: %v\noutput:\n%s", attempt, strings.Join(argv, " "), err, n.out)
		t.Log(lastErr)
	}
	t.Fatal(lastErr)
	return nil
}

// launchNode starts one `anycastdns serve` on free ports; see startNode.
func launchNode(t *testing.T, bin string, args []string) (*node, []string) {
	t.Helper()
	n := &node{
		port4: freePort(t, "127.0.0.1"),
		port6: freePort(t, "::1"),
		done:  make(chan struct{}),
		out:   &testutil.Buffer{},
	}
	n.metrics = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "127.0.0.1")))
	conf := filepath.Join(t.TempDir(), "anycastdns.yaml")
	if err := os.WriteFile(conf, []byte("metrics:\n  listen: \""+n.metrics+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := append([]string{"serve", "-config", conf,
		"-listen", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port4)),
		"-listen", net.JoinHostPort("::1", strconv.Itoa(n.port6)),
		"-identity", "test-node-1"}, args...)
	n.cmd = exec.Command(bin, argv...)
	n.cmd.Stdout = n.out
	n.cmd.Stderr = n.out
	killWithTest(n.cmd)
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = n.cmd.Wait()
		close(n.done)
	}()
	return n, argv
}

// waitReady polls the SOA of probe over UDP on 127.0.0.1 until it is answered.
func (n *node) waitReady(probe string, timeout time.Duration) error {
	c := &dns.Client{Net: "udp", Timeout: 300 * time.Millisecond}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port4))
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return fmt.Errorf("exited early: %v", n.cmd.ProcessState)
		default:
		}
		q := new(dns.Msg)
		q.SetQuestion(probe, dns.TypeSOA)
		if r, _, err := c.Exchange(q, addr); err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no SOA answer for %s within %v", probe, timeout)
}

// stop sends SIGTERM to the node's PID and checks that it exits 0 within 10s (a
// graceful stop); a node that does not is killed and the test fails.
func (n *node) stop(t *testing.T) {
	select {
	case <-n.done:
		t.Errorf("anycastdns exited before the test stopped it: %v\noutput:\n%s", n.cmd.ProcessState, n.out)
		return
	default:
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM pid %d: %v", n.cmd.Process.Pid, err)
	}
	select {
	case <-n.done:
		if code := n.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("after SIGTERM: exit code %d, want 0\noutput:\n%s", code, n.out)
		}
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
		t.Errorf("anycastdns pid %d did not exit within 10s of SIGTERM\noutput:\n%s", n.cmd.Process.Pid, n.out)
	}
}

// bigZone is a test zone with a 50-record TXT set (about 2.5 kB, more than a 512-byte
// or 1232-byte UDP reply holds) for the truncation tests.
func bigZone() string {
	var b strings.Builder
	b.WriteString("$ORIGIN big.test.\n$TTL 3600\n")
	b.WriteString("@ IN SOA ns1.big.test. hostmaster.big.test. 2026112601 7200 3600 1209600 300\n")
	b.WriteString("@ IN NS ns1.big.test.\nns1 IN A 192.0.2.53\n")
	for i := range 50 {
		fmt.Fprintf(&b, "many IN TXT \"record %02d of a set too large for one UDP reply\"\n", i)
	}
	return b.String()
}

// writeFile writes content to name in a new temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// testServeMetricsEndpoints checks the node's HTTP listener: liveness, readiness and
// the metrics counting the query the readiness probe already sent.
func testServeMetricsEndpoints(t *testing.T, bin string) {
	n := startNode(t, bin, "example.org.")
	c := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		path string
		want string // a substring of the body
	}{
		{"/healthz", ""},
		{"/readyz", ""},
		{"/metrics", "anycastdns_"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := c.Get("http://" + n.metrics + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tt.want) {
				t.Errorf("GET %s: got %d with %d bytes, want 200 containing %q", tt.path, resp.StatusCode, len(body), tt.want)
			}
		})
	}
}

// testCheckCommand runs `anycastdns check ZONEFILE ORIGIN` on good and broken zones:
// exit 0 with the serial and record count, or exit 1 naming file:line.
func testCheckCommand(t *testing.T, bin string) {
	good := writeFile(t, "big.test.zone", bigZone())
	cnameClash := writeFile(t, "clash.zone", `$ORIGIN clash.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN CNAME ns1
www IN A 192.0.2.2
`)
	syntax := writeFile(t, "syntax.zone", `$ORIGIN syntax.test.
$TTL 300
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.300
`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // substrings of the combined output
	}{
		{"good", []string{"check", good, "big.test."}, 0, []string{"serial 2026112601", "53 records"}},
		{"cname and other data", []string{"check", cnameClash, "clash.test."}, 1, []string{cnameClash + ":7:"}},
		{"syntax error", []string{"check", syntax, "syntax.test."}, 1, []string{syntax + ":5"}},
		{"built-in example zones", []string{"check"}, 0, []string{"example.org.", "example.net.", "serial 2026112601"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("anycastdns %s: exit code %d, want %d\n%s", strings.Join(tt.args, " "), code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("anycastdns %s: output does not contain %q:\n%s", strings.Join(tt.args, " "), w, out)
				}
			}
		})
	}
}

package deploy

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// server is a running `anycastdns serve` whose JSON log lines the test reads.
type server struct {
	cmd   *exec.Cmd
	lines chan map[string]any // every log line; closed at exit
	done  chan error          // the exit status, once
}

// startServer runs the binary with config on loopback, stopping it when the test ends.
func startServer(t *testing.T, config string, env ...string) *server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "anycastdns.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "-config", path)
	cmd.Env = append([]string{}, env...)
	stdout, err := cmd.StdoutPipe() // the logs: JSON on stdout, for the container runtime
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, lines: make(chan map[string]any, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"msg": "NOT JSON: " + sc.Text()}
			}
			s.lines <- m
		}
		close(s.lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range s.lines { // drain, so that Wait runs
		}
	})
	return s
}

// waitLog returns the first log line whose msg is msg, failing the test after d.
func (s *server) waitLog(t *testing.T, msg string, d time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				t.Fatalf("anycastdns exited before logging %q", msg)
			}
			if strings.HasPrefix(m["msg"].(string), "NOT JSON") {
				t.Errorf("log line is not JSON: %v", m["msg"])
			}
			if m["msg"] == msg {
				return m
			}
		case <-deadline:
			t.Fatalf("no %q logged within %v", msg, d)
		}
	}
}

// TestProbePaths runs the binary and checks that the paths the manifests probe
// (kubernetes: liveness and readiness) answer 200 on the metrics listener, that SIGHUP
// (systemd ExecReload) reloads, and that SIGTERM (every stop) exits 0.
func TestProbePaths(t *testing.T) {
	s := startServer(t, `listen: ["127.0.0.1:0"]
metrics:
  listen: 127.0.0.1:0
log:
  format: json
shutdown-timeout: 1s
`)
	addr, _ := s.waitLog(t, "metrics listening", 10*time.Second)["addr"].(string)
	s.waitLog(t, "serving", 10*time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for kind, path := range probePaths {
		url := "http://" + addr + path
		var status int
		var body string
		// Ready once the zones are loaded and the listeners open; poll up to 5 s.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			resp, err := client.Get(url)
			if err != nil {
				t.Fatalf("%s probe: GET %s: %v", kind, url, err)
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			status, body = resp.StatusCode, string(b)
			if status == http.StatusOK {
				break
			}
		}
		if status != http.StatusOK {
			t.Errorf("%s probe: GET %s: status %d %q, want 200", kind, url, status, body)
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLog(t, "reload requested", 5*time.Second)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitLog(t, "stopped", 10*time.Second)
	for range s.lines {
	}
	if err := <-s.done; err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0", err)
	}
}

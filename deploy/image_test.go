package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// podmanRunFlags are the flags these machines need (see ../shared/docs/environment.md:
// crun fails on the hybrid cgroups, the default ulimits exceed the sandbox's), then the
// image's production flags: host network, read-only, non-root, CAP_NET_BIND_SERVICE only.
var podmanRunFlags = []string{
	"--network", "host", "--ulimit", "nofile=1000:1000", "--ulimit", "nproc=1000:1000",
	"--read-only", "--user", "65532:65532", "--cap-drop", "all", "--security-opt", "no-new-privileges",
}

// podman runs podman with args, bounded in time, and returns its combined output.
func podman(t *testing.T, d time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, "podman", append([]string{"--runtime", "runc"}, args...)...).CombinedOutput()
	return string(out), err
}

// mustPodman is podman that fails the test on error.
func mustPodman(t *testing.T, d time.Duration, args ...string) string {
	t.Helper()
	out, err := podman(t, d, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestImage builds the image from the binary as `make image` does, runs it the way the
// manifests do (read-only, user 65532, only CAP_NET_BIND_SERVICE, host network), on a
// free high port and on port 53 of a loopback address, queries it with dig, reads its
// JSON logs, and stops it with SIGTERM (podman stop), which must exit 0. Needs root.
func TestImage(t *testing.T) {
	testutil.Tool(t, "podman")
	dig := testutil.Tool(t, "dig")
	if os.Geteuid() != 0 {
		testutil.Missing(t, "the image test needs root")
	}
	tag := fmt.Sprintf("localhost/anycastdns:test-%d", os.Getpid())

	// Build: the binary alone in the context, as make image does with bin/.
	ctxDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(ctxDir, "anycastdns"), mustRead(t, bin), 0o755); err != nil {
		t.Fatal(err)
	}
	mustPodman(t, 2*time.Minute, "build", "-q", "-f", "Containerfile", "-t", tag, ctxDir)
	t.Cleanup(func() { _, _ = podman(t, time.Minute, "rmi", "-f", tag) })

	var inspect []struct {
		Size   int64
		Config struct {
			User         string
			ExposedPorts map[string]any
			Entrypoint   []string
			Env          []string
		}
	}
	if err := json.Unmarshal([]byte(mustPodman(t, time.Minute, "image", "inspect", tag)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	img := inspect[0]
	t.Logf("image %s: %.1f MB (binary %.1f MB)", tag, float64(img.Size)/1e6, float64(len(mustRead(t, bin)))/1e6)
	if binSize := int64(len(mustRead(t, bin))); img.Size > binSize+1<<20 {
		t.Errorf("image size %d bytes, binary %d: want the binary and nothing else", img.Size, binSize)
	}
	if img.Config.User != imageUser || !slices.Equal(img.Config.Entrypoint, []string{"/anycastdns", "serve"}) ||
		len(img.Config.ExposedPorts) != len(imageExpose) {
		t.Errorf("image config %+v: want user %s, entrypoint /anycastdns serve, ports %v", img.Config, imageUser, imageExpose)
	}

	// The configuration volume: the zone served, metrics on a free port.
	cfgDir := t.TempDir()
	if err := os.Chmod(cfgDir, 0o755); err != nil { // readable by user 65532
		t.Fatal(err)
	}
	port, metricsPort := testutil.FreePort(t, "127.0.0.1"), testutil.FreePort(t, "127.0.0.1")
	addr53 := free53(t)
	files := map[string]string{
		"anycastdns.yaml": fmt.Sprintf("metrics:\n  listen: 127.0.0.1:%d\nshutdown-timeout: 2s\nzones:\n  - origin: image.test.\n    file: image.test.zone\n", metricsPort),
		"image.test.zone": "$ORIGIN image.test.\n$TTL 300\n@ IN SOA ns.image.test. hostmaster.image.test. 2026112642 3600 600 86400 300\n  IN NS ns\nns IN A 192.0.2.53\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(cfgDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Without CAP_NET_BIND_SERVICE the non-root user cannot bind port 53.
	args := append([]string{"run", "--rm"}, podmanRunFlags...)
	args = append(args, "-v", cfgDir+":/etc/anycastdns:ro", "-e", "ANYCASTDNS_LISTEN="+addr53, tag)
	if out, err := podman(t, time.Minute, args...); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("without --cap-add net_bind_service: %v, want exit 1 and bind: permission denied:\n%s", err, out)
	}

	name := fmt.Sprintf("anycastdns-test-%d", os.Getpid())
	args = append([]string{"run", "-d", "--name", name}, podmanRunFlags...)
	args = append(args, "--cap-add", "net_bind_service", "-v", cfgDir+":/etc/anycastdns:ro",
		"-e", "ANYCASTDNS_IDENTITY=image-test",
		"-e", "ANYCASTDNS_LISTEN="+net.JoinHostPort("127.0.0.1", strconv.Itoa(port))+","+addr53, tag)
	mustPodman(t, time.Minute, args...)
	t.Cleanup(func() { _, _ = podman(t, time.Minute, "rm", "-f", "-t", "0", name) })

	waitReady(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", metricsPort), 10*time.Second)

	// The process: user 65532, CAP_NET_BIND_SERVICE (bit 10) and nothing else.
	pid := strings.TrimSpace(mustPodman(t, time.Minute, "inspect", "-f", "{{.State.Pid}}", name))
	status := string(mustRead(t, "/proc/"+pid+"/status"))
	for _, want := range []string{"Uid:\t65532\t65532\t65532\t65532", "CapEff:\t0000000000000400", "CapBnd:\t0000000000000400"} {
		if !strings.Contains(status, want) {
			t.Errorf("/proc/%s/status lacks %q:\n%s", pid, want, status)
		}
	}

	// Queries with dig, on the high port and on port 53.
	host, p53, _ := net.SplitHostPort(addr53)
	for _, target := range [][2]string{{"127.0.0.1", strconv.Itoa(port)}, {host, p53}} {
		for _, q := range []struct {
			args []string
			want string
		}{
			{[]string{"hostname.bind", "CH", "TXT"}, `"image-test"`},
			{[]string{"image.test", "SOA"}, "ns.image.test. hostmaster.image.test. 2026112642 3600 600 86400 300"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out, err := exec.CommandContext(ctx, dig, append([]string{"+short", "+time=2", "+tries=2",
				"@" + target[0], "-p", target[1]}, q.args...)...).CombinedOutput()
			cancel()
			if got := strings.TrimSpace(string(out)); err != nil || got != q.want {
				t.Errorf("dig @%s -p %s %s: got %q (%v), want %q", target[0], target[1], strings.Join(q.args, " "), got, err, q.want)
			}
		}
	}

	// podman stop sends SIGTERM: the drain, then exit 0.
	start := time.Now()
	mustPodman(t, time.Minute, "stop", "-t", "20", name)
	t.Logf("podman stop took %v", time.Since(start).Round(time.Millisecond))
	if code := strings.TrimSpace(mustPodman(t, time.Minute, "inspect", "-f", "{{.State.ExitCode}}", name)); code != "0" {
		t.Errorf("exit code after podman stop: %s, want 0", code)
	}
	logs, err := podman(t, time.Minute, "logs", name)
	if err != nil {
		t.Fatalf("podman logs: %v\n%s", err, logs)
	}
	var msgs []string
	for _, l := range jsonLines(t, []byte(logs)) {
		msgs = append(msgs, fmt.Sprint(l["msg"]))
		if l["msg"] == "starting" && l["identity"] != "image-test" {
			t.Errorf("log %v: identity want image-test (ANYCASTDNS_IDENTITY)", l)
		}
	}
	for _, want := range []string{"starting", "serving", "stopping", "stopped"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("JSON logs %q: no %q", msgs, want)
		}
	}
}

// free53 returns a loopback address in 127.0.53.0/24 whose port 53 is free (TCP and
// UDP), to check that the image binds a privileged port. Only root can probe it.
func free53(t *testing.T) string {
	t.Helper()
	for range 20 {
		addr := net.JoinHostPort(fmt.Sprintf("127.0.53.%d", 1+rand.IntN(254)), "53")
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		u, err := net.ListenPacket("udp", addr)
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return addr
		}
	}
	t.Fatal("no free port 53 in 127.0.53.0/24")
	return ""
}

// waitReady polls url until it answers 200, failing the test after d.
func waitReady(t *testing.T, url string, d time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	var last string
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
		last = resp.Status
	}
	t.Fatalf("GET %s: not 200 within %v (last: %s)", url, d, last)
}

package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With ANYCASTDNS_LAB_RUNTIME=podman each PoP runs the image (deploy/Containerfile)
// instead of the bare binary: `podman run --network ns:/run/netns/POP ...`, so the
// container shares the PoP's network namespace as a production container shares its
// host's (--network host), read-only, as user 65532 with only CAP_NET_BIND_SERVICE.
// (`ip netns exec POP podman run --network host` does not work: ip mounts a fresh /sys
// for the namespace, without the cgroup file systems runc needs.) The image is
// ANYCASTDNS_LAB_IMAGE (`make lab LAB_RUNTIME=podman` passes the one `make image`
// built), else one built now from the lab's binary.
//
// The faults reach the anycastdns process itself, the container's main process, by its
// host PID (`podman inspect`): SIGTERM drains as a `podman stop` would; SIGKILL kills
// the only process of the container, so the container stops with it, as after `podman
// kill` or an OOM kill (the kernel closes the BGP sessions either way); SIGSTOP
// freezes it while its container and sockets stay up, as a hung process would.

// labRuntime returns the PoPs' runtime: "binary" (default) or "podman".
func labRuntime(t testing.TB) string {
	t.Helper()
	switch r := os.Getenv("ANYCASTDNS_LAB_RUNTIME"); r {
	case "", "binary":
		return "binary"
	case "podman":
		if _, err := exec.LookPath("podman"); err != nil {
			t.Fatalf("ANYCASTDNS_LAB_RUNTIME=podman: %v (apt-get install -y podman runc)", err)
		}
		return r
	default:
		t.Fatalf("ANYCASTDNS_LAB_RUNTIME=%q: want binary or podman", r)
		return ""
	}
}

// labImage returns the image the PoPs run, or "" when they run the binary.
func labImage(t testing.TB, dir, bin string) string {
	t.Helper()
	if labRuntime(t) != "podman" {
		return ""
	}
	if img := os.Getenv("ANYCASTDNS_LAB_IMAGE"); img != "" {
		if out, err := podman(30*time.Second, "image", "exists", img); err != nil {
			t.Fatalf("ANYCASTDNS_LAB_IMAGE=%s: not found (make image): %v %s", img, err, out)
		}
		return img
	}
	ctxDir := filepath.Join(dir, "image")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "anycastdns"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	img := fmt.Sprintf("localhost/anycastdns:lab-%d", os.Getpid())
	if out, err := podman(2*time.Minute, "build", "-q", "-f", filepath.Join("..", "Containerfile"), "-t", img, ctxDir); err != nil {
		t.Fatalf("podman build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = podman(time.Minute, "rmi", "-f", img) })
	return img
}

// podman runs podman with the runtime these machines need, bounded by d.
func podman(d time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, "podman", append([]string{"--runtime", "runc"}, args...)...).CombinedOutput()
	return string(out), err
}

// The container's user, and where its transfer.state-dir is mounted (the image's
// default, /var/lib/anycastdns: the root file system is read-only).
const (
	containerUID      = 65532
	containerStateDir = "/var/lib/anycastdns"
)

// container is the name of the PoP's container.
func (p *pop) container() string { return "anycastdns-lab-" + string(p.ns) }

// command returns the command that runs the PoP in its namespace: the binary, or its
// image in podman. Either way the process's host name is the PoP's identity, which
// its BGP speaker advertises in the hostname capability (GoBGP takes it from the OS):
// the binary runs in a UTS namespace of its own (unshare, then hostname, then exec,
// so that the PID is still the anycastdns process's), the container with --hostname.
func (p *pop) command() *exec.Cmd {
	if p.image == "" {
		return p.ns.command("unshare", "--uts", "sh", "-c", `hostname "$0" && exec "$@"`, p.name,
			p.bin, "serve", "-config", p.config)
	}
	// A container of an earlier run that was killed with the lab.
	_, _ = podman(time.Minute, "rm", "-f", "-t", "0", p.container())
	return exec.Command("podman", "--runtime", "runc", "run", "--rm", "--name", p.container(), "--hostname", p.name,
		"--network", "ns:/run/netns/"+string(p.ns), "--ulimit", "nofile=1000:1000", "--ulimit", "nproc=1000:1000",
		"--read-only", "--user", "65532:65532", "--cap-drop", "all", "--cap-add", "net_bind_service",
		"--security-opt", "no-new-privileges",
		"-v", p.config+":/etc/anycastdns/anycastdns.yaml:ro", "-v", p.state+":"+containerStateDir, p.image)
}

// mainPID returns the host PID of the anycastdns process: the command's own for the
// binary (ip netns exec execs it), the container's main process for the image.
func (p *pop) mainPID(t testing.TB) int {
	t.Helper()
	if p.image == "" {
		return p.cmd.Process.Pid
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := podman(10*time.Second, "inspect", "-f", "{{.State.Pid}}", p.container())
		if pid, _ := strconv.Atoi(strings.TrimSpace(out)); err == nil && pid > 0 {
			return pid
		}
		if !p.running() || time.Now().After(deadline) {
			t.Fatalf("%s: container %s did not start: %v %s\n%s", p.name, p.container(), err, out, tail(p.logPath, 15))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// killProcess sends SIGKILL (and SIGCONT, for a stopped process) to the anycastdns
// process; for the image, it also removes the container should podman outlive it.
func (p *pop) killProcess() {
	if p.pid > 0 { // never 0: kill(0, ...) would signal the test's own process group
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		_ = syscall.Kill(p.pid, syscall.SIGCONT)
	}
	if p.image == "" {
		return
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_, _ = podman(time.Minute, "rm", "-f", "-t", "0", p.container())
		_ = p.cmd.Process.Kill()
	}
}

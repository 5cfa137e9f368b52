package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bin is the anycastdns binary built from this tree by TestMain.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "anycastdns-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "anycastdns")
	// The same build as `make build` (static, as the image needs).
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "../cmd/anycastdns")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building anycastdns: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// runBin runs the binary with args and only the environment env (NAME=VALUE), bounded
// in time, and returns its exit status and combined output.
func runBin(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{}, env...) // not nil: nil would pass this process's environment on
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return 0, string(out)
}

// checkFlags fails the test unless `anycastdns COMMAND ARGS... -h` parses ARGS: an
// unknown flag, or a missing flag value, makes the flag package exit 2.
func checkFlags(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Fatalf("%s: no command", where)
	}
	code, out := runBin(t, nil, append(args, "-h")...)
	if code != 0 {
		t.Errorf("%s: anycastdns %s: exit %d, want 0 (every flag known):\n%s", where, strings.Join(args, " "), code, out)
	}
}

// knownEnv returns the ANYCASTDNS_* variables `anycastdns serve -h` documents.
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	_, out := runBin(t, nil, "serve", "-h")
	known := map[string]bool{}
	for _, f := range strings.FieldsFunc(out, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '(' || r == ')' || r == '.' }) {
		if strings.HasPrefix(f, "ANYCASTDNS_") {
			known[f] = true
		}
	}
	if len(known) == 0 {
		t.Fatalf("anycastdns serve -h lists no ANYCASTDNS_ variable:\n%s", out)
	}
	return known
}

// checkEnvNames fails the test for each variable of env the binary does not read.
func checkEnvNames(t *testing.T, where string, env map[string]string) {
	t.Helper()
	known := knownEnv(t)
	for name := range env {
		if !known[name] {
			t.Errorf("%s: environment variable %s: anycastdns does not read it (known: %v)", where, name, known)
		}
	}
}

// checkConfig writes files (name → content) into a temporary folder and runs
// `anycastdns check -config DIR/config` there with env, failing the test unless the
// configuration, the environment and the zones all load.
func checkConfig(t *testing.T, where string, files map[string]string, config string, env map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	code, out := runBin(t, envList, "check", "-config", filepath.Join(dir, config))
	if code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("%s: anycastdns check -config %s with %v: exit %d, want 0:\n%s", where, config, envList, code, out)
	}
	return dir
}

// mustRead returns the content of the file at path.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonLines decodes every non-empty line of out as a JSON object, failing the test on
// a line that is not one.
func jsonLines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("log line %q: not a JSON object: %v", sc.Text(), err)
			continue
		}
		lines = append(lines, m)
	}
	return lines
}

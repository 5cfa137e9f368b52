package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

const unitPath = "systemd/anycastdns.service"

// unitFile is a systemd unit: section → key → values (a key may repeat).
type unitFile map[string]map[string][]string

// parseUnit reads a unit file: [Section] headers, Key=Value lines, # and ; comments,
// and lines continued with a backslash.
func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	var cont string
	for i, raw := range strings.Split(string(mustRead(t, path)), "\n") {
		line := strings.TrimSpace(raw)
		if cont != "" {
			line, cont = cont+" "+line, ""
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cont = strings.TrimSpace(body)
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: %q: want Key=Value inside a [Section]", path, i+1, line)
		}
		k = strings.TrimSpace(k)
		u[section][k] = append(u[section][k], strings.TrimSpace(v))
	}
	return u
}

// one returns the single value of key in section, failing the test otherwise.
func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Errorf("[%s] %s: %d values %q, want one", section, key, len(v), v)
		return ""
	}
	return v[0]
}

func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, unitPath)
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Errorf("no [%s] section", s)
		}
	}
	// The hardening the issue asks for, and what a stop and a reload need.
	want := map[string]string{
		"DynamicUser":             "yes",
		"AmbientCapabilities":     "CAP_NET_BIND_SERVICE",
		"CapabilityBoundingSet":   "CAP_NET_BIND_SERVICE",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"KillSignal":              "SIGTERM",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
	}
	for k, v := range want {
		if got := u.one(t, "Service", k); got != v {
			t.Errorf("[Service] %s=%q, want %q", k, got, v)
		}
	}
	// ExecStart runs serve with flags the binary knows, on a configuration that loads.
	start := strings.Fields(u.one(t, "Service", "ExecStart"))
	if len(start) < 2 || start[0] != "/usr/local/bin/anycastdns" || start[1] != "serve" {
		t.Fatalf("ExecStart %q: want /usr/local/bin/anycastdns serve ...", start)
	}
	checkFlags(t, "ExecStart", start[1:])
	// The stop drains before systemd's SIGKILL, with the example configuration's timers.
	example := parseFacts(t, "anycastdns.example.yaml", mustRead(t, "anycastdns.example.yaml"))
	stop := u.one(t, "Service", "TimeoutStopSec")
	d, err := time.ParseDuration(stop)
	if n, nerr := strconv.Atoi(stop); nerr == nil { // plain seconds
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d < example.stopTime() {
		t.Errorf("TimeoutStopSec=%q: want at least drain grace + linger + shutdown-timeout, %v", stop, example.stopTime())
	}
	if ef := u.one(t, "Service", "EnvironmentFile"); !strings.HasPrefix(ef, "-") {
		t.Errorf("EnvironmentFile=%q: want it optional (a leading -): the per-PoP variables", ef)
	}
}

// TestSystemdAnalyzeVerify runs `systemd-analyze verify` on the unit, with ExecStart
// pointing at the binary built by the tests; any warning fails.
func TestSystemdAnalyzeVerify(t *testing.T) {
	tool := testutil.Tool(t, "systemd-analyze")
	unit := strings.ReplaceAll(string(mustRead(t, unitPath)), "/usr/local/bin/anycastdns", bin)
	path := filepath.Join(t.TempDir(), "anycastdns.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v, want no error and no warning:\n%s", err, out)
	}
}

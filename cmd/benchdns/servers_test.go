package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// needTool returns the path of an external tool; without it the test fails in CI and
// is skipped elsewhere.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := lookTool(name)
	if err != nil {
		testutil.Missing(t, "%v", err)
	}
	return p
}

// TestServerConfigs checks the configuration each server is given with the server's
// own checker, and the settings that make the comparison fair.
func TestServerConfigs(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "mix.zone")
	if _, err := genMix(dir, 1, 100); err != nil {
		t.Fatal(err)
	}
	zones := []Zone{{Origin: mixOrigin, File: zone}}
	for _, c := range []struct {
		name    string
		server  Server
		check   func(conf string) *exec.Cmd
		conf    string
		require []string
	}{
		{
			name:   "NSD",
			server: NSD{Bin: "nsd"},
			check:  func(conf string) *exec.Cmd { return exec.Command(needTool(t, "nsd-checkconf"), conf) },
			conf:   "nsd.conf",
			require: []string{"port: 5399", "server-count: 1", "rrl-ratelimit: 0", "minimal-responses: yes",
				`username: ""`, "control-enable: no", `name: "bench.example."`},
		},
		{
			name:    "NSD with 2 servers",
			server:  NSD{Bin: "nsd", Servers: 2},
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "nsd-checkconf"), conf) },
			conf:    "nsd.conf",
			require: []string{"server-count: 2"},
		},
		{
			name:    "NSD with -rrl",
			server:  NSD{Bin: "nsd", RRL: 100000},
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "nsd-checkconf"), conf) },
			conf:    "nsd.conf",
			require: []string{"rrl-ratelimit: 100000"},
		},
		{
			name:    "Knot",
			server:  Knot{Bin: "knotd", UDPWorkers: 2},
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "knotc"), "-c", conf, "conf-check") },
			conf:    "knot.conf",
			require: []string{"listen: 127.0.0.1@5399", "udp-workers: 2", "zonefile-sync: -1", "dnssec-signing: off", `domain: "bench.example."`},
		},
		{
			name:    "anycastdns",
			server:  Anycastdns{Bin: "anycastdns", GOMAXPROCS: 2},
			conf:    "anycastdns.yaml",
			require: []string{"- 127.0.0.1:5399", `listen: ""`, `origin: "bench.example."`, "rate-limit:\n  enabled: false"},
		},
		{
			name:    "anycastdns with -rrl",
			server:  Anycastdns{Bin: "anycastdns", RRL: 100000},
			conf:    "anycastdns.yaml",
			require: []string{"rate-limit:\n  enabled: true\n  responses-per-second: 100000\n  errors-per-second: 100000\n  nxdomains-per-second: 100000\n"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			sdir := t.TempDir()
			cmd, err := c.server.Command(sdir, 5399, zones)
			if err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(sdir, c.conf)
			checkConf(t, conf, c.require, c.check)
			if !strings.Contains(strings.Join(cmd.Args, " "), conf) {
				t.Errorf("command %q does not name %s", cmd.Args, conf)
			}
			if c.name == "anycastdns" && !strings.Contains(strings.Join(cmd.Env, " "), "GOMAXPROCS=2") {
				t.Error("anycastdns environment lacks GOMAXPROCS=2")
			}
		})
	}
}

// checkConf checks that the configuration file conf holds each of require and, with a
// check, that the server's own checker accepts it.
func checkConf(t *testing.T, conf string, require []string, check func(conf string) *exec.Cmd) {
	t.Helper()
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range require {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", filepath.Base(conf), want, b)
		}
	}
	if check != nil {
		if out, err := check(conf).CombinedOutput(); err != nil {
			t.Errorf("%s rejected by its checker: %v\n%s\n%s", filepath.Base(conf), err, out, b)
		}
	}
}

package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/internal/testutil"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	return testutil.WriteFile(t, dir, name, content)
}

// mapEnv returns a getenv that reads m.
func mapEnv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

// The flags the command parses itself are usage errors naming the flag; the rest of
// the loading is package config's (and tested there).
func TestConfigFlags(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "c.yaml", "identity: from-file\nlisten: [\"127.0.0.1:53\"]\nbgp:\n  local-as: 64999\n")
	c := &command{}
	cfg, err := c.config(path, overrides{zones: listFlag{"b.=rel/b.zone"}, localAS: "65007", identity: "from-flag"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Identity != "from-flag" || cfg.BGP.LocalAS != 65007 || len(cfg.Zones) != 1 || cfg.Zones[0].Path() != "rel/b.zone" {
		t.Errorf("got identity %q local AS %d zones %+v, want the flags'", cfg.Server.Identity, cfg.BGP.LocalAS, cfg.Zones)
	}
	tests := []struct {
		name string
		ov   overrides
		want string
	}{
		{"-zone without '='", overrides{zones: listFlag{"example.org.zone"}}, "want ORIGIN=FILE"},
		{"local AS not a number", overrides{routerID: "10.0.0.7", localAS: "AS65007"}, `-local-as "AS65007": want an AS number`},
		{"local AS too large", overrides{routerID: "10.0.0.7", localAS: "4294967296"}, `-local-as "4294967296"`},
		{"local AS 0", overrides{routerID: "10.0.0.7", localAS: "0"}, `-local-as "0"`},
	}
	for _, tc := range tests {
		_, err := c.config(path, tc.ov)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errorsAsUsage(err) {
			t.Errorf("%s: got %v, want a usage error containing %q", tc.name, err, tc.want)
		}
	}
}

func errorsAsUsage(err error) bool { return errors.As(err, new(usageError)) }

// ANYCASTDNS_CONFIG names the file when -config is not given.
func TestEnvConfigFile(t *testing.T) {
	file := writeFile(t, t.TempDir(), "anycastdns.yaml", "identity: file-id\n")
	c := &command{env: mapEnv(map[string]string{config.EnvConfig: file, config.EnvLogLevel: "debug"})}
	cfg, err := c.config("", overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Identity != "file-id" || cfg.Log.Level != "debug" || cfg.File() != file {
		t.Errorf("got identity %q level %q file %q, want the file's identity and the variable's level", cfg.Server.Identity, cfg.Log.Level, cfg.File())
	}
	c.env = mapEnv(map[string]string{config.EnvConfig: filepath.Join(t.TempDir(), "missing.yaml")})
	if _, err := c.config("", overrides{}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: got %v, want no such file", err)
	}
}

// TestEnvServeAndCheck runs the commands with ANYCASTDNS_CONFIG: serve -h lists the
// variables, and check checks the file the variable names (a bad zone fails it).
func TestEnvServeAndCheck(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "anycastdns.yaml", "zones:\n  - origin: example.com.\n    file: missing.zone\n")
	var out, errb strings.Builder
	c := &command{stdout: &out, stderr: &errb, env: mapEnv(map[string]string{config.EnvConfig: cfgPath})}
	if err := c.run(t.Context(), []string{"check"}); err == nil || !strings.Contains(errb.String(), "missing.zone") {
		t.Errorf("check with ANYCASTDNS_CONFIG: got %v, stderr %q; want the missing zone of that file reported", err, errb.String())
	}
	errb.Reset()
	_ = c.run(t.Context(), []string{"serve", "-h"})
	for _, v := range config.EnvVars() {
		if !strings.Contains(errb.String(), v) {
			t.Errorf("serve -h: %s not mentioned in %q", v, errb.String())
		}
	}
}

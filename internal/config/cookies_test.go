package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testCookieSecret = "e5e973e5a6b2a43f48e7dc849e37bfcf"

func TestCookiesConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"secret not hex", "cookies:\n  secret: e5e973e5a6b2a43f48e7dc849e37bfcz\n", []string{"c.yaml:2: cookies.secret: not hex; want 32 hex digits"}},
		{"secret too short", "cookies:\n  secret: e5e973e5\n", []string{"c.yaml:2: cookies.secret: 8 characters; want 32 hex digits (128 bits)"}},
		{"secret twice", "cookies:\n  secret: " + testCookieSecret + "\n  secret-env: X\n", []string{"cookies.secret: secret set twice"}},
		{"variable unset", "cookies: {secret-env: ANYCASTDNS_TEST_UNSET_COOKIE}\n", []string{"cookies.secret: secret-env: variable ANYCASTDNS_TEST_UNSET_COOKIE is not set"}},
		{"file missing", "cookies: {secret-file: /nonexistent/cookie.secret}\n", []string{"cookies.secret: secret-file: "}},
		{"previous secret", "cookies:\n  previous-secrets:\n    - " + testCookieSecret + "\n    - abc\n", []string{"c.yaml:4: cookies.previous-secrets[1]: 3 characters"}},
		{"unknown key", "cookies: {secrets: x}\n", []string{`unknown key "cookies.secrets"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantConfigError(t, tc.yaml, tc.want)
			c, err := Parse([]byte(tc.yaml), "c.yaml", testVersion)
			if err == nil {
				err = c.Validate()
			}
			if strings.Contains(err.Error(), "e5e973") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

// The secret file is read relative to the configuration file's folder, and the
// defaults answer cookies with no secret (a random one, made by the server).
func TestCookiesConfigValues(t *testing.T) {
	c := Default(testVersion)
	if !c.Server.Cookies.Enabled || c.Server.Cookies.Secret != "" {
		t.Errorf("defaults: got %+v, want enabled without a secret", c.Server.Cookies)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cookie.secret"), []byte(testCookieSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.yaml")
	text := "cookies:\n  enabled: false\n  secret-file: cookie.secret\n  previous-secrets: [0x" + testCookieSecret + "]\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := loadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ck := c.Server.Cookies
	if ck.Enabled || ck.SecretFile != filepath.Join(dir, "cookie.secret") || len(ck.PreviousSecrets) != 1 {
		t.Errorf("got enabled %v, secret-file %q, %d previous secrets; want false, the file in %s, 1", ck.Enabled, ck.SecretFile, len(ck.PreviousSecrets), dir)
	}
}

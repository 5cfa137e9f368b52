package main

import (
	"context"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// runCmd runs the command line in-process and returns its output and exit status.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb testutil.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{"no command", nil, 2, "", "usage:"},
		{"unknown command", []string{"serv"}, 2, "", `unknown command "serv"`},
		{"help lists the commands", []string{"-h"}, 0, "anycastdns check [-config FILE [-router-id IPV4] [-local-as ASN] | ZONEFILE ORIGIN]", ""},
		{"help word", []string{"help"}, 0, "anycastdns serve [-config FILE]", ""},
		{"version", []string{"version"}, 0, "anycastdns ", ""},
		{"serve -h", []string{"serve", "-h"}, 0, "", "-zone ORIGIN=FILE"},
		{"serve -h lists the BGP flags", []string{"serve", "-h"}, 0, "", "-router-id IPv4"},
		{"serve bad -local-as", []string{"serve", "-local-as", "x"}, 2, "", `-local-as "x": want an AS number`},
		{"serve unknown flag", []string{"serve", "-listne", "x"}, 2, "", "flag provided but not defined: -listne"},
		{"serve stray argument", []string{"serve", "extra"}, 2, "", `unexpected argument "extra"`},
		{"serve bad -zone", []string{"serve", "-zone", "example.org.zone"}, 2, "", "want ORIGIN=FILE"},
		{"serve bad -listen", []string{"serve", "-listen", "127.0.0.1"}, 1, "", "flag -listen: listen[0]"},
		{"check -h", []string{"check", "-h"}, 0, "", "usage: anycastdns check"},
		{"check one argument", []string{"check", "a.zone"}, 2, "", "want ZONEFILE ORIGIN"},
		{"check both forms", []string{"check", "-config", "c.yaml", "a.zone", "a."}, 2, "", "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCmd(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit status: got %d, want %d (stderr %q)", code, tc.wantCode, stderr)
			}
			if !strings.Contains(stdout, tc.wantStdout) {
				t.Errorf("stdout: got %q, want it to contain %q", stdout, tc.wantStdout)
			}
			if !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr, tc.wantStderr)
			}
		})
	}
}

package secret

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTextNeverPrints(t *testing.T) {
	s := struct{ Key Text }{Key: "00112233445566778899aabbccddeeff"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		if got := fmt.Sprintf(verb, s); strings.Contains(got, "0011") || strings.Contains(strings.ToLower(got), "3030") {
			t.Errorf("%s shows the secret: %s", verb, got)
		}
	}
	if got := fmt.Sprint([]Text{"abc"}); got != "[[redacted]]" {
		t.Errorf("a list of secrets prints %q, want [[redacted]]", got)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.txt"), []byte("fromfile\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRET_TEST_SET", "fromenv")
	for _, c := range []struct {
		name            string
		value           Text
		path, env, want string
		err             string
	}{
		{name: "value", value: "inline", want: "inline"},
		{name: "relative file", path: "s.txt", want: "fromfile"},
		{name: "absolute file", path: filepath.Join(dir, "s.txt"), want: "fromfile"},
		{name: "environment", env: "SECRET_TEST_SET", want: "fromenv"},
		{name: "none", err: ErrNone.Error()},
		{name: "two", value: "x", env: "SECRET_TEST_SET", err: "secret set twice"},
		{name: "missing file", path: "nope.txt", err: "secret-file: "},
		{name: "unset variable", env: "SECRET_TEST_UNSET", err: "secret-env: variable SECRET_TEST_UNSET is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Read(c.value, c.path, c.env, dir)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %q, %v; want error %q", got, err, c.err)
				}
				if c.name == "none" && !errors.Is(err, ErrNone) {
					t.Errorf("error %v is not ErrNone", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

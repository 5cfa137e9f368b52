// Package secret reads the secrets of the configuration file (TSIG keys, the DNS
// cookie secret) from where a section says: the file itself, a file of their own,
// or an environment variable. A secret written in the file is a Text, which never
// prints, so that a configuration printed or logged by mistake does not leak it.
//
//	s, err := secret.Read(c.Secret, c.SecretFile, c.SecretEnv, dir)
//	if errors.Is(err, secret.ErrNone) { ... } // none of the three is set
package secret

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Text is a secret as written in the configuration file. It prints as
// "[redacted]" with every verb of package fmt, %#v included.
type Text string

const redacted = "[redacted]"

// Format writes "[redacted]" whatever the verb.
func (Text) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// String returns "[redacted]".
func (Text) String() string { return redacted }

// GoString returns "[redacted]".
func (Text) GoString() string { return redacted }

// ErrNone is returned by Read when none of the three places is set.
var ErrNone = errors.New("no secret; set one of secret, secret-file and secret-env")

// Read returns the secret from exactly one of: value; the first line of the file
// path, relative to dir unless absolute; the environment variable env. It returns
// ErrNone when none is set and an error when more than one is. No error shows the
// secret.
func Read(value Text, path, env, dir string) (string, error) {
	n := 0
	for _, s := range []string{string(value), path, env} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return "", ErrNone
	case n > 1:
		return "", errors.New("secret set twice; set one of secret, secret-file and secret-env")
	case value != "":
		return string(value), nil
	case path != "":
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("secret-file: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return line, nil
	default:
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("secret-env: variable %s is not set", env)
		}
		return v, nil
	}
}

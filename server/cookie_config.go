package server

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/anycastdns/anycastdns/internal/config/field"
	"github.com/anycastdns/anycastdns/internal/secret"
)

// CookieConfig is the cookies section of the configuration file: DNS cookies
// (RFC 7873) in the interoperable form of RFC 9018, whose server cookies every
// node of the fleet makes and accepts alike when they share the secret. The
// secret comes from at most one of Secret, SecretFile and SecretEnv; it is never
// logged or printed.
type CookieConfig struct {
	// Enabled answers a query's COOKIE option with a server cookie. The zero value
	// is false; DefaultConfig, the configuration file's default, sets true (BIND
	// answers cookies by default too). A malformed COOKIE option is FORMERR either
	// way (RFC 7873 section 5.2.2).
	Enabled bool `yaml:"enabled"`
	// Secret is the 128-bit server secret in hex (32 digits), as BIND's and NSD's
	// cookie-secret and Knot's mod-cookies secret take it. Default: none, and then
	// a random secret made at start-up, which sibling nodes do not share.
	Secret secret.Text `yaml:"secret"`
	// SecretFile names a file whose first line is the secret, relative to the
	// configuration file's folder.
	SecretFile string `yaml:"secret-file"`
	// SecretEnv names an environment variable holding the secret.
	SecretEnv string `yaml:"secret-env"`
	// PreviousSecrets are secrets whose cookies are still accepted but never made
	// (RFC 9018 section 5: a rollover). Default: none.
	PreviousSecrets []secret.Text `yaml:"previous-secrets"`
}

// cookieKey is a 128-bit SipHash key, its octets read little-endian as the
// SipHash reference implementation, BIND, Knot DNS and NSD read the secret.
type cookieKey struct{ k0, k1 uint64 }

// parseCookieKey reads a secret written in hex (32 digits, an optional 0x first
// as Knot DNS writes it). Its errors never show the secret.
func parseCookieKey(s string) (cookieKey, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "0x")
	var b [16]byte
	if len(s) != 2*len(b) {
		return cookieKey{}, fmt.Errorf("%d characters; want 32 hex digits (128 bits)", len(s))
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return cookieKey{}, errors.New("not hex; want 32 hex digits (128 bits)")
	}
	return cookieKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}, nil
}

// keys reads the secrets: the current one (configured false when none is
// configured and one was made at random) and the previous ones; dir is the
// folder a relative SecretFile is read from. Errors name the key, never the
// secret.
func (c CookieConfig) keys(dir string) (current cookieKey, previous []cookieKey, configured bool, err error) {
	var errs field.Errors
	s, err := secret.Read(c.Secret, c.SecretFile, c.SecretEnv, dir)
	switch {
	case errors.Is(err, secret.ErrNone):
		var b [16]byte
		rand.Read(b[:])
		current = cookieKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
	case err != nil:
		errs.Add("secret", "%v", err)
	default:
		configured = true
		if current, err = parseCookieKey(s); err != nil {
			errs.Add("secret", "%v", err)
		}
	}
	for i, p := range c.PreviousSecrets {
		k, err := parseCookieKey(string(p))
		if err != nil {
			errs.Add(field.Index("previous-secrets", i), "%v", err)
		}
		previous = append(previous, k)
	}
	return current, previous, configured, errs.Err()
}

// Validate checks the secrets, reading SecretFile (relative to the current
// folder; the configuration loader makes it absolute) and SecretEnv.
func (c CookieConfig) Validate() error {
	_, _, _, err := c.keys("")
	return err
}

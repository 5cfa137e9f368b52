package anycast

import (
	"errors"
	"time"
)

// Defaults of a [Config], as [DefaultConfig] returns them.
const (
	// DefaultGrace leaves routers time to move traffic away from a route
	// marked GRACEFUL_SHUTDOWN (RFC 8326) before it is withdrawn.
	DefaultGrace = 5 * time.Second
	// DefaultLinger covers the routers that converge last after the
	// withdrawal.
	DefaultLinger = 2 * time.Second
)

// Config times a drain (a stop, or the maintenance switch). It is the
// configuration file's bgp.drain section. A zero duration means no wait, so
// start from [DefaultConfig] and replace what the file sets.
type Config struct {
	// Grace is how long a draining prefix stays announced with
	// GRACEFUL_SHUTDOWN before it is withdrawn. Default 5s.
	Grace time.Duration `yaml:"grace"`
	// Linger is how long a stopping node keeps answering after the
	// withdrawal, before its listeners close. Default 2s.
	Linger time.Duration `yaml:"linger"`
}

// DefaultConfig returns the configuration with every default.
func DefaultConfig() Config {
	return Config{Grace: DefaultGrace, Linger: DefaultLinger}
}

// KeyError is a problem with one key of the section. Key is named relative to
// the section (for example "grace"), so that the configuration loader can
// prefix it and say where the key was set.
type KeyError struct {
	Key     string
	Problem string
}

// Error returns "key: problem".
func (e *KeyError) Error() string { return e.Key + ": " + e.Problem }

// Validate reports every invalid key of c, each as a *[KeyError].
func (c Config) Validate() error {
	var errs []error
	for _, k := range []struct {
		key string
		d   time.Duration
	}{{"grace", c.Grace}, {"linger", c.Linger}} {
		if k.d < 0 {
			errs = append(errs, &KeyError{Key: k.key, Problem: k.d.String() + "; want 0 or a positive duration"})
		}
	}
	return errors.Join(errs...)
}

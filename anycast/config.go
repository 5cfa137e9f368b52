package anycast

import (
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
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

// Validate reports every invalid key of c, each named relative to the section
// ("grace"), so that the configuration loader can place it ("bgp.drain.grace").
func (c Config) Validate() error {
	var errs field.Errors
	if c.Grace < 0 {
		errs.Add("grace", "%v; want 0 or a positive duration", c.Grace)
	}
	if c.Linger < 0 {
		errs.Add("linger", "%v; want 0 or a positive duration", c.Linger)
	}
	return errs.Err()
}

package config

import (
	"time"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/anycast"
	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/transfer"
)

// Config is the configuration file of anycastdns (deploy/anycastdns.example.yaml):
// the sections of the packages that own them, and the keys of the program as a whole.
// Every key has a default, so the program runs with no file at all. The yaml tags
// are the keys.
type Config struct {
	// Server holds the top-level DNS keys: identity, version, hide-version, nsid,
	// listen, udp-size, udp-sockets and tcp.
	Server server.Config `yaml:",inline"`
	// Metrics holds the HTTP listener of /metrics, /healthz and /readyz.
	Metrics Metrics `yaml:"metrics"`
	// Log holds the logger settings.
	Log Log `yaml:"log"`
	// ShutdownTimeout bounds how long a stop waits for queries in flight. Default 5s.
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout"`
	// Zones are the zones served. Default (key absent): the example zones built in.
	Zones []Zone `yaml:"zones"`
	// Health holds the self-probes that decide whether the service prefixes may be
	// announced.
	Health health.Config `yaml:"health"`
	// BGP holds the BGP speaker that announces the service prefixes; off without peers.
	BGP BGP `yaml:"bgp"`
	// TSIGKeys are the TSIG keys (RFC 8945) named by primaries, notify targets
	// and access lists.
	TSIGKeys []transfer.KeyConfig `yaml:"tsig-keys"`
	// Transfer holds the settings of zone transfers (package transfer).
	Transfer transfer.Config `yaml:"transfer"`

	file string            // the configuration file, "" for the built-in defaults
	line map[string]int    // the line of each key, by path ("tcp.idle-timeout", "zones[1].file")
	set  map[string]string // keys set by a flag or a variable, and its name
}

// BGP is the bgp section: the speaker's settings (package announce) and the timing
// of a drain.
type BGP struct {
	announce.Config `yaml:",inline"`
	// Drain holds the timing of a drain (package anycast).
	Drain anycast.Config `yaml:"drain"`
}

// Metrics holds the HTTP listener for metrics and health.
type Metrics struct {
	// Listen is the "host:port" of /metrics, /healthz and /readyz; "" turns it off.
	// Default 127.0.0.1:9153.
	Listen string `yaml:"listen"`
}

// Log holds the logger settings.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is console (for people) or json (for collectors). Default console.
	Format string `yaml:"format"`
}

// Defaults of the keys this package owns, documented in
// deploy/anycastdns.example.yaml.
const (
	DefaultMetricsListen   = "127.0.0.1:9153"
	DefaultShutdownTimeout = 5 * time.Second
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "console"
)

// Default returns the configuration used when there is no file. version is the
// answer to version.bind when the file sets none, e.g. "anycastdns v1.0.0".
func Default(version string) *Config {
	c := &Config{
		Server:          server.DefaultConfig(),
		Metrics:         Metrics{Listen: DefaultMetricsListen},
		Log:             Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		ShutdownTimeout: DefaultShutdownTimeout,
		Health:          health.DefaultConfig(),
		TSIGKeys:        []transfer.KeyConfig{},
		Transfer:        transfer.DefaultConfig(),
		BGP: BGP{
			Config: announce.DefaultConfig(),
			Drain:  anycast.DefaultConfig(),
		},
		line: map[string]int{},
		set:  map[string]string{},
	}
	c.Server.Version = version
	return c
}

// File returns the configuration file read, "" for the built-in defaults.
func (c *Config) File() string { return c.file }

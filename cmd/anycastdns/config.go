package main

import (
	"slices"
	"time"

	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/anycastdns/anycastdns/zones"
)

// Config is the configuration file of anycastdns (see deploy/anycastdns.example.yaml).
// Every key has a default, so the program runs with no file at all; an unknown key is
// an error naming its line. The yaml tags are the keys.
type Config struct {
	// Identity names this node in NSID, hostname.bind and id.server. Default: the host name.
	Identity string `yaml:"identity"`
	// Version is the answer to version.bind and version.server. Default ("" too):
	// "anycastdns VERSION".
	Version string `yaml:"version"`
	// HideVersion answers version.bind and version.server with REFUSED. Default false.
	HideVersion bool `yaml:"hide-version"`
	// NSID answers the NSID option (RFC 5001) with Identity. Default true.
	NSID bool `yaml:"nsid"`
	// Listen holds the DNS addresses, "host:port"; each gets UDP and TCP.
	// Default 127.0.0.1:5353 and [::1]:5353.
	Listen []string `yaml:"listen"`
	// UDPSize is the EDNS(0) payload size advertised and the largest UDP reply. Default 1232.
	UDPSize int `yaml:"udp-size"`
	// UDPSockets is the number of UDP sockets per listen address (SO_REUSEPORT), each
	// read by its own goroutine. Default 0: one fewer than the CPUs, at least 1.
	UDPSockets int `yaml:"udp-sockets"`
	// TCP holds the limits of DNS over TCP.
	TCP TCPConfig `yaml:"tcp"`
	// Metrics holds the HTTP listener of /metrics, /healthz and /readyz.
	Metrics MetricsConfig `yaml:"metrics"`
	// Log holds the logger settings.
	Log LogConfig `yaml:"log"`
	// ShutdownTimeout bounds how long a stop waits for queries in flight. Default 5s.
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout"`
	// Zones are the zones served. Default (key absent): the example zones built in.
	Zones []ZoneConfig `yaml:"zones"`
	// Health holds the self-probes that decide whether the service prefixes may be
	// announced.
	Health HealthConfig `yaml:"health"`
	// BGP holds the BGP speaker that announces the service prefixes; off without peers.
	BGP BGPConfig `yaml:"bgp"`

	file string            // the configuration file, "" for the built-in defaults
	line map[string]int    // the line of each key, by path ("tcp.idle-timeout", "zones[1].file")
	set  map[string]string // keys set by a flag, and the flag's name
}

// TCPConfig holds the limits of DNS over TCP (RFC 7766).
type TCPConfig struct {
	// IdleTimeout closes a connection idle this long (RFC 7766 section 6.2.3). Default 10s.
	IdleTimeout time.Duration `yaml:"idle-timeout"`
	// MaxConnections caps open connections; more are closed at once. Default 1000.
	MaxConnections int `yaml:"max-connections"`
	// MaxQueriesPerConnection closes a connection after this many queries; 0, the
	// default, sets no limit (as NSD and Knot DNS).
	MaxQueriesPerConnection int `yaml:"max-queries-per-connection"`
}

// MetricsConfig holds the HTTP listener for metrics and health.
type MetricsConfig struct {
	// Listen is the "host:port" of /metrics, /healthz and /readyz; "" turns it off.
	// Default 127.0.0.1:9153.
	Listen string `yaml:"listen"`
}

// LogConfig holds the logger settings.
type LogConfig struct {
	// Level is the lowest level logged: debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is console (for people) or json (for collectors). Default console.
	Format string `yaml:"format"`
}

// ZoneConfig is one zone served.
type ZoneConfig struct {
	// Origin is the zone's name, e.g. "example.org." (the final dot may be left out).
	Origin string `yaml:"origin"`
	// File is the master file, relative to the configuration file's folder.
	File string `yaml:"file"`

	path string // File as opened: joined to the folder of the file that named it
}

// Defaults of the keys, documented in deploy/anycastdns.example.yaml.
const (
	defaultUDPSize         = 1232
	defaultTCPIdleTimeout  = 10 * time.Second
	defaultTCPMaxConns     = 1000
	defaultTCPMaxQueries   = 0 // no limit
	defaultMetricsListen   = "127.0.0.1:9153"
	defaultShutdownTimeout = 5 * time.Second
)

// defaultListen are the DNS addresses used when none are configured.
func defaultListen() []string { return []string{"127.0.0.1:5353", "[::1]:5353"} }

// defaultConfig returns the configuration used when there is no file.
func defaultConfig() *Config {
	return &Config{
		Version:         "anycastdns " + version(),
		NSID:            true,
		Listen:          defaultListen(),
		UDPSize:         defaultUDPSize,
		TCP:             TCPConfig{IdleTimeout: defaultTCPIdleTimeout, MaxConnections: defaultTCPMaxConns, MaxQueriesPerConnection: defaultTCPMaxQueries},
		Metrics:         MetricsConfig{Listen: defaultMetricsListen},
		Log:             LogConfig{Level: "info", Format: "console"},
		ShutdownTimeout: defaultShutdownTimeout,
		Health:          defaultHealth(),
		BGP:             defaultBGP(),
		line:            map[string]int{},
		set:             map[string]string{},
	}
}

// overrideListen replaces the DNS addresses with those given by the -listen flag.
func (c *Config) overrideListen(addrs []string) {
	c.Listen = addrs
	c.set["listen"] = "listen"
}

// overrideZones replaces the zones with those given by the -zone flag (files are
// relative to the current folder).
func (c *Config) overrideZones(zs []ZoneConfig) {
	c.Zones = zs
	c.set["zones"] = "zone"
}

// overrideIdentity sets the identity given by the -identity flag.
func (c *Config) overrideIdentity(id string) {
	c.Identity = id
	c.set["identity"] = "identity"
}

// zoneFiles returns the zones to load: the configured files, or the built-in examples.
func (c *Config) zoneFiles() []zone.ZoneFile {
	if c.Zones == nil {
		var zfs []zone.ZoneFile
		for _, z := range zones.All() {
			zfs = append(zfs, zone.ZoneFile{Origin: z.Origin, Source: zonefile.Source{
				FS: zones.FS, Name: z.File, Path: "zones/" + z.File}})
		}
		return zfs
	}
	zfs := make([]zone.ZoneFile, 0, len(c.Zones))
	for _, z := range c.Zones {
		zfs = append(zfs, zone.ZoneFile{Origin: z.Origin, Source: zonefile.FileSource(z.path)})
	}
	return zfs
}

// serverConfig returns the settings of the DNS server, with the node's identity.
func (c *Config) serverConfig(identity string) server.Config {
	return server.Config{
		Listen:         slices.Clone(c.Listen),
		Identity:       identity,
		Version:        c.Version,
		HideVersion:    c.HideVersion,
		NSID:           c.NSID,
		UDPSize:        uint16(c.UDPSize),
		UDPSockets:     c.UDPSockets,
		TCPIdleTimeout: c.TCP.IdleTimeout,
		TCPMaxConns:    c.TCP.MaxConnections,
		TCPMaxQueries:  c.TCP.MaxQueriesPerConnection,
	}
}

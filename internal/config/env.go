package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/anycastdns/anycastdns/announce"
)

// Environment variables set what differs per PoP, so that one image and one
// configuration file serve every PoP (deploy/compose.yaml, deploy/kubernetes). An empty
// variable counts as unset. Precedence: flag > environment > configuration file >
// default. A value that cannot be parsed is an error naming the variable; a parsed value
// is validated with the rest of the configuration, and an error then names the variable
// as the place that set the key ("environment ANYCASTDNS_ROUTER_ID: bgp.router-id: ...").
const (
	// EnvConfig names the configuration file when -config is not given.
	EnvConfig = "ANYCASTDNS_CONFIG"
	// EnvIdentity replaces identity (flag -identity).
	EnvIdentity = "ANYCASTDNS_IDENTITY"
	// EnvListen replaces listen: comma-separated host:port (flag -listen).
	EnvListen = "ANYCASTDNS_LISTEN"
	// EnvRouterID replaces bgp.router-id (flag -router-id).
	EnvRouterID = "ANYCASTDNS_ROUTER_ID"
	// EnvLocalAS replaces bgp.local-as (flag -local-as).
	EnvLocalAS = "ANYCASTDNS_LOCAL_AS"
	// EnvBGPPeers replaces bgp.peers: comma-separated ADDRESS@AS (see envPeers).
	EnvBGPPeers = "ANYCASTDNS_BGP_PEERS"
	// EnvLogFormat replaces log.format: console or json.
	EnvLogFormat = "ANYCASTDNS_LOG_FORMAT"
	// EnvLogLevel replaces log.level: debug, info, warn or error.
	EnvLogLevel = "ANYCASTDNS_LOG_LEVEL"

	envPrefix = "ANYCASTDNS_"
)

// envVar is a variable that replaces one key of the file.
type envVar struct {
	name string
	key  string
	set  func(c *Config, v string) error
}

// envVars are the variables that replace keys, in the order they are applied.
// EnvConfig names the file instead (the caller reads it).
var envVars = []envVar{
	{EnvIdentity, "identity", func(c *Config, v string) error { c.Server.Identity = v; return nil }},
	{EnvListen, "listen", func(c *Config, v string) error { c.Server.Listen = SplitList(v); return nil }},
	{EnvRouterID, "bgp.router-id", func(c *Config, v string) (err error) {
		c.BGP.RouterID, err = parseAddr(v)
		return err
	}},
	{EnvLocalAS, "bgp.local-as", func(c *Config, v string) (err error) {
		c.BGP.LocalAS, err = parseAS(v)
		return err
	}},
	{EnvBGPPeers, "bgp.peers", func(c *Config, v string) (err error) {
		c.BGP.Peers, err = c.envPeers(v)
		return err
	}},
	{EnvLogFormat, "log.format", func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{EnvLogLevel, "log.level", func(c *Config, v string) error { c.Log.Level = v; return nil }},
}

// EnvVars lists the variables anycastdns reads, EnvConfig first.
func EnvVars() []string {
	names := []string{EnvConfig}
	for _, e := range envVars {
		names = append(names, e.name)
	}
	return names
}

// applyEnv sets the keys that environment variables override; getenv reads them. It
// runs after the file is decoded and before the flags are applied.
func (c *Config) applyEnv(getenv func(string) string) error {
	for _, e := range envVars {
		v := getenv(e.name)
		if v == "" {
			continue
		}
		if err := e.set(c, v); err != nil {
			return fmt.Errorf("%s=%q: %v", e.name, v, err)
		}
		c.set[e.key] = e.name
	}
	return nil
}

// envPeers parses the value of ANYCASTDNS_BGP_PEERS: comma-separated ADDRESS@AS, e.g.
// "192.0.2.1@65000,2001:db8::1@65000". The peers replace the configured ones. Each takes
// port, multihop, password, hold-time, keepalive and connect-retry from the first peer
// of the configuration file (so a file can set the timers once for every PoP), or the
// defaults when the file has none; local-address and families are left to their
// defaults (the kernel's choice, and the families of the prefixes).
func (c *Config) envPeers(v string) ([]announce.Peer, error) {
	tmpl := announce.DefaultPeer()
	if len(c.BGP.Peers) > 0 {
		f := c.BGP.Peers[0]
		tmpl.Port, tmpl.MultihopTTL, tmpl.Password = f.Port, f.MultihopTTL, f.Password
		tmpl.HoldTime, tmpl.Keepalive, tmpl.ConnectRetry = f.HoldTime, f.Keepalive, f.ConnectRetry
	}
	var peers []announce.Peer
	for _, item := range SplitList(v) {
		addr, asText, ok := strings.Cut(item, "@")
		if !ok {
			return nil, fmt.Errorf("peer %q: want ADDRESS@AS, e.g. 192.0.2.1@65000", item)
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("peer %q: %q is not an IP address", item, addr)
		}
		as, err := parseAS(asText)
		if err != nil {
			return nil, fmt.Errorf("peer %q: %v", item, err)
		}
		p := tmpl
		p.Address, p.AS = a, as
		peers = append(peers, p)
	}
	return peers, nil
}

// parseAddr parses an IP address given in a variable or a flag.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	return a, nil
}

// parseAS parses an AS number (RFC 6793: four octets; 0 is reserved, RFC 7607).
func parseAS(s string) (uint32, error) {
	as, err := strconv.ParseUint(s, 10, 32)
	if err != nil || as == 0 {
		return 0, fmt.Errorf("%q is not an AS number; want 1 to 4294967295", s)
	}
	return uint32(as), nil
}

// SplitList splits a comma-separated list, trimming spaces and dropping empty items.
func SplitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

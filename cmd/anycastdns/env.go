package main

import (
	"fmt"
	"net/netip"
	"os"
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
	// envConfig names the configuration file when -config is not given.
	envConfig = "ANYCASTDNS_CONFIG"
	// envIdentity replaces identity (flag -identity).
	envIdentity = "ANYCASTDNS_IDENTITY"
	// envListen replaces listen: comma-separated host:port (flag -listen).
	envListen = "ANYCASTDNS_LISTEN"
	// envRouterID replaces bgp.router-id (flag -router-id).
	envRouterID = "ANYCASTDNS_ROUTER_ID"
	// envLocalAS replaces bgp.local-as (flag -local-as).
	envLocalAS = "ANYCASTDNS_LOCAL_AS"
	// envBGPPeers replaces bgp.peers: comma-separated ADDRESS@AS (see envPeers).
	envBGPPeers = "ANYCASTDNS_BGP_PEERS"
	// envLogFormat replaces log.format: console or json.
	envLogFormat = "ANYCASTDNS_LOG_FORMAT"
	// envLogLevel replaces log.level: debug, info, warn or error.
	envLogLevel = "ANYCASTDNS_LOG_LEVEL"
)

// getenv returns the value of the environment variable name ("" when unset).
func (c *command) getenv(name string) string {
	if c.env != nil {
		return c.env(name)
	}
	return os.Getenv(name)
}

// applyEnv sets the keys that environment variables override; getenv reads them. It
// runs after the file is decoded and before the flags are applied.
func (cfg *Config) applyEnv(getenv func(string) string) error {
	if v := getenv(envIdentity); v != "" {
		cfg.Identity = v
		cfg.set["identity"] = envIdentity
	}
	if v := getenv(envListen); v != "" {
		cfg.Listen = splitList(v)
		cfg.set["listen"] = envListen
	}
	if v := getenv(envRouterID); v != "" {
		cfg.BGP.RouterID = v
		cfg.set["bgp.router-id"] = envRouterID
	}
	if v := getenv(envLocalAS); v != "" {
		as, err := parseAS(v)
		if err != nil {
			return fmt.Errorf("%s=%q: %v", envLocalAS, v, err)
		}
		cfg.BGP.LocalAS = as
		cfg.set["bgp.local-as"] = envLocalAS
	}
	if v := getenv(envBGPPeers); v != "" {
		peers, err := cfg.envPeers(v)
		if err != nil {
			return fmt.Errorf("%s=%q: %v", envBGPPeers, v, err)
		}
		cfg.BGP.Peers = peers
		cfg.set["bgp.peers"] = envBGPPeers
	}
	if v := getenv(envLogFormat); v != "" {
		cfg.Log.Format = v
		cfg.set["log.format"] = envLogFormat
	}
	if v := getenv(envLogLevel); v != "" {
		cfg.Log.Level = v
		cfg.set["log.level"] = envLogLevel
	}
	return nil
}

// envPeers parses the value of ANYCASTDNS_BGP_PEERS: comma-separated ADDRESS@AS, e.g.
// "192.0.2.1@65000,2001:db8::1@65000". The peers replace the configured ones. Each takes
// port, multihop, password, hold-time, keepalive and connect-retry from the first peer
// of the configuration file (so a file can set the timers once for every PoP), or the
// defaults when the file has none; local-address and families are left to their
// defaults (the kernel's choice, and the families of the prefixes).
func (cfg *Config) envPeers(v string) ([]PeerConfig, error) {
	tmpl := PeerConfig{
		Port:         defaultBGPPort,
		HoldTime:     announce.DefaultHoldTime,
		Keepalive:    announce.DefaultKeepalive,
		ConnectRetry: announce.DefaultConnectRetry,
	}
	if len(cfg.BGP.Peers) > 0 {
		f := cfg.BGP.Peers[0]
		tmpl.Port, tmpl.Multihop, tmpl.Password = f.Port, f.Multihop, f.Password
		tmpl.HoldTime, tmpl.Keepalive, tmpl.ConnectRetry = f.HoldTime, f.Keepalive, f.ConnectRetry
	}
	var peers []PeerConfig
	for _, item := range splitList(v) {
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
		p.Address, p.AS = a.String(), as
		peers = append(peers, p)
	}
	return peers, nil
}

// parseAS parses an AS number (RFC 6793: four octets; 0 is reserved, RFC 7607).
func parseAS(s string) (uint32, error) {
	as, err := strconv.ParseUint(s, 10, 32)
	if err != nil || as == 0 {
		return 0, fmt.Errorf("%q is not an AS number; want 1 to 4294967295", s)
	}
	return uint32(as), nil
}

// splitList splits a comma-separated list, trimming spaces and dropping empty items.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

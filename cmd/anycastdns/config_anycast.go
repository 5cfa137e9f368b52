package main

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/health"
)

// HealthConfig holds the self-probes that decide whether this node may announce its
// service prefixes (package health).
type HealthConfig struct {
	// Interval is the time between probe rounds. Default 1s.
	Interval time.Duration `yaml:"interval"`
	// Rise is the number of consecutive passing rounds that make a prefix healthy
	// (announced). Default 2.
	Rise int `yaml:"rise"`
	// Fall is the number of consecutive failing rounds that make a healthy prefix
	// unhealthy (withdrawn). Default 3.
	Fall int `yaml:"fall"`
	// Timeout bounds one probe query; at most Interval. Default 500ms, or Interval
	// when the key is left out and Interval is shorter.
	Timeout time.Duration `yaml:"timeout"`
	// TCPEvery makes every TCPEvery-th round probe over TCP too. Default 5.
	TCPEvery int `yaml:"tcp-every"`
	// StallIntervals: a probe loop silent for this many intervals makes the prefix
	// unhealthy. Default 3.
	StallIntervals int `yaml:"stall-intervals"`
	// MaintenanceFile, when set, is a path whose presence drains the node. Default "".
	MaintenanceFile string `yaml:"maintenance-file"`
}

// BGPConfig holds the embedded BGP speaker (package announce). BGP is off when Peers
// is empty.
type BGPConfig struct {
	// LocalAS is this node's AS number. Required when Peers is set; -local-as overrides.
	LocalAS uint32 `yaml:"local-as"`
	// RouterID is the BGP identifier, an IPv4 address. Required when Peers is set;
	// -router-id overrides.
	RouterID string `yaml:"router-id"`
	// ListenPort is the BGP listening port on every address; -1 opens no listener
	// (the speaker only dials). Default -1.
	ListenPort int32 `yaml:"listen-port"`
	// Peers are the routers to dial. Default none: BGP off.
	Peers []PeerConfig `yaml:"peers"`
	// Prefixes are the anycast service prefixes, e.g. 198.51.100.53/32. Each is
	// probed and announced on its own. Default none.
	Prefixes []string `yaml:"prefixes"`
	// Communities are attached to every announcement ("AS:value" or a well-known
	// name such as NO_EXPORT). Default none.
	Communities []string `yaml:"communities"`
	// Prepend is how many extra copies of LocalAS go in the AS path. Default 0.
	Prepend int `yaml:"prepend"`
	// MED is sent as MULTI_EXIT_DISC when not 0. Default 0: not sent.
	MED uint32 `yaml:"med"`
	// NextHopIPv4 and NextHopIPv6 replace next-hop self. Default "": next-hop self.
	NextHopIPv4 string `yaml:"next-hop-ipv4"`
	NextHopIPv6 string `yaml:"next-hop-ipv6"`
	// Drain holds the timing of a drain.
	Drain DrainConfig `yaml:"drain"`
}

// PeerConfig is one BGP neighbour. A key left out takes the default shown.
type PeerConfig struct {
	// Address is the neighbour's address. Required.
	Address string `yaml:"address"`
	// AS is the neighbour's AS number. Required.
	AS uint32 `yaml:"as"`
	// Port is the neighbour's TCP port. Default 179.
	Port int `yaml:"port"`
	// LocalAddress is the session's source address. Default "": the kernel's choice.
	LocalAddress string `yaml:"local-address"`
	// Multihop is the eBGP multihop TTL; 0 means directly connected. Default 0.
	Multihop int `yaml:"multihop"`
	// Password turns on TCP MD5 signatures (RFC 2385). Default "".
	Password string `yaml:"password"`
	// HoldTime is the proposed hold time, whole seconds. Default 9s.
	HoldTime time.Duration `yaml:"hold-time"`
	// Keepalive is the keepalive interval, whole seconds. Default 3s.
	Keepalive time.Duration `yaml:"keepalive"`
	// ConnectRetry is the time between dial attempts, whole seconds. Default 5s.
	ConnectRetry time.Duration `yaml:"connect-retry"`
	// Families are "ipv4-unicast" and/or "ipv6-unicast". Default: the families of
	// the configured prefixes.
	Families []string `yaml:"families"`
}

// DrainConfig times a drain (SIGTERM, maintenance file, admin endpoint).
type DrainConfig struct {
	// Grace is how long prefixes stay announced with GRACEFUL_SHUTDOWN (RFC 8326)
	// before they are withdrawn. Default 5s.
	Grace time.Duration `yaml:"grace"`
	// Linger is how long a stopping node keeps answering after the withdrawal,
	// before it closes its listeners. Default 2s.
	Linger time.Duration `yaml:"linger"`
}

// Defaults of the health and bgp keys, documented in deploy/anycastdns.example.yaml.
const (
	defaultBGPPort     = 179
	defaultDrainGrace  = 5 * time.Second
	defaultDrainLinger = 2 * time.Second
)

// defaultHealth returns the health section's defaults.
func defaultHealth() HealthConfig {
	return HealthConfig{
		Interval:       health.DefaultInterval,
		Rise:           health.DefaultRise,
		Fall:           health.DefaultFall,
		Timeout:        health.DefaultTimeout,
		TCPEvery:       health.DefaultTCPEvery,
		StallIntervals: health.DefaultStallIntervals,
	}
}

// defaultBGP returns the bgp section's defaults: no peers, so BGP is off.
func defaultBGP() BGPConfig {
	return BGPConfig{
		ListenPort: announce.DefaultListenPort,
		Drain:      DrainConfig{Grace: defaultDrainGrace, Linger: defaultDrainLinger},
	}
}

// applyAnycastDefaults fills in, after decoding the file, the defaults of keys left
// out whose default depends on other keys or that sit in list items.
func (c *Config) applyAnycastDefaults() {
	if !c.has("health.timeout") {
		c.Health.Timeout = min(health.DefaultTimeout, c.Health.Interval)
	}
	for i := range c.BGP.Peers {
		p, key := &c.BGP.Peers[i], "bgp.peers["+strconv.Itoa(i)+"]."
		if !c.has(key + "port") {
			p.Port = defaultBGPPort
		}
		if !c.has(key + "hold-time") {
			p.HoldTime = announce.DefaultHoldTime
		}
		if !c.has(key + "keepalive") {
			p.Keepalive = announce.DefaultKeepalive
		}
		if !c.has(key + "connect-retry") {
			p.ConnectRetry = announce.DefaultConnectRetry
		}
	}
	// An empty list and a list left out mean the same here.
	for _, l := range []*[]string{&c.BGP.Prefixes, &c.BGP.Communities} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(c.BGP.Peers) == 0 {
		c.BGP.Peers = nil
	}
}

// has reports whether the configuration file set key.
func (c *Config) has(key string) bool {
	_, ok := c.line[key]
	return ok
}

// overrideRouterID sets the BGP router id given by the -router-id flag.
func (c *Config) overrideRouterID(id string) {
	c.BGP.RouterID = id
	c.set["bgp.router-id"] = "router-id"
}

// overrideLocalAS sets the local AS given by the -local-as flag.
func (c *Config) overrideLocalAS(as uint32) {
	c.BGP.LocalAS = as
	c.set["bgp.local-as"] = "local-as"
}

// bgpOn reports whether the BGP speaker runs: it does when a peer is configured.
func (c *Config) bgpOn() bool { return len(c.BGP.Peers) > 0 }

// prefixes returns the service prefixes; the configuration has been validated.
func (c *Config) prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.BGP.Prefixes))
	for _, s := range c.BGP.Prefixes {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// healthConfig returns the settings of the health monitor.
func (c *Config) healthConfig() health.Config {
	return health.Config{
		Rise:            c.Health.Rise,
		Fall:            c.Health.Fall,
		Interval:        c.Health.Interval,
		StallIntervals:  c.Health.StallIntervals,
		Timeout:         c.Health.Timeout,
		TCPEvery:        c.Health.TCPEvery,
		MaintenanceFile: c.Health.MaintenanceFile,
	}
}

// announceConfig returns the settings of the BGP speaker; the configuration has been
// validated and BGP is on.
func (c *Config) announceConfig() announce.Config {
	b := c.BGP
	ac := announce.Config{
		LocalAS:     b.LocalAS,
		RouterID:    netip.MustParseAddr(b.RouterID),
		ListenPort:  b.ListenPort,
		Prefixes:    c.prefixes(),
		Communities: slices.Clone(b.Communities),
		Prepend:     b.Prepend,
	}
	if b.ListenPort > 0 {
		// GoBGP's own default: every IPv4 and every IPv6 address.
		ac.ListenAddresses = []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	}
	if b.MED != 0 {
		med := b.MED
		ac.MED = &med
	}
	if b.NextHopIPv4 != "" {
		ac.NextHop4 = netip.MustParseAddr(b.NextHopIPv4)
	}
	if b.NextHopIPv6 != "" {
		ac.NextHop6 = netip.MustParseAddr(b.NextHopIPv6)
	}
	for _, p := range b.Peers {
		ap := announce.Peer{
			Address:      netip.MustParseAddr(p.Address),
			AS:           p.AS,
			Port:         uint16(p.Port),
			MultihopTTL:  uint8(p.Multihop),
			Password:     p.Password,
			HoldTime:     p.HoldTime,
			Keepalive:    p.Keepalive,
			ConnectRetry: p.ConnectRetry,
			Families:     slices.Clone(p.Families),
		}
		if p.LocalAddress != "" {
			ap.LocalAddress = netip.MustParseAddr(p.LocalAddress)
		}
		ac.Peers = append(ac.Peers, ap)
	}
	return ac
}

// probeTargets returns the probe targets of every service prefix (see targetAddrs).
// ports[i] is the port bound for Listen[i] (it differs from the configured one only
// for port 0). The configuration has been validated: every prefix has a target.
func (c *Config) probeTargets(ports []int) []health.Target {
	var targets []health.Target
	for _, pfx := range c.prefixes() {
		targets = append(targets, health.Target{Prefix: pfx, Addrs: c.targetAddrs(pfx, ports)})
	}
	return targets
}

// targetAddrs returns the addresses the probes of pfx query: the listen addresses
// inside the prefix; when there are none, the prefix's own address on the port of
// each wildcard listen address of its family ("" counts for both).
func (c *Config) targetAddrs(pfx netip.Prefix, ports []int) []string {
	var addrs []string
	for i, l := range c.Listen {
		host, _, _ := net.SplitHostPort(l)
		if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() && pfx.Contains(a.Unmap()) {
			addrs = appendNew(addrs, net.JoinHostPort(a.Unmap().String(), strconv.Itoa(ports[i])))
		}
	}
	if len(addrs) > 0 {
		return addrs
	}
	for i, l := range c.Listen {
		host, _, _ := net.SplitHostPort(l)
		if wildcardFor(host, pfx.Addr()) {
			addrs = appendNew(addrs, net.JoinHostPort(pfx.Addr().String(), strconv.Itoa(ports[i])))
		}
	}
	return addrs
}

// wildcardFor reports whether a listener on host accepts queries to addr because it
// listens on every address of addr's family: "" (every address), 0.0.0.0 or [::].
func wildcardFor(host string, addr netip.Addr) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.IsUnspecified() {
		return false
	}
	return a.Is4() == addr.Is4()
}

// configuredPorts returns the port of each configured listen address.
func (c *Config) configuredPorts() []int {
	ports := make([]int, len(c.Listen))
	for i, l := range c.Listen {
		_, p, _ := net.SplitHostPort(l)
		ports[i], _ = strconv.Atoi(p)
	}
	return ports
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

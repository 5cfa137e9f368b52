package main

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/anycastdns/anycastdns/announce"
)

// validateHealth checks the health section; bad reports one problem of a key.
func (c *Config) validateHealth(bad func(key, format string, args ...any)) {
	h := c.Health
	if h.Interval <= 0 {
		bad("health.interval", "%v; want a positive duration", h.Interval)
	}
	if h.Rise < 1 {
		bad("health.rise", "%d; want at least 1", h.Rise)
	}
	if h.Fall < 1 {
		bad("health.fall", "%d; want at least 1", h.Fall)
	}
	if h.Timeout <= 0 || (h.Interval > 0 && h.Timeout > h.Interval) {
		bad("health.timeout", "%v; want a positive duration, at most health.interval (%v)", h.Timeout, h.Interval)
	}
	if h.TCPEvery < 1 {
		bad("health.tcp-every", "%d; want at least 1 (1 probes TCP every round)", h.TCPEvery)
	}
	if h.StallIntervals < 1 {
		bad("health.stall-intervals", "%d; want at least 1", h.StallIntervals)
	}
}

// validateBGP checks the bgp section; bad reports one problem of a key.
func (c *Config) validateBGP(bad func(key, format string, args ...any)) {
	b := c.BGP
	if c.bgpOn() {
		if b.LocalAS == 0 {
			bad("bgp.local-as", "missing; bgp.peers needs this node's AS number (or -local-as)")
		}
		if b.RouterID == "" {
			bad("bgp.router-id", "missing; bgp.peers needs a router id, an IPv4 address (or -router-id)")
		}
		if len(b.Prefixes) == 0 {
			bad("bgp.prefixes", "none; bgp.peers needs at least one service prefix to announce")
		}
	}
	if b.RouterID != "" {
		if a, err := netip.ParseAddr(b.RouterID); err != nil || !a.Is4() || a.IsUnspecified() {
			bad("bgp.router-id", "%q; want a non-zero IPv4 address in dotted-quad form, e.g. 192.0.2.1", b.RouterID)
		}
	}
	if b.ListenPort != -1 && (b.ListenPort < 1 || b.ListenPort > 65535) {
		bad("bgp.listen-port", "%d; want -1 (no listener) or 1 to 65535", b.ListenPort)
	}
	c.validatePeers(bad)
	seen := map[netip.Prefix]int{}
	for i, s := range b.Prefixes {
		key := "bgp.prefixes[" + strconv.Itoa(i) + "]"
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			bad(key, "%q is not a prefix; want address/length, e.g. 198.51.100.53/32 or 2001:db8:53::53/128", s)
			continue
		case p != p.Masked():
			bad(key, "%s has host bits set; did you mean %s?", s, p.Masked())
			continue
		}
		if j, dup := seen[p]; dup {
			bad(key, "%s is also bgp.prefixes[%d]", p, j)
			continue
		}
		seen[p] = i
		if !c.hasProbeTarget(p) {
			bad(key, "%s has no probe target: no listen address lies inside it, and no wildcard listen address (0.0.0.0, [::] or empty host) of its family", p)
		}
	}
	for i, s := range b.Communities {
		if _, err := announce.ParseCommunity(s); err != nil {
			bad("bgp.communities["+strconv.Itoa(i)+"]", "%v", err)
		}
	}
	if b.Prepend < 0 || b.Prepend > 16 {
		bad("bgp.prepend", "%d; want 0 to 16", b.Prepend)
	}
	checkAddr(bad, "bgp.next-hop-ipv4", b.NextHopIPv4, 4)
	checkAddr(bad, "bgp.next-hop-ipv6", b.NextHopIPv6, 6)
	c.validateDrain(bad)
}

// validatePeers checks each bgp.peers item as announce would, naming the key.
func (c *Config) validatePeers(bad func(key, format string, args ...any)) {
	seen := map[netip.Addr]int{}
	for i, p := range c.BGP.Peers {
		key := "bgp.peers[" + strconv.Itoa(i) + "]."
		switch a, err := netip.ParseAddr(p.Address); {
		case p.Address == "":
			bad(key+"address", "missing; want the neighbour's IP address")
		case err != nil:
			bad(key+"address", "%q is not an IP address", p.Address)
		default:
			if j, dup := seen[a]; dup {
				bad(key+"address", "%s is also bgp.peers[%d]", a, j)
			}
			seen[a] = i
		}
		if p.AS == 0 {
			bad(key+"as", "missing; want the neighbour's AS number")
		}
		if p.Port < 1 || p.Port > 65535 {
			bad(key+"port", "%d; want 1 to 65535", p.Port)
		}
		checkAddr(bad, key+"local-address", p.LocalAddress, 0)
		if p.Multihop < 0 || p.Multihop > 255 {
			bad(key+"multihop", "%d; want 0 (directly connected) to 255", p.Multihop)
		}
		for name, d := range map[string]time.Duration{"hold-time": p.HoldTime, "keepalive": p.Keepalive, "connect-retry": p.ConnectRetry} {
			if d < time.Second || d%time.Second != 0 {
				bad(key+name, "%v; want whole seconds, at least 1s", d)
			}
		}
		// RFC 4271 4.2: a hold time is zero or at least three seconds, and we
		// always send keepalives well within it.
		if p.HoldTime < 3*time.Second {
			bad(key+"hold-time", "%v; want at least 3s (RFC 4271 4.2)", p.HoldTime)
		}
		if p.Keepalive >= p.HoldTime {
			bad(key+"keepalive", "%v; want less than hold-time %v", p.Keepalive, p.HoldTime)
		}
		for j, f := range p.Families {
			if f != announce.FamilyIPv4 && f != announce.FamilyIPv6 {
				bad(key+"families["+strconv.Itoa(j)+"]", "%q; want %s or %s", f, announce.FamilyIPv4, announce.FamilyIPv6)
			}
		}
	}
}

// hasProbeTarget reports whether some listen address lets the probes reach p.
func (c *Config) hasProbeTarget(p netip.Prefix) bool {
	return len(c.targetAddrs(p, c.configuredPorts())) > 0
}

// checkAddr reports s unless it is "" or an IP address of the family (4, 6, or 0
// for either).
func checkAddr(bad func(key, format string, args ...any), key, s string, family int) {
	if s == "" {
		return
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		bad(key, "%q is not an IP address", s)
	case family == 4 && !a.Is4():
		bad(key, "%s is not an IPv4 address", s)
	case family == 6 && !a.Is6():
		bad(key, "%s is not an IPv6 address", s)
	}
}

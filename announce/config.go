package announce

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults applied by [Config.WithDefaults] to zero-valued fields.
const (
	// DefaultHoldTime is short so that a hung node, which stops sending
	// keepalives, loses its routes within seconds (RFC 4271 4.4).
	DefaultHoldTime = 9 * time.Second
	// DefaultKeepalive is a third of the hold time, as RFC 4271 10 suggests.
	DefaultKeepalive = 3 * time.Second
	// DefaultConnectRetry replaces GoBGP's 120 s, so a router that comes
	// back is redialled quickly.
	DefaultConnectRetry = 5 * time.Second
	// DefaultListenPort -1 opens no BGP listener: the speaker only dials.
	DefaultListenPort = -1
)

// Config describes the speaker. The zero value of every optional field takes
// the default documented on it.
type Config struct {
	// LocalAS is this node's autonomous system number. Required.
	LocalAS uint32
	// RouterID is the BGP identifier, an IPv4 address unique among the
	// router's peers. Required.
	RouterID netip.Addr
	// ListenPort is the BGP listening port; 0 means DefaultListenPort (-1,
	// no listener: dial only). A positive port also needs ListenAddresses.
	ListenPort int32
	// ListenAddresses are the addresses to listen on when ListenPort > 0.
	ListenAddresses []netip.Addr
	// Peers are the routers to dial. Required.
	Peers []Peer
	// Prefixes are the anycast service prefixes (IPv4 and IPv6, usually /32
	// and /128) this node may announce. Required.
	Prefixes []netip.Prefix
	// Communities are attached to every announcement, written as "AS:value"
	// or a well-known name such as "no-export" (RFC 1997). Default: none.
	Communities []string
	// Prepend is how many extra times LocalAS is prepended to the AS path,
	// to make this node a backup. Default 0.
	Prepend int
	// MED, when set, is sent as the MULTI_EXIT_DISC (RFC 4271 5.1.4).
	// Default: not sent.
	MED *uint32
	// NextHop4 and NextHop6, when set, are the next hops sent with IPv4
	// and IPv6 prefixes. Default: next-hop self, the local address of each
	// session. Over an IPv4 session, next-hop self gives IPv6 prefixes an
	// IPv4 next hop; peer IPv6 prefixes over an IPv6 session, or set
	// NextHop6.
	NextHop4, NextHop6 netip.Addr
}

// Peer is one BGP neighbour.
type Peer struct {
	// Address is the neighbour's address. Required.
	Address netip.Addr
	// AS is the neighbour's AS number. Required; equal to LocalAS for iBGP.
	AS uint32
	// Port is the neighbour's TCP port. Default 179.
	Port uint16
	// LocalAddress is the source address of the session. Default: chosen
	// by the kernel.
	LocalAddress netip.Addr
	// MultihopTTL enables eBGP multihop with this TTL. Default 0: off.
	MultihopTTL uint8
	// Password enables the TCP MD5 signature option (RFC 2385). Default:
	// none.
	Password string
	// HoldTime is the proposed hold time, whole seconds. Default 9s.
	HoldTime time.Duration
	// Keepalive is the keepalive interval, whole seconds. Default 3s.
	Keepalive time.Duration
	// ConnectRetry is the time between dial attempts, whole seconds.
	// Default 5s.
	ConnectRetry time.Duration
	// Families are the address families negotiated with this peer,
	// "ipv4-unicast" and/or "ipv6-unicast" (RFC 4760). Default: the
	// families of the configured prefixes.
	Families []string
}

// The address families a Peer may list.
const (
	FamilyIPv4 = "ipv4-unicast"
	FamilyIPv6 = "ipv6-unicast"
)

// WithDefaults returns c with every zero optional field set to its default.
func (c Config) WithDefaults() Config {
	if c.ListenPort == 0 {
		c.ListenPort = DefaultListenPort
	}
	peers := make([]Peer, len(c.Peers))
	for i, p := range c.Peers {
		if p.HoldTime == 0 {
			p.HoldTime = DefaultHoldTime
		}
		if p.Keepalive == 0 {
			p.Keepalive = DefaultKeepalive
		}
		if p.ConnectRetry == 0 {
			p.ConnectRetry = DefaultConnectRetry
		}
		peers[i] = p
	}
	c.Peers = peers
	return c
}

// Validate reports every invalid field of c after defaults are applied.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("announce: "+format, args...)) }
	if c.LocalAS == 0 {
		bad("local AS is required")
	}
	if !c.RouterID.Is4() || c.RouterID.IsUnspecified() {
		bad("router id %v: must be a non-zero IPv4 address", c.RouterID)
	}
	if c.ListenPort > 0 && len(c.ListenAddresses) == 0 {
		bad("listen port %d needs listen addresses", c.ListenPort)
	}
	if len(c.Peers) == 0 {
		bad("at least one peer is required")
	}
	if len(c.Prefixes) == 0 {
		bad("at least one prefix is required")
	}
	seen := make(map[netip.Prefix]bool)
	for _, p := range c.Prefixes {
		if !p.IsValid() || p != p.Masked() {
			bad("prefix %v: must be a valid prefix with no host bits", p)
		}
		if seen[p] {
			bad("prefix %v listed twice", p)
		}
		seen[p] = true
	}
	for _, s := range c.Communities {
		if _, err := ParseCommunity(s); err != nil {
			errs = append(errs, err)
		}
	}
	if c.NextHop4.IsValid() && !c.NextHop4.Is4() {
		bad("next hop for IPv4 %v: must be an IPv4 address", c.NextHop4)
	}
	if c.NextHop6.IsValid() && !c.NextHop6.Is6() {
		bad("next hop for IPv6 %v: must be an IPv6 address", c.NextHop6)
	}
	if c.Prepend < 0 || c.Prepend > 16 {
		bad("prepend %d: must be between 0 and 16", c.Prepend)
	}
	addrs := make(map[netip.Addr]bool)
	for _, p := range c.Peers {
		if !p.Address.IsValid() {
			bad("peer address is required")
		}
		if addrs[p.Address] {
			bad("peer %v listed twice", p.Address)
		}
		addrs[p.Address] = true
		if p.AS == 0 {
			bad("peer %v: AS is required", p.Address)
		}
		for _, f := range p.Families {
			if f != FamilyIPv4 && f != FamilyIPv6 {
				bad("peer %v: family %q: want %q or %q", p.Address, f, FamilyIPv4, FamilyIPv6)
			}
		}
		for name, d := range map[string]time.Duration{"hold time": p.HoldTime, "keepalive": p.Keepalive, "connect retry": p.ConnectRetry} {
			if d < time.Second || d%time.Second != 0 {
				bad("peer %v: %s %v: must be whole seconds, at least 1s", p.Address, name, d)
			}
		}
		// RFC 4271 4.2: a hold time, when not zero, is at least three
		// seconds; keepalives must come well within it.
		if p.HoldTime < 3*time.Second {
			bad("peer %v: hold time %v: must be at least 3s (RFC 4271 4.2)", p.Address, p.HoldTime)
		}
		if p.Keepalive >= p.HoldTime {
			bad("peer %v: keepalive %v must be shorter than the hold time %v", p.Address, p.Keepalive, p.HoldTime)
		}
	}
	return errors.Join(errs...)
}

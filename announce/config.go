package announce

import (
	"net/netip"
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
)

// Defaults applied by [Config.WithDefaults] to zero-valued fields; DefaultConfig and
// DefaultPeer hold them.
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
	// DefaultPort is the neighbour's TCP port, BGP's own (RFC 4271 8.2.1).
	DefaultPort = 179
)

// Config describes the speaker. It is the bgp section of the configuration file
// (deploy/anycastdns.example.yaml), whose yaml tags its fields carry; addresses and
// prefixes are written as text. The zero value of every optional field takes the
// default documented on it (WithDefaults); without Peers, BGP is off.
type Config struct {
	// LocalAS is this node's autonomous system number. Required with Peers.
	LocalAS uint32 `yaml:"local-as"`
	// RouterID is the BGP identifier, an IPv4 address unique among the
	// router's peers. Required with Peers.
	RouterID netip.Addr `yaml:"router-id"`
	// ListenPort is the BGP listening port on ListenAddresses, or -1: no
	// listener, the speaker only dials. Default -1 (0 means the default).
	ListenPort int32 `yaml:"listen-port"`
	// ListenAddresses are the addresses to listen on when ListenPort > 0.
	// Default: every IPv4 and every IPv6 address (GoBGP's own default).
	ListenAddresses []netip.Addr `yaml:"-"`
	// Peers are the routers to dial. Default none: BGP off (New needs one).
	Peers []Peer `yaml:"peers"`
	// Prefixes are the anycast service prefixes (IPv4 and IPv6, usually /32
	// and /128) this node may announce. Required with Peers.
	Prefixes []netip.Prefix `yaml:"prefixes"`
	// Communities are attached to every announcement, written as "AS:value"
	// or a well-known name such as "no-export" (RFC 1997). Default: none.
	Communities []string `yaml:"communities"`
	// Prepend is how many extra times LocalAS is prepended to the AS path,
	// to make this node a backup. 0 to 16. Default 0.
	Prepend int `yaml:"prepend"`
	// MED, when set, is sent as the MULTI_EXIT_DISC (RFC 4271 5.1.4).
	// Default: not sent. (The configuration file's med: 0 means not sent.)
	MED *uint32 `yaml:"med"`
	// NextHop4 and NextHop6, when set, are the next hops sent with IPv4
	// and IPv6 prefixes. Default: next-hop self, the local address of each
	// session. Over an IPv4 session, next-hop self gives IPv6 prefixes an
	// IPv4 next hop; peer IPv6 prefixes over an IPv6 session, or set
	// NextHop6.
	NextHop4 netip.Addr `yaml:"next-hop-ipv4"`
	NextHop6 netip.Addr `yaml:"next-hop-ipv6"`
}

// Peer is one BGP neighbour, an item of the configuration file's bgp.peers.
type Peer struct {
	// Address is the neighbour's address. Required.
	Address netip.Addr `yaml:"address"`
	// AS is the neighbour's AS number. Required; equal to LocalAS for iBGP.
	AS uint32 `yaml:"as"`
	// Port is the neighbour's TCP port. Default 179.
	Port uint16 `yaml:"port"`
	// LocalAddress is the source address of the session. Default: chosen
	// by the kernel.
	LocalAddress netip.Addr `yaml:"local-address"`
	// MultihopTTL enables eBGP multihop with this TTL. Default 0: off
	// (directly connected).
	MultihopTTL uint8 `yaml:"multihop"`
	// Password enables the TCP MD5 signature option (RFC 2385). Default:
	// none.
	Password string `yaml:"password"`
	// HoldTime is the proposed hold time, whole seconds. Default 9s.
	HoldTime time.Duration `yaml:"hold-time"`
	// Keepalive is the keepalive interval, whole seconds. Default 3s.
	Keepalive time.Duration `yaml:"keepalive"`
	// ConnectRetry is the time between dial attempts, whole seconds.
	// Default 5s.
	ConnectRetry time.Duration `yaml:"connect-retry"`
	// Families are the address families negotiated with this peer,
	// "ipv4-unicast" and/or "ipv6-unicast" (RFC 4760). Default: the
	// families of the configured prefixes.
	Families []string `yaml:"families"`
}

// The address families a Peer may list.
const (
	FamilyIPv4 = "ipv4-unicast"
	FamilyIPv6 = "ipv6-unicast"
)

// DefaultConfig returns the configuration with every field at its default: no
// peers, so BGP is off.
func DefaultConfig() Config { return Config{ListenPort: DefaultListenPort} }

// DefaultPeer returns a peer with every optional field at its default and no
// address or AS.
func DefaultPeer() Peer {
	return Peer{Port: DefaultPort, HoldTime: DefaultHoldTime, Keepalive: DefaultKeepalive, ConnectRetry: DefaultConnectRetry}
}

// Enabled reports whether the speaker runs: it does when a peer is configured.
func (c Config) Enabled() bool { return len(c.Peers) > 0 }

// WithDefaults returns c with every zero optional field set to its default.
func (c Config) WithDefaults() Config {
	if c.ListenPort == 0 {
		c.ListenPort = DefaultListenPort
	}
	if c.ListenPort > 0 && len(c.ListenAddresses) == 0 {
		c.ListenAddresses = []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	}
	peers := make([]Peer, len(c.Peers))
	for i, p := range c.Peers {
		d := DefaultPeer()
		if p.Port == 0 {
			p.Port = d.Port
		}
		if p.HoldTime == 0 {
			p.HoldTime = d.HoldTime
		}
		if p.Keepalive == 0 {
			p.Keepalive = d.Keepalive
		}
		if p.ConnectRetry == 0 {
			p.ConnectRetry = d.ConnectRetry
		}
		peers[i] = p
	}
	c.Peers = peers
	return c
}

// Validate reports every invalid field of c, naming its key in the bgp section
// ("peers[0].hold-time"); it applies no defaults (New applies them first). Without
// peers (BGP off) the fields that are set are still checked.
func (c Config) Validate() error {
	var errs field.Errors
	if c.Enabled() {
		if c.LocalAS == 0 {
			errs.Add("local-as", "missing; %s needs this node's AS number (or -local-as)", field.Key("peers"))
		}
		if !c.RouterID.IsValid() {
			errs.Add("router-id", "missing; %s needs a router id, an IPv4 address (or -router-id)", field.Key("peers"))
		}
		if len(c.Prefixes) == 0 {
			errs.Add("prefixes", "none; %s needs at least one service prefix to announce", field.Key("peers"))
		}
	}
	// RFC 4271 4.2: the BGP Identifier is a 4-octet unsigned, non-zero integer.
	if c.RouterID.IsValid() && (!c.RouterID.Is4() || c.RouterID.IsUnspecified()) {
		errs.Add("router-id", "%q; want a non-zero IPv4 address in dotted-quad form, e.g. 192.0.2.1", c.RouterID.String())
	}
	if c.ListenPort != -1 && (c.ListenPort < 1 || c.ListenPort > 65535) {
		errs.Add("listen-port", "%d; want -1 (no listener) or 1 to 65535", c.ListenPort)
	}
	c.validatePeers(&errs)
	c.validatePrefixes(&errs)
	for i, s := range c.Communities {
		if _, err := ParseCommunity(s); err != nil {
			errs.Add(field.Index("communities", i), "%v", err)
		}
	}
	if c.Prepend < 0 || c.Prepend > 16 {
		errs.Add("prepend", "%d; want 0 to 16", c.Prepend)
	}
	if c.NextHop4.IsValid() && !c.NextHop4.Is4() {
		errs.Add("next-hop-ipv4", "%s is not an IPv4 address", c.NextHop4)
	}
	if c.NextHop6.IsValid() && !c.NextHop6.Is6() {
		errs.Add("next-hop-ipv6", "%s is not an IPv6 address", c.NextHop6)
	}
	return errs.Err()
}

// validatePrefixes checks each prefix: valid, without host bits, listed once.
func (c Config) validatePrefixes(errs *field.Errors) {
	seen := map[netip.Prefix]int{}
	for i, p := range c.Prefixes {
		key := field.Index("prefixes", i)
		switch {
		case !p.IsValid():
			errs.Add(key, "%q is not a prefix; want address/length, e.g. 198.51.100.53/32 or 2001:db8:53::53/128", "")
			continue
		case p != p.Masked():
			errs.Add(key, "%s has host bits set; did you mean %s?", p, p.Masked())
			continue
		}
		if j, dup := seen[p]; dup {
			errs.Add(key, "%s is also %s", p, field.Index("prefixes", j))
			continue
		}
		seen[p] = i
	}
}

// validatePeers checks each peer.
func (c Config) validatePeers(errs *field.Errors) {
	seen := map[netip.Addr]int{}
	for i, p := range c.Peers {
		key := field.Index("peers", i)
		at := func(name field.Key) field.Key { return field.Join(key, name) }
		if !p.Address.IsValid() {
			errs.Add(at("address"), "missing; want the neighbour's IP address")
		} else {
			if j, dup := seen[p.Address]; dup {
				errs.Add(at("address"), "%s is also %s", p.Address, field.Index("peers", j))
			}
			seen[p.Address] = i
		}
		if p.AS == 0 {
			errs.Add(at("as"), "missing; want the neighbour's AS number")
		}
		if p.Port == 0 {
			errs.Add(at("port"), "%d; want 1 to 65535", p.Port)
		}
		for _, t := range []struct {
			key field.Key
			d   time.Duration
		}{{"hold-time", p.HoldTime}, {"keepalive", p.Keepalive}, {"connect-retry", p.ConnectRetry}} {
			if t.d < time.Second || t.d%time.Second != 0 {
				errs.Add(at(t.key), "%v; want whole seconds, at least 1s", t.d)
			}
		}
		// RFC 4271 4.2: a hold time is zero or at least three seconds; zero (no
		// keepalives) is refused, and keepalives must come well within it.
		if p.HoldTime < 3*time.Second {
			errs.Add(at("hold-time"), "%v; want at least 3s (RFC 4271 4.2)", p.HoldTime)
		}
		if p.Keepalive >= p.HoldTime {
			errs.Add(at("keepalive"), "%v; want less than hold-time %v", p.Keepalive, p.HoldTime)
		}
		for j, f := range p.Families {
			if f != FamilyIPv4 && f != FamilyIPv6 {
				errs.Add(field.Join(key, field.Index("families", j)), "%q; want %s or %s", f, FamilyIPv4, FamilyIPv6)
			}
		}
	}
}

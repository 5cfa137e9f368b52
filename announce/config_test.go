package announce

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
)

func validConfig() Config {
	return Config{
		LocalAS:  65001,
		RouterID: netip.MustParseAddr("10.0.0.2"),
		Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32"), netip.MustParsePrefix("2001:db8::53/128")},
		Peers:    []Peer{{Address: netip.MustParseAddr("10.0.0.1"), AS: 65000}},
	}
}

func TestConfigDefaults(t *testing.T) {
	c := validConfig().WithDefaults()
	if c.ListenPort != -1 {
		t.Errorf("listen port: got %d, want -1 (dial only)", c.ListenPort)
	}
	p := c.Peers[0]
	if p.Port != 179 || p.HoldTime != 9*time.Second || p.Keepalive != 3*time.Second || p.ConnectRetry != 5*time.Second {
		t.Errorf("peer timers: got hold %v keepalive %v retry %v, want 9s 3s 5s", p.HoldTime, p.Keepalive, p.ConnectRetry)
	}
	if err := validConfig().WithDefaults().Validate(); err != nil {
		t.Errorf("valid config: got %v, want nil", err)
	}
	if d := DefaultPeer(); d.Port != 179 || d.HoldTime != p.HoldTime || d.Keepalive != p.Keepalive || d.ConnectRetry != p.ConnectRetry {
		t.Errorf("DefaultPeer: got %+v, want port 179 and the timers %+v", d, p)
	}
	if d := DefaultConfig(); d.ListenPort != -1 || d.Enabled() || d.Validate() != nil {
		t.Errorf("DefaultConfig: got %+v (valid: %v), want listen port -1, BGP off, valid", d, d.Validate())
	}
	// A listen port without addresses listens on every address, as GoBGP would.
	lc := validConfig()
	lc.ListenPort = 179
	if got := lc.WithDefaults().ListenAddresses; len(got) != 2 || got[0] != netip.IPv4Unspecified() || got[1] != netip.IPv6Unspecified() {
		t.Errorf("listen addresses for port 179: got %v, want 0.0.0.0 and ::", got)
	}
	// Without peers BGP is off: the configuration is valid, but a speaker needs one.
	off := validConfig()
	off.Peers = nil
	if err := off.WithDefaults().Validate(); err != nil {
		t.Errorf("no peers: got %v, want a valid configuration", err)
	}
	if _, err := New(off, Options{}); err == nil || !strings.Contains(err.Error(), "at least one peer is required") {
		t.Errorf("New without peers: got %v, want at least one peer is required", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no local AS", func(c *Config) { c.LocalAS = 0 }, "local-as: missing; peers needs"},
		{"IPv6 router id", func(c *Config) { c.RouterID = netip.MustParseAddr("::1") }, `router-id: "::1"; want a non-zero IPv4 address`},
		{"no router id", func(c *Config) { c.RouterID = netip.Addr{} }, "router-id: missing"},
		{"no prefixes", func(c *Config) { c.Prefixes = nil }, "prefixes: none; peers needs"},
		{"host bits", func(c *Config) { c.Prefixes = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")} }, "prefixes[0]: 192.0.2.1/24 has host bits set; did you mean 192.0.2.0/24?"},
		{"duplicate prefix", func(c *Config) { c.Prefixes = append(c.Prefixes, c.Prefixes[0]) }, "prefixes[2]: 192.0.2.53/32 is also prefixes[0]"},
		{"bad community", func(c *Config) { c.Communities = []string{"65536:1"} }, "communities[0]:"},
		{"negative prepend", func(c *Config) { c.Prepend = -1 }, "prepend: -1; want 0 to 16"},
		{"huge prepend", func(c *Config) { c.Prepend = 17 }, "prepend: 17"},
		{"v6 next hop for v4", func(c *Config) { c.NextHop4 = netip.MustParseAddr("2001:db8::1") }, "next-hop-ipv4: 2001:db8::1 is not an IPv4 address"},
		{"v4 next hop for v6", func(c *Config) { c.NextHop6 = netip.MustParseAddr("192.0.2.1") }, "next-hop-ipv6: 192.0.2.1 is not an IPv6 address"},
		{"peer without address", func(c *Config) { c.Peers[0].Address = netip.Addr{} }, "peers[0].address: missing"},
		{"duplicate peer", func(c *Config) { c.Peers = append(c.Peers, c.Peers[0]) }, "peers[1].address: 10.0.0.1 is also peers[0]"},
		{"peer without AS", func(c *Config) { c.Peers[0].AS = 0 }, "peers[0].as: missing"},
		{"fractional hold", func(c *Config) { c.Peers[0].HoldTime = 1500 * time.Millisecond }, "peers[0].hold-time: 1.5s; want whole seconds"},
		{"short hold", func(c *Config) { c.Peers[0].HoldTime = 2 * time.Second; c.Peers[0].Keepalive = time.Second }, "peers[0].hold-time: 2s; want at least 3s (RFC 4271 4.2)"},
		{"keepalive not below hold", func(c *Config) { c.Peers[0].HoldTime = 3 * time.Second; c.Peers[0].Keepalive = 3 * time.Second }, "peers[0].keepalive: 3s; want less than hold-time 3s"},
		{"bad family", func(c *Config) { c.Peers[0].Families = []string{"l2vpn-evpn"} }, `peers[0].families[0]: "l2vpn-evpn"; want ipv4-unicast or ipv6-unicast`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			c.Peers = append([]Peer(nil), c.Peers...)
			tt.change(&c)
			err := c.WithDefaults().Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if _, err := New(c, Options{}); err == nil {
				t.Error("New: got nil error, want the validation error")
			}
		})
	}
}

func TestAPIPeer(t *testing.T) {
	c := validConfig()
	c.Peers[0] = Peer{
		Address: netip.MustParseAddr("10.0.0.1"), AS: 65000, Port: 1179,
		LocalAddress: netip.MustParseAddr("10.0.0.2"), MultihopTTL: 2, Password: "s3cret",
	}
	s := &Speaker{cfg: c.WithDefaults()}
	ap := s.apiPeer(s.cfg.Peers[0])
	if ap.Conf.NeighborAddress != "10.0.0.1" || ap.Conf.PeerAsn != 65000 || ap.Conf.LocalAsn != 65001 || ap.Conf.AuthPassword != "s3cret" {
		t.Errorf("conf: got %+v", ap.Conf)
	}
	if ap.Transport.RemotePort != 1179 || ap.Transport.LocalAddress != "10.0.0.2" || ap.Transport.PassiveMode {
		t.Errorf("transport: got %+v, want port 1179 from 10.0.0.2, active", ap.Transport)
	}
	if tc := ap.Timers.Config; tc.HoldTime != 9 || tc.KeepaliveInterval != 3 || tc.ConnectRetry != 5 {
		t.Errorf("timers: got %+v, want 9/3/5", tc)
	}
	if ap.EbgpMultihop == nil || !ap.EbgpMultihop.Enabled || ap.EbgpMultihop.MultihopTtl != 2 {
		t.Errorf("multihop: got %+v, want enabled TTL 2", ap.EbgpMultihop)
	}
	var fams []api.Family_Afi
	for _, a := range ap.AfiSafis {
		fams = append(fams, a.Config.Family.Afi)
	}
	if len(fams) != 2 || fams[0] != api.Family_AFI_IP || fams[1] != api.Family_AFI_IP6 {
		t.Errorf("families: got %v, want IPv4 and IPv6 from the prefixes", fams)
	}
	plain := s.apiPeer(Peer{Address: netip.MustParseAddr("10.0.0.9"), AS: 65000, Families: []string{FamilyIPv6}})
	if plain.EbgpMultihop != nil || plain.Transport.LocalAddress != "" || len(plain.AfiSafis) != 1 || plain.AfiSafis[0].Config.Family.Afi != api.Family_AFI_IP6 {
		t.Errorf("plain peer: got multihop %+v local %q families %v, want none, none, IPv6 only", plain.EbgpMultihop, plain.Transport.LocalAddress, plain.AfiSafis)
	}
}

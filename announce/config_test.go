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
	if p.HoldTime != 9*time.Second || p.Keepalive != 3*time.Second || p.ConnectRetry != 5*time.Second {
		t.Errorf("peer timers: got hold %v keepalive %v retry %v, want 9s 3s 5s", p.HoldTime, p.Keepalive, p.ConnectRetry)
	}
	if err := validConfig().Validate(); err != nil {
		t.Errorf("valid config: got %v, want nil", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no local AS", func(c *Config) { c.LocalAS = 0 }, "local AS"},
		{"IPv6 router id", func(c *Config) { c.RouterID = netip.MustParseAddr("::1") }, "router id"},
		{"no router id", func(c *Config) { c.RouterID = netip.Addr{} }, "router id"},
		{"listen without address", func(c *Config) { c.ListenPort = 179 }, "listen addresses"},
		{"no peers", func(c *Config) { c.Peers = nil }, "peer is required"},
		{"no prefixes", func(c *Config) { c.Prefixes = nil }, "prefix is required"},
		{"host bits", func(c *Config) { c.Prefixes = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")} }, "host bits"},
		{"duplicate prefix", func(c *Config) { c.Prefixes = append(c.Prefixes, c.Prefixes[0]) }, "twice"},
		{"bad community", func(c *Config) { c.Communities = []string{"65536:1"} }, "community"},
		{"negative prepend", func(c *Config) { c.Prepend = -1 }, "prepend"},
		{"huge prepend", func(c *Config) { c.Prepend = 17 }, "prepend"},
		{"v6 next hop for v4", func(c *Config) { c.NextHop4 = netip.MustParseAddr("2001:db8::1") }, "next hop for IPv4"},
		{"v4 next hop for v6", func(c *Config) { c.NextHop6 = netip.MustParseAddr("192.0.2.1") }, "next hop for IPv6"},
		{"peer without address", func(c *Config) { c.Peers[0].Address = netip.Addr{} }, "peer address"},
		{"duplicate peer", func(c *Config) { c.Peers = append(c.Peers, c.Peers[0]) }, "twice"},
		{"peer without AS", func(c *Config) { c.Peers[0].AS = 0 }, "AS is required"},
		{"fractional hold", func(c *Config) { c.Peers[0].HoldTime = 1500 * time.Millisecond }, "whole seconds"},
		{"short hold", func(c *Config) { c.Peers[0].HoldTime = 2 * time.Second; c.Peers[0].Keepalive = time.Second }, "at least 3s"},
		{"keepalive not below hold", func(c *Config) { c.Peers[0].HoldTime = 3 * time.Second; c.Peers[0].Keepalive = 3 * time.Second }, "shorter than the hold"},
		{"bad family", func(c *Config) { c.Peers[0].Families = []string{"l2vpn-evpn"} }, "family"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			c.Peers = append([]Peer(nil), c.Peers...)
			tt.change(&c)
			err := c.Validate()
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

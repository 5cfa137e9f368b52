package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/anycast"
	"github.com/anycastdns/anycastdns/health"
)

func TestAnycastDefaults(t *testing.T) {
	c := Default(testVersion)
	checks := []struct {
		name      string
		got, want any
	}{
		{"health", c.Health, health.Config{Rise: 2, Fall: 3, Interval: time.Second, StallIntervals: 3, Timeout: 500 * time.Millisecond, TCPEvery: 5}},
		{"bgp off", c.BGP.Enabled(), false},
		{"bgp.listen-port", c.BGP.ListenPort, int32(-1)},
		{"bgp.drain.grace", c.BGP.Drain.Grace, 5 * time.Second},
		{"bgp.drain.linger", c.BGP.Drain.Linger, 2 * time.Second},
		{"bgp.prefixes", c.BGP.Prefixes, []netip.Prefix(nil)},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseAnycastConfig(t *testing.T) {
	c, err := Parse([]byte(`
listen: ["192.0.2.53:53", "[2001:db8::53]:53", "127.0.0.1:5300"]
health:
  interval: 200ms
  rise: 3
  fall: 4
  tcp-every: 1
  stall-intervals: 5
  maintenance-file: /run/anycastdns/maintenance
bgp:
  local-as: 65001
  router-id: 10.0.0.2
  listen-port: 1790
  peers:
    - address: 10.0.0.1
      as: 65000
    - {address: "2001:db8::1", as: 65000, port: 1179, local-address: "2001:db8::2", multihop: 2,
       password: s3cret, hold-time: 6s, keepalive: 2s, connect-retry: 1s, families: [ipv6-unicast]}
  prefixes: [192.0.2.53/32, "2001:db8::53/128"]
  communities: [NO_EXPORT, "65001:53"]
  prepend: 2
  med: 50
  next-hop-ipv4: 10.0.0.2
  next-hop-ipv6: "2001:db8::2"
  drain: {grace: 1s, linger: 500ms}
`), "c.yaml", testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// health.timeout left out with an interval below 500ms: the interval.
	wantHealth := health.Config{Rise: 3, Fall: 4, Interval: 200 * time.Millisecond, StallIntervals: 5,
		Timeout: 200 * time.Millisecond, TCPEvery: 1, MaintenanceFile: "/run/anycastdns/maintenance"}
	if got := c.Health; got != wantHealth {
		t.Errorf("health: got %+v, want %+v", got, wantHealth)
	}
	med := uint32(50)
	wantBGP := announce.Config{
		LocalAS: 65001, RouterID: netip.MustParseAddr("10.0.0.2"), ListenPort: 1790,
		ListenAddresses: []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()},
		Prefixes:        []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32"), netip.MustParsePrefix("2001:db8::53/128")},
		Communities:     []string{"NO_EXPORT", "65001:53"},
		Prepend:         2, MED: &med,
		NextHop4: netip.MustParseAddr("10.0.0.2"), NextHop6: netip.MustParseAddr("2001:db8::2"),
		Peers: []announce.Peer{
			// Keys left out take their defaults: port 179, 9s, 3s, 5s.
			{Address: netip.MustParseAddr("10.0.0.1"), AS: 65000, Port: 179,
				HoldTime: 9 * time.Second, Keepalive: 3 * time.Second, ConnectRetry: 5 * time.Second},
			{Address: netip.MustParseAddr("2001:db8::1"), AS: 65000, Port: 1179, LocalAddress: netip.MustParseAddr("2001:db8::2"),
				MultihopTTL: 2, Password: "s3cret", HoldTime: 6 * time.Second, Keepalive: 2 * time.Second,
				ConnectRetry: time.Second, Families: []string{"ipv6-unicast"}},
		},
	}
	// The speaker gets the section as decoded; its defaults add the listen addresses.
	if got := c.BGP.Config.WithDefaults(); !reflect.DeepEqual(got, wantBGP) {
		t.Errorf("bgp:\n got %+v\nwant %+v", got, wantBGP)
	}
	if _, err := announce.New(c.BGP.Config, announce.Options{}); err != nil {
		t.Errorf("announce rejects the configuration the node accepted: %v", err)
	}
	if got := c.BGP.Drain; got != (anycast.Config{Grace: time.Second, Linger: 500 * time.Millisecond}) {
		t.Errorf("bgp.drain: got %+v, want 1s and 500ms", got)
	}
}

// Each bad health or bgp value fails, naming file:line and the key.
func TestAnycastConfigErrors(t *testing.T) {
	const peer = "bgp:\n  local-as: 65001\n  router-id: 10.0.0.2\n  prefixes: [127.0.0.1/32]\n  peers:\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key in health", "health:\n  raise: 2\n", []string{`c.yaml:2: unknown key "health.raise"; known keys in health: interval, rise, fall`}},
		{"unknown key in bgp", "bgp:\n  neighbors: []\n", []string{`c.yaml:2: unknown key "bgp.neighbors"; known keys in bgp: local-as, router-id`}},
		{"unknown key in a peer", peer + "    - address: 10.0.0.1\n      as: 65000\n      remote-as: 1\n", []string{`c.yaml:8: unknown key "bgp.peers[0].remote-as"`}},
		{"unknown key in drain", "bgp:\n  drain:\n    wait: 1s\n", []string{`c.yaml:3: unknown key "bgp.drain.wait"; known keys in bgp.drain: grace, linger`}},
		{"rise 0", "health:\n  rise: 0\n", []string{"c.yaml:2: health.rise: 0; want at least 1"}},
		{"fall negative", "health: {fall: -1}\n", []string{"c.yaml:1: health.fall: -1"}},
		{"interval 0", "health:\n  interval: 0s\n", []string{"c.yaml:2: health.interval: 0s; want a positive duration"}},
		{"timeout above interval", "health:\n  interval: 1s\n  timeout: 2s\n", []string{"c.yaml:3: health.timeout: 2s; want a positive duration, at most health.interval (1s)"}},
		{"tcp-every 0", "health:\n  tcp-every: 0\n", []string{"c.yaml:2: health.tcp-every: 0"}},
		{"stall-intervals 0", "health:\n  stall-intervals: 0\n", []string{"c.yaml:2: health.stall-intervals: 0"}},
		{"interval without unit", "health:\n  interval: 100\n", []string{"c.yaml:2: health.interval:", "want a duration"}},
		{"peers without local-as and router-id", "bgp:\n  prefixes: [127.0.0.1/32]\n  peers:\n    - {address: 10.0.0.1, as: 65000}\n",
			[]string{"c.yaml:1: bgp.local-as: missing; bgp.peers needs", "c.yaml:1: bgp.router-id: missing"}},
		{"peers without prefixes", "bgp:\n  local-as: 1\n  router-id: 10.0.0.2\n  peers:\n    - {address: 10.0.0.1, as: 65000}\n",
			[]string{"c.yaml:1: bgp.prefixes: none"}},
		{"router-id IPv6", "bgp:\n  router-id: \"2001:db8::1\"\n", []string{`c.yaml:2: bgp.router-id: "2001:db8::1"; want a non-zero IPv4 address`}},
		{"router-id zero", "bgp:\n  router-id: 0.0.0.0\n", []string{`c.yaml:2: bgp.router-id: "0.0.0.0"`}},
		{"local-as negative", "bgp:\n  local-as: -1\n", []string{"c.yaml:2: bgp.local-as:"}},
		{"listen-port 0", "bgp:\n  listen-port: 0\n", []string{"c.yaml:2: bgp.listen-port: 0; want -1 (no listener) or 1 to 65535"}},
		{"bad prefix", "bgp:\n  prefixes:\n    - 127.0.0.1\n", []string{`c.yaml:3: bgp.prefixes[0]: "127.0.0.1" is not a prefix`}},
		{"prefix with host bits", "bgp:\n  prefixes:\n    - 127.0.0.1/8\n", []string{"c.yaml:3: bgp.prefixes[0]: 127.0.0.1/8 has host bits set; did you mean 127.0.0.0/8?"}},
		{"prefix twice", "bgp:\n  prefixes:\n    - 127.0.0.1/32\n    - 127.0.0.1/32\n", []string{"c.yaml:4: bgp.prefixes[1]: 127.0.0.1/32 is also bgp.prefixes[0]"}},
		{"prefix without probe target", "bgp:\n  prefixes:\n    - 127.0.0.1/32\n    - 192.0.2.53/32\n",
			[]string{"c.yaml:4: bgp.prefixes[1]: 192.0.2.53/32 has no probe target"}},
		{"IPv6 prefix, IPv4 wildcard only", "listen: [\"0.0.0.0:53\"]\nbgp:\n  prefixes: [\"2001:db8::53/128\"]\n",
			[]string{"c.yaml:3: bgp.prefixes[0]: 2001:db8::53/128 has no probe target"}},
		{"bad community", "bgp:\n  communities: [NO_EXPORT, \"70000:1\"]\n", []string{"c.yaml:2: bgp.communities[1]:", "70000:1"}},
		{"prepend too many", "bgp:\n  prepend: 17\n", []string{"c.yaml:2: bgp.prepend: 17; want 0 to 16"}},
		{"next-hop-ipv4 of the wrong family", "bgp:\n  next-hop-ipv4: \"2001:db8::1\"\n", []string{"c.yaml:2: bgp.next-hop-ipv4: 2001:db8::1 is not an IPv4 address"}},
		{"next-hop-ipv6 not an address", "bgp:\n  next-hop-ipv6: router\n", []string{`c.yaml:2: bgp.next-hop-ipv6: "router" is not an IP address`}},
		{"negative grace", "bgp:\n  drain:\n    grace: -1s\n", []string{"c.yaml:3: bgp.drain.grace: -1s"}},
		{"negative linger", "bgp:\n  drain: {linger: -2s}\n", []string{"c.yaml:2: bgp.drain.linger: -2s"}},
		{"peer without address", peer + "    - as: 65000\n", []string{"c.yaml:6: bgp.peers[0].address: missing"}},
		{"peer address not an IP", peer + "    - address: router1\n      as: 65000\n", []string{`c.yaml:6: bgp.peers[0].address: "router1" is not an IP address`}},
		{"peer twice", peer + "    - {address: 10.0.0.1, as: 65000}\n    - {address: 10.0.0.1, as: 65000}\n", []string{"c.yaml:7: bgp.peers[1].address: 10.0.0.1 is also bgp.peers[0]"}},
		{"peer without as", peer + "    - address: 10.0.0.1\n", []string{"c.yaml:6: bgp.peers[0].as: missing"}},
		{"peer port 0", peer + "    - address: 10.0.0.1\n      as: 65000\n      port: 0\n", []string{"c.yaml:8: bgp.peers[0].port: 0; want 1 to 65535"}},
		{"peer multihop too large", peer + "    - {address: 10.0.0.1, as: 65000, multihop: 256}\n", []string{"c.yaml:6: bgp.peers[0].multihop: 256"}},
		{"peer local-address bad", peer + "    - {address: 10.0.0.1, as: 65000, local-address: me}\n", []string{`c.yaml:6: bgp.peers[0].local-address: "me" is not an IP address`}},
		{"hold time too short", peer + "    - address: 10.0.0.1\n      as: 65000\n      hold-time: 2s\n      keepalive: 1s\n", []string{"c.yaml:8: bgp.peers[0].hold-time: 2s; want at least 3s (RFC 4271 4.2)"}},
		{"hold time not whole seconds", peer + "    - address: 10.0.0.1\n      as: 65000\n      hold-time: 3500ms\n", []string{"c.yaml:8: bgp.peers[0].hold-time: 3.5s; want whole seconds"}},
		{"keepalive not below hold time", peer + "    - address: 10.0.0.1\n      as: 65000\n      keepalive: 9s\n", []string{"c.yaml:8: bgp.peers[0].keepalive: 9s; want less than hold-time 9s"}},
		{"connect-retry 0", peer + "    - address: 10.0.0.1\n      as: 65000\n      connect-retry: 0s\n", []string{"c.yaml:8: bgp.peers[0].connect-retry: 0s"}},
		{"bad family", peer + "    - address: 10.0.0.1\n      as: 65000\n      families: [ipv4-multicast]\n", []string{`c.yaml:8: bgp.peers[0].families[0]: "ipv4-multicast"; want ipv4-unicast or ipv6-unicast`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Every test listens on 127.0.0.1, added last so that line numbers hold.
			yaml := tc.yaml
			if !strings.HasPrefix(yaml, "listen:") {
				yaml += "listen: [\"127.0.0.1:53\"]\n"
			}
			wantConfigError(t, yaml, tc.want)
		})
	}
}

// -router-id and -local-as complete (or replace) the file's bgp keys, per PoP.
func TestBGPFlagOverrides(t *testing.T) {
	path := writeFile(t, t.TempDir(), "c.yaml", `listen: ["127.0.0.1:53"]
bgp:
  local-as: 64999
  peers: [{address: 10.0.0.1, as: 65000}]
  prefixes: [127.0.0.1/32]
`)
	if _, err := Load(Sources{File: path}); err == nil || !strings.Contains(err.Error(), "bgp.router-id: missing") {
		t.Errorf("no -router-id: got %v, want bgp.router-id missing", err)
	}
	cfg, err := Load(Sources{File: path, Flags: Flags{RouterID: "10.0.0.7", LocalAS: 65007}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BGP.RouterID != netip.MustParseAddr("10.0.0.7") || cfg.BGP.LocalAS != 65007 {
		t.Errorf("flags: got router id %v, local AS %d, want 10.0.0.7 and 65007", cfg.BGP.RouterID, cfg.BGP.LocalAS)
	}
	tests := []struct {
		name  string
		flags Flags
		want  string
	}{
		{"router id not IPv4", Flags{RouterID: "2001:db8::7"}, `flag -router-id: bgp.router-id: "2001:db8::7"`},
		{"router id not an address", Flags{RouterID: "router7"}, `flag -router-id: bgp.router-id: "router7" is not an IP address`},
	}
	for _, tc := range tests {
		_, err := Load(Sources{File: path, Flags: tc.flags})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/server"
)

// envTestConfig is a file with every key the environment variables override.
const envTestConfig = `identity: file-id
listen: ["192.0.2.53:53", "[2001:db8:53::53]:53"]
log: {format: console, level: info}
bgp:
  local-as: 65001
  router-id: 192.0.2.10
  peers:
    - address: 192.0.2.1
      as: 65000
      port: 1179
      multihop: 2
      password: secret
      hold-time: 6s
      keepalive: 2s
      connect-retry: 1s
      local-address: 192.0.2.10
      families: [ipv4-unicast]
  prefixes: [192.0.2.53/32, "2001:db8:53::53/128"]
`

// writeEnvConfig writes envTestConfig (or body) into a temporary folder.
func writeEnvConfig(t *testing.T, body string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "anycastdns.yaml", body)
}

// mapEnv returns a getenv that reads m.
func mapEnv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

func TestEnvOverrides(t *testing.T) {
	file := writeEnvConfig(t, envTestConfig)
	// The peer every ANYCASTDNS_BGP_PEERS entry starts from: the file's first peer
	// without its address, AS, local address and families.
	fromFile := announce.Peer{Port: 1179, MultihopTTL: 2, Password: "secret", HoldTime: 6 * time.Second,
		Keepalive: 2 * time.Second, ConnectRetry: time.Second}
	type want struct {
		identity string
		listen   []string
		routerID netip.Addr
		localAS  uint32
		format   string
		level    string
		peers    []announce.Peer // nil: the file's peer unchanged
	}
	fileWant := want{identity: "file-id", listen: []string{"192.0.2.53:53", "[2001:db8:53::53]:53"}, routerID: netip.MustParseAddr("192.0.2.10"),
		localAS: 65001, format: "console", level: "info"}
	tests := []struct {
		name string
		file string // "" with no ANYCASTDNS_CONFIG: the built-in defaults
		env  map[string]string
		fl   Flags
		want want
	}{
		{name: "file only", file: file, want: fileWant},
		{name: "environment over file", file: file,
			env: map[string]string{
				EnvIdentity: "pop-ams1", EnvListen: "192.0.2.53:53, [2001:db8:53::53]:53",
				EnvRouterID: "192.0.2.20", EnvLocalAS: "4200000000", EnvLogFormat: "json", EnvLogLevel: "debug",
			},
			want: want{identity: "pop-ams1", listen: []string{"192.0.2.53:53", "[2001:db8:53::53]:53"},
				routerID: netip.MustParseAddr("192.0.2.20"), localAS: 4200000000, format: "json", level: "debug"}},
		{name: "flags over environment", file: file,
			env: map[string]string{EnvIdentity: "pop-ams1", EnvListen: "192.0.2.53:5353",
				EnvRouterID: "192.0.2.20", EnvLocalAS: "65002"},
			fl: Flags{Identity: "flag-id", Listen: []string{"0.0.0.0:53", "[::]:53"}, RouterID: "192.0.2.30", LocalAS: 65003},
			want: want{identity: "flag-id", listen: []string{"0.0.0.0:53", "[::]:53"}, routerID: netip.MustParseAddr("192.0.2.30"),
				localAS: 65003, format: "console", level: "info"}},
		{name: "empty variables count as unset", file: file,
			env:  map[string]string{EnvIdentity: "", EnvListen: "", EnvRouterID: "", EnvLocalAS: "", EnvBGPPeers: ""},
			want: fileWant},
		{name: "no file: defaults and environment", env: map[string]string{EnvIdentity: "pop-x"},
			want: want{identity: "pop-x", listen: server.DefaultListen, format: "console", level: "info"}},
		{name: "peers replace the file's, keys from its first peer", file: file,
			env: map[string]string{EnvBGPPeers: "198.51.100.1@65000, 2001:db8::1@65010"},
			want: func() want {
				w := fileWant
				p4, p6 := fromFile, fromFile
				p4.Address, p4.AS = netip.MustParseAddr("198.51.100.1"), 65000
				p6.Address, p6.AS = netip.MustParseAddr("2001:db8::1"), 65010
				w.peers = []announce.Peer{p4, p6}
				return w
			}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(Sources{File: tt.file, Getenv: mapEnv(tt.env), Flags: tt.fl})
			if err != nil {
				t.Fatalf("config: %v", err)
			}
			got := want{identity: cfg.Server.Identity, listen: cfg.Server.Listen, routerID: cfg.BGP.RouterID,
				localAS: cfg.BGP.LocalAS, format: cfg.Log.Format, level: cfg.Log.Level}
			if tt.want.peers != nil {
				got.peers = cfg.BGP.Peers
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if tt.want.peers == nil && tt.file != "" && (len(cfg.BGP.Peers) != 1 || cfg.BGP.Peers[0].Address != netip.MustParseAddr("192.0.2.1")) {
				t.Errorf("peers: got %+v, want the file's one peer 192.0.2.1", cfg.BGP.Peers)
			}
		})
	}
}

// TestEnvPeersDefaults checks that peers from the environment take the defaults when
// the file has no peer to copy from.
func TestEnvPeersDefaults(t *testing.T) {
	file := writeEnvConfig(t, "bgp:\n  local-as: 65001\n  router-id: 192.0.2.10\n  prefixes: [192.0.2.53/32]\nlisten: [\"192.0.2.53:53\"]\n")
	cfg, err := Load(Sources{File: file, Getenv: mapEnv(map[string]string{EnvBGPPeers: "192.0.2.1@65000"})})
	if err != nil {
		t.Fatal(err)
	}
	want := []announce.Peer{{Address: netip.MustParseAddr("192.0.2.1"), AS: 65000, Port: 179, HoldTime: announce.DefaultHoldTime,
		Keepalive: announce.DefaultKeepalive, ConnectRetry: announce.DefaultConnectRetry}}
	if !reflect.DeepEqual(cfg.BGP.Peers, want) {
		t.Errorf("got %+v, want %+v", cfg.BGP.Peers, want)
	}
	if !cfg.BGP.Enabled() {
		t.Error("bgpOn: got false, want true with a peer from the environment")
	}
}

// TestEnvErrors checks that a bad value names its variable, whether it fails to parse
// or fails validation.
func TestEnvErrors(t *testing.T) {
	file := writeEnvConfig(t, envTestConfig)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"local AS not a number", map[string]string{EnvLocalAS: "AS65001"}, `ANYCASTDNS_LOCAL_AS="AS65001": "AS65001" is not an AS number`},
		{"local AS zero", map[string]string{EnvLocalAS: "0"}, `ANYCASTDNS_LOCAL_AS="0"`},
		{"local AS too large", map[string]string{EnvLocalAS: "4294967296"}, `ANYCASTDNS_LOCAL_AS="4294967296"`},
		{"peer without AS", map[string]string{EnvBGPPeers: "192.0.2.1"}, `ANYCASTDNS_BGP_PEERS="192.0.2.1": peer "192.0.2.1": want ADDRESS@AS`},
		{"peer address not an address", map[string]string{EnvBGPPeers: "router1@65000"}, `peer "router1@65000": "router1" is not an IP address`},
		{"peer AS bad", map[string]string{EnvBGPPeers: "192.0.2.1@65000,192.0.2.2@-1"}, `peer "192.0.2.2@-1": "-1" is not an AS number`},
		{"router id IPv6", map[string]string{EnvRouterID: "2001:db8::1"}, `environment ANYCASTDNS_ROUTER_ID: bgp.router-id: "2001:db8::1"`},
		{"router id not an address", map[string]string{EnvRouterID: "router1"}, `ANYCASTDNS_ROUTER_ID="router1": "router1" is not an IP address`},
		{"listen without port", map[string]string{EnvListen: "192.0.2.53"}, `environment ANYCASTDNS_LISTEN: listen[0]:`},
		{"listen only commas", map[string]string{EnvListen: ","}, `environment ANYCASTDNS_LISTEN: listen: no address`},
		{"log format", map[string]string{EnvLogFormat: "xml"}, `environment ANYCASTDNS_LOG_FORMAT: log.format: "xml"`},
		{"log level", map[string]string{EnvLogLevel: "loud"}, `environment ANYCASTDNS_LOG_LEVEL: log.level: "loud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Sources{File: file, Getenv: mapEnv(tt.env)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{" a , b ,", []string{"a", "b"}},
		{",,", nil},
		{"[::1]:53,127.0.0.1:53", []string{"[::1]:53", "127.0.0.1:53"}},
	}
	for _, tt := range tests {
		if got := SplitList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitList(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

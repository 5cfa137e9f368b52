package server

import (
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigValidates(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	if !c.NSID || c.UDPSize != 1232 || c.TCP.MaxConns != 1000 || !slices.Equal(c.Listen, DefaultListen) {
		t.Errorf("got %+v, want NSID on, udp-size 1232, 1000 connections, the default listen addresses", c)
	}
}

// Each problem names its key, relative to the top of the configuration file.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"identity too long", func(c *Config) { c.Identity = strings.Repeat("x", 256) }, "identity: 256 bytes; at most 255 fit in a TXT string"},
		{"version too long", func(c *Config) { c.Version = strings.Repeat("x", 300) }, "version: 300 bytes"},
		{"no listen address", func(c *Config) { c.Listen = nil }, "listen: no address; want at least one host:port"},
		{"listen twice", func(c *Config) { c.Listen = []string{"127.0.0.1:53", "127.0.0.1:53"} }, "listen[1]: 127.0.0.1:53 is listed twice"},
		{"listen host name", func(c *Config) { c.Listen = []string{"localhost:53"} }, `listen[0]: "localhost:53": "localhost" is not an IP address`},
		{"udp-size below 512", func(c *Config) { c.UDPSize = 511 }, "udp-size: 511; want 512 to 65535"},
		{"udp-sockets too many", func(c *Config) { c.UDPSockets = 1025 }, "udp-sockets: 1025; want 0 (one fewer than the CPUs) to 1024"},
		{"idle timeout 0", func(c *Config) { c.TCP.IdleTimeout = 0 }, "tcp.idle-timeout: 0s; want a positive duration"},
		{"no connection", func(c *Config) { c.TCP.MaxConns = 0 }, "tcp.max-connections: 0; want at least 1"},
		{"negative query cap", func(c *Config) { c.TCP.MaxQueries = -1 }, "tcp.max-queries-per-connection: -1; want 0 (no limit) or more"},
		{"negative per-source cap", func(c *Config) { c.TCP.MaxConnsPerSource = -1 }, "tcp.max-connections-per-source: -1; want 0 (a tenth of max-connections) or more"},
		{"per-source cap over the cap", func(c *Config) { c.TCP.MaxConnsPerSource = 1001 }, "tcp.max-connections-per-source: 1001; want at most max-connections (1000)"},
		{"io timeout 0", func(c *Config) { c.TCP.IOTimeout = 0 }, "tcp.io-timeout: 0s; want a positive duration"},
		{"busy idle timeout negative", func(c *Config) { c.TCP.BusyIdleTimeout = -time.Second }, "tcp.busy-idle-timeout: -1s; want a positive duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.change(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// An identity left out is the host name, the one default both New and the
// configuration file use.
func TestDefaultIdentity(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	if got, err := DefaultIdentity(); err != nil || got != host {
		t.Errorf("DefaultIdentity: got %q, %v, want %q", got, err, host)
	}
	for _, tc := range []struct{ configured, want string }{{"", host}, {"pop7.example", "pop7.example"}} {
		cfg := testConfig()
		cfg.Identity = tc.configured
		if got := newTestServer(t, cfg, nil).Identity(); got != tc.want {
			t.Errorf("Identity with %q configured: got %q, want %q", tc.configured, got, tc.want)
		}
	}
}

// ListenPorts gives the port bound for each listen address, in order.
func TestListenPorts(t *testing.T) {
	cfg := testConfig()
	cfg.Listen = []string{"127.0.0.1:0", "[::1]:0"}
	s := newTestServer(t, cfg, nil)
	if got := s.ListenPorts(); got != nil {
		t.Errorf("before Start: got %v, want nil", got)
	}
	if err := s.Start(); err != nil {
		if strings.Contains(err.Error(), "[::1]") {
			t.Skip("no IPv6 loopback:", err)
		}
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	ports := s.ListenPorts()
	if len(ports) != 2 {
		t.Fatalf("got ports %v, want one for each of 2 addresses", ports)
	}
	for i, a := range s.Addrs()[:2] {
		if p := a.(*net.UDPAddr).Port; p != ports[i] || p == 0 {
			t.Errorf("port %d: got %d, want %d (bound, not 0)", i, ports[i], p)
		}
	}
}

// The TCP defaults New applies: the per-source cap follows max-connections.
func TestTCPDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   TCPConfig
		want TCPConfig
	}{
		{"zero", TCPConfig{}, TCPConfig{IdleTimeout: 10 * time.Second, MaxConns: 1000, MaxConnsPerSource: 100,
			IOTimeout: 500 * time.Millisecond, BusyIdleTimeout: 200 * time.Millisecond}},
		{"small cap", TCPConfig{MaxConns: 5}, TCPConfig{IdleTimeout: 10 * time.Second, MaxConns: 5, MaxConnsPerSource: 1,
			IOTimeout: 500 * time.Millisecond, BusyIdleTimeout: 200 * time.Millisecond}},
		{"set", TCPConfig{MaxConns: 20, MaxConnsPerSource: 7, IOTimeout: time.Second, BusyIdleTimeout: time.Second},
			TCPConfig{IdleTimeout: 10 * time.Second, MaxConns: 20, MaxConnsPerSource: 7, IOTimeout: time.Second, BusyIdleTimeout: time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Config{TCP: tc.in}).withDefaults().TCP; got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

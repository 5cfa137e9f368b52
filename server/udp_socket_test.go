package server

import (
	"net"
	"runtime"
	"testing"
)

// TestUDPSocketsDefault checks the default number of UDP sockets: one fewer than
// GOMAXPROCS, at least one, and an explicit value kept.
func TestUDPSocketsDefault(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		name string
		set  int
		want int
	}{
		{"default", 0, max(1, procs-1)},
		{"negative is the default", -1, max(1, procs-1)},
		{"explicit", 3, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := (Config{UDPSockets: c.set}).withDefaults().UDPSockets; got != c.want {
				t.Errorf("got %d sockets with GOMAXPROCS %d, want %d", got, procs, c.want)
			}
		})
	}
}

// TestUDPListenPortTaken checks that a port held by a socket without SO_REUSEPORT
// is an error, for one socket and for several, and that the local address is the
// one bound.
func TestUDPListenPortTaken(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			host := "127.0.0.1"
			if network == "udp6" {
				host = "::1"
			}
			held, err := net.ListenUDP(network, &net.UDPAddr{IP: net.ParseIP(host)})
			if err != nil {
				t.Skipf("no %s loopback: %v", network, err)
			}
			defer held.Close()
			port := held.LocalAddr().(*net.UDPAddr).Port
			for _, socks := range []int{1, 2} {
				if u, err := listenUDP(&net.UDPAddr{IP: net.ParseIP(host), Port: port}, socks); err == nil {
					u.close()
					t.Errorf("%d sockets on a port in use: got no error, want one", socks)
				}
			}
			u, err := listenUDP(&net.UDPAddr{IP: net.ParseIP(host)}, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer u.close()
			got := u.localAddr().(*net.UDPAddr)
			if !got.IP.Equal(net.ParseIP(host)) || got.Port == 0 {
				t.Errorf("got local address %v, want %s with a port", got, host)
			}
		})
	}
}

package netutil

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePortBindsBoth(t *testing.T) {
	port, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("got port %d, want 1-65535", port)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tl, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP %s not free: %v", addr, err)
	}
	defer tl.Close()
	ul, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP %s not free: %v", addr, err)
	}
	ul.Close()
}

func TestFreePortBadHost(t *testing.T) {
	if _, err := FreePort("192.0.2.1"); err == nil {
		t.Fatal("got a port on an address this host does not have, want an error")
	}
}

// The port comes from below the kernel's ephemeral range, which client sockets
// take from.
func TestFreePortBelowEphemeral(t *testing.T) {
	for range 20 {
		port, err := FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if port < 10000 || port >= ephemeralLow() {
			t.Fatalf("got port %d, want 10000 to %d", port, ephemeralLow()-1)
		}
	}
}

// Package netutil holds small network helpers shared by the tools and the tests.
package netutil

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreePort returns a port that is free on host (an IP address, such as "127.0.0.1" or
// "::1") for both UDP and TCP at the time of the call. The sockets that found it are
// closed again, so another process may take the port before the caller binds it:
// callers that start a server retry, or fail saying why, on a bind error.
//
// The port is drawn at random below the kernel's ephemeral range (from 10000), not
// asked of the kernel: the ports the kernel hands out are the ones every client
// socket of the machine gets too (a test opening thousands of connections cycles
// through them), and one of those could take the port between this call and the
// caller's bind. Below the range, only another caller of FreePort could.
func FreePort(host string) (int, error) {
	low, high := 10000, ephemeralLow()
	for range 50 {
		port := low + rand.IntN(high-low)
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		tl, err := net.Listen("tcp", addr)
		if err != nil {
			if isAddrNotAvail(err) {
				return 0, err
			}
			continue // taken
		}
		ul, err := net.ListenPacket("udp", addr)
		tl.Close()
		if err != nil {
			continue // the UDP side is taken; try another port
		}
		ul.Close()
		return port, nil
	}
	return 0, errors.New("no port free for both UDP and TCP on " + host + " after 50 tries")
}

// ephemeralLow returns the first port of the kernel's ephemeral range (Linux's
// net.ipv4.ip_local_port_range), 32768 where it cannot be read.
func ephemeralLow() int {
	const fallback = 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallback
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return fallback
	}
	if v, err := strconv.Atoi(f[0]); err == nil && v > 11000 {
		return v
	}
	return fallback
}

// isAddrNotAvail reports whether err says host is not an address of this machine,
// which no other port would change.
func isAddrNotAvail(err error) bool {
	return strings.Contains(err.Error(), "assign requested address")
}

// Package netutil holds small network helpers shared by the tools and the tests.
package netutil

import (
	"errors"
	"net"
	"strconv"
)

// FreePort returns a port that is free on host (an IP address, such as "127.0.0.1" or
// "::1") for both UDP and TCP at the time of the call. The sockets that found it are
// closed again, so another process may take the port before the caller binds it:
// callers that start a server retry, or fail saying why, on a bind error.
func FreePort(host string) (int, error) {
	for range 20 {
		tl, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		port := tl.Addr().(*net.TCPAddr).Port
		ul, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
		tl.Close()
		if err != nil {
			continue // the UDP side is taken; try another port
		}
		ul.Close()
		return port, nil
	}
	return 0, errors.New("no port free for both UDP and TCP on " + host + " after 20 tries")
}

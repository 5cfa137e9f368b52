package server

import (
	"net"
	"strconv"
)

// udpListener is the UDP side of one listen address: one socket per reader. Where
// the system has SO_REUSEPORT (Linux), there are Config.UDPSockets of them (by
// default one fewer than GOMAXPROCS), all bound to the same address, and the kernel spreads the
// queries over them by flow, so the readers never contend for one socket (as NSD
// and Knot DNS do).
type udpListener struct {
	socks []*udpSocket
}

// udpNetwork returns the network for ip: an IPv6 address, the wildcard included,
// is bound IPv6-only so that 0.0.0.0 and :: can be served side by side.
func udpNetwork(ip net.IP) string {
	if ip != nil && ip.To4() == nil {
		return "udp6"
	}
	return "udp4"
}

// familyAddrs returns the addresses a listen address is opened on: itself, or for
// an empty host, which means every address of the host, the IPv4 and the IPv6
// wildcard, each bound to its own family (udpNetwork) so that both are served.
func familyAddrs(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return []string{addr}
	}
	return []string{net.JoinHostPort("0.0.0.0", port), net.JoinHostPort("::", port)}
}

// withPort returns the "host:port" address addr with port in place of its own.
func withPort(addr string, port int) string {
	host, _, _ := net.SplitHostPort(addr)
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func tcpNetwork(ip net.IP) string {
	if ip != nil && ip.To4() == nil {
		return "tcp6"
	}
	return "tcp4"
}

// listenUDP opens the sockets of addr: socks of them when SO_REUSEPORT is
// available, one otherwise. With port 0 the first socket picks the port and the
// others join it.
func listenUDP(addr *net.UDPAddr, socks int) (*udpListener, error) {
	n := min(max(socks, 1), maxUDPSockets)
	u := &udpListener{}
	a := *addr
	for i := range n {
		sock, err := listenUDPSocket(&a, n > 1)
		if err != nil {
			u.close()
			return nil, err
		}
		u.socks = append(u.socks, sock)
		if i == 0 {
			a.Port = sock.local.Port
		}
	}
	return u, nil
}

// close closes every socket of u.
func (u *udpListener) close() {
	for _, s := range u.socks {
		s.close()
	}
}

// localAddr returns the address the sockets of u are bound to.
func (u *udpListener) localAddr() net.Addr { return u.socks[0].local }

// serveUDP starts the readers of u, one per socket, each with its own scratch
// memory.
func (s *Server) serveUDP(u *udpListener) {
	for _, sock := range u.socks {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.readUDP(sock, newScratch())
		}()
	}
}

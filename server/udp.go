package server

import (
	"context"
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpListener is the UDP side of one listen address: one socket per reader. Where
// the system has SO_REUSEPORT (Linux), there is one socket per CPU by default
// (Config.UDPSockets), all bound to the same address, and the kernel spreads the
// queries over them by flow, so the readers never contend for one socket (as NSD
// and Knot DNS do).
type udpListener struct {
	socks []*udpSocket
}

// udpSocket is one UDP socket. On a wildcard address (0.0.0.0 or ::) a reply must
// leave from the address the query was sent to, or the client drops it: the
// destination of each query is read from the IP_PKTINFO / IPV6_PKTINFO control
// message and used as the source of the reply (as NSD and Knot DNS do). A socket
// bound to one address needs none of that.
type udpSocket struct {
	conn     *net.UDPConn
	p4       *ipv4.PacketConn // set for IPv4
	p6       *ipv6.PacketConn // set for IPv6
	wildcard bool             // bound to 0.0.0.0 or ::, control messages on
}

// udpNetwork returns the network for ip: an IPv6 address, the wildcard included,
// is bound IPv6-only so that 0.0.0.0 and :: can be served side by side.
func udpNetwork(ip net.IP) string {
	if ip != nil && ip.To4() == nil {
		return "udp6"
	}
	return "udp4"
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
			a.Port = sock.conn.LocalAddr().(*net.UDPAddr).Port
		}
	}
	return u, nil
}

// listenUDPSocket opens one socket, with SO_REUSEPORT when reuse is set.
func listenUDPSocket(addr *net.UDPAddr, reuse bool) (*udpSocket, error) {
	lc := net.ListenConfig{}
	if reuse {
		lc.Control = reusePort
	}
	pc, err := lc.ListenPacket(context.Background(), udpNetwork(addr.IP), addr.String())
	if err != nil {
		return nil, err
	}
	conn := pc.(*net.UDPConn)
	u := &udpSocket{conn: conn, wildcard: addr.IP == nil || addr.IP.IsUnspecified()}
	if udpNetwork(addr.IP) == "udp4" {
		u.p4 = ipv4.NewPacketConn(conn)
		if u.wildcard {
			err = u.p4.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true)
		}
	} else {
		u.p6 = ipv6.NewPacketConn(conn)
		if u.wildcard {
			err = u.p6.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
		}
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return u, nil
}

// close closes every socket of u.
func (u *udpListener) close() {
	for _, s := range u.socks {
		s.conn.Close()
	}
}

// localAddr returns the address the sockets of u are bound to.
func (u *udpListener) localAddr() net.Addr { return u.socks[0].conn.LocalAddr() }

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

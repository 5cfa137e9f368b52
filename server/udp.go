package server

import (
	"errors"
	"net"
	"runtime"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpListener is one UDP socket. On a wildcard address (0.0.0.0 or ::) a reply
// must leave from the address the query was sent to, or the client drops it: the
// destination of each query is read from the IP_PKTINFO / IPV6_PKTINFO control
// message and used as the source of the reply (as NSD and Knot DNS do). A socket
// bound to one address needs none of that.
type udpListener struct {
	conn *net.UDPConn
	p4   *ipv4.PacketConn // set on an IPv4 wildcard bind
	p6   *ipv6.PacketConn // set on an IPv6 wildcard bind
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

func listenUDP(addr *net.UDPAddr) (*udpListener, error) {
	conn, err := net.ListenUDP(udpNetwork(addr.IP), addr)
	if err != nil {
		return nil, err
	}
	u := &udpListener{conn: conn}
	if addr.IP == nil || addr.IP.IsUnspecified() {
		if udpNetwork(addr.IP) == "udp4" {
			u.p4 = ipv4.NewPacketConn(conn)
			err = u.p4.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true)
		} else {
			u.p6 = ipv6.NewPacketConn(conn)
			err = u.p6.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
		}
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	return u, nil
}

// serveUDP starts the readers of u: one per CPU, each with its own scratch memory,
// reading from the same socket.
func (s *Server) serveUDP(u *udpListener) {
	for range runtime.GOMAXPROCS(0) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.readUDP(u, newScratch())
		}()
	}
}

// readUDP answers the queries arriving on u until it is closed.
func (s *Server) readUDP(u *udpListener, sc *scratch) {
	// Room for the largest datagram: a longer one would be cut and misread.
	buf := make([]byte, maxTCPMessage)
	for {
		var (
			n   int
			err error
			// where the reply goes, and from which source address
			dst  net.Addr
			src  net.IP
			ifix int
		)
		switch {
		case u.p4 != nil:
			var cm *ipv4.ControlMessage
			n, cm, dst, err = u.p4.ReadFrom(buf)
			if cm != nil {
				src, ifix = cm.Dst, cm.IfIndex
			}
		case u.p6 != nil:
			var cm *ipv6.ControlMessage
			n, cm, dst, err = u.p6.ReadFrom(buf)
			if cm != nil {
				src, ifix = cm.Dst, cm.IfIndex
			}
		default:
			n, dst, err = u.conn.ReadFromUDP(buf)
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("udp read", zap.Error(err))
			continue
		}
		start := time.Now()
		reply := s.respond(sc, sc.out[2:], buf[:n], udp)
		if reply == nil {
			continue
		}
		if err := u.write(reply, dst, src, ifix); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.metrics.observe(udp, &sc.res, len(reply), start)
	}
}

// write sends b to dst from the address src the query was sent to. The interface
// is pinned only for link-local addresses, which need it; otherwise routing picks
// it, as an anycast node may receive on one interface and answer on another.
func (u *udpListener) write(b []byte, dst net.Addr, src net.IP, ifIndex int) error {
	var err error
	switch {
	case u.p4 != nil && src != nil:
		cm := &ipv4.ControlMessage{Src: src}
		if src.IsLinkLocalUnicast() {
			cm.IfIndex = ifIndex
		}
		_, err = u.p4.WriteTo(b, cm, dst)
	case u.p6 != nil && src != nil:
		cm := &ipv6.ControlMessage{Src: src}
		if src.IsLinkLocalUnicast() {
			cm.IfIndex = ifIndex
		}
		_, err = u.p6.WriteTo(b, cm, dst)
	default:
		_, err = u.conn.WriteTo(b, dst)
	}
	return err
}

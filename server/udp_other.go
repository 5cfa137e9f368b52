//go:build !linux

package server

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// maxUDPSockets caps Config.UDPSockets: one socket per address where
// SO_REUSEPORT does not spread the load.
const maxUDPSockets = 1

// reusePort is not used where udpSockets is 1.
func reusePort(network, address string, c syscall.RawConn) error { return nil }

// udpSocket is one UDP socket. On a wildcard address (0.0.0.0 or ::) a reply must
// leave from the address the query was sent to, or the client drops it: the
// destination of each query is read from the IP_PKTINFO / IPV6_PKTINFO control
// message and used as the source of the reply (as NSD and Knot DNS do). A socket
// bound to one address needs none of that.
type udpSocket struct {
	conn     *net.UDPConn
	local    *net.UDPAddr     // the address bound
	p4       *ipv4.PacketConn // set for IPv4
	p6       *ipv6.PacketConn // set for IPv6
	wildcard bool             // bound to 0.0.0.0 or ::, control messages on
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
	u := &udpSocket{conn: conn, local: conn.LocalAddr().(*net.UDPAddr), wildcard: addr.IP == nil || addr.IP.IsUnspecified()}
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

// close closes the socket; its reader returns.
func (u *udpSocket) close() { u.conn.Close() }

// readUDP answers the queries arriving on u, one datagram at a time.
func (s *Server) readUDP(u *udpSocket, sc *scratch) { s.readUDPSingle(u, sc) }

// readUDPSingle answers the queries arriving on u one datagram at a time until it
// is closed: the path for systems without batched reads.
func (s *Server) readUDPSingle(u *udpSocket, sc *scratch) {
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
		case u.wildcard && u.p4 != nil:
			var cm *ipv4.ControlMessage
			n, cm, dst, err = u.p4.ReadFrom(buf)
			if cm != nil {
				src, ifix = cm.Dst, cm.IfIndex
			}
		case u.wildcard && u.p6 != nil:
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
		sc.arrived = uint32(start.Unix())
		reply := s.respond(sc, sc.out[2:], buf[:n], udp, dst.AddrPort().Addr())
		if reply == nil {
			if sc.handoff {
				s.serveTransferUDP(u, sc, buf[:n], dst, src, ifix, start)
			}
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
func (u *udpSocket) write(b []byte, dst net.Addr, src net.IP, ifIndex int) error {
	var err error
	switch {
	case u.wildcard && u.p4 != nil && src != nil:
		cm := &ipv4.ControlMessage{Src: src}
		if src.IsLinkLocalUnicast() {
			cm.IfIndex = ifIndex
		}
		_, err = u.p4.WriteTo(b, cm, dst)
	case u.wildcard && u.p6 != nil && src != nil:
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

// serveTransferUDP hands msg, read from u, to Transfers; its one reply goes to dst
// from src, the address the query was sent to.
func (s *Server) serveTransferUDP(u *udpSocket, sc *scratch, msg []byte, dst net.Addr, src net.IP, ifix int, start time.Time) {
	sent := false
	r := &TransferRequest{
		Msg:    msg,
		Remote: addrPort(dst),
		Reply: func(reply []byte) error {
			if sent {
				return nil
			}
			sent = true
			if err := u.write(reply, dst, src, ifix); err != nil {
				return err
			}
			sc.res.rcode = replyRcode(reply)
			s.metrics.observe(udp, &sc.res, len(reply), start)
			return nil
		},
		Answer: s.answerFor(sc, udp, addrPort(dst).Addr()),
	}
	s.transfers.ServeTransfer(r)
}

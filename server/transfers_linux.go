//go:build linux

package server

import (
	"encoding/binary"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// serveTransferUDP hands in[i] of b, read from u, to Transfers. Its one reply is
// sent at once through the free slot out[k] (the batch's next reply overwrites
// it), from the address the query was sent to, as every reply is.
func (s *Server) serveTransferUDP(u *udpSocket, b *udpBatch, sc *scratch, i, k int, start time.Time) {
	sent := false
	remote := sockaddrAddrPort(&b.names[i])
	r := &TransferRequest{
		Msg:    b.datagram(i),
		Remote: remote,
		Reply: func(reply []byte) error {
			if sent {
				return nil
			}
			sent = true
			b.replyTo(k, i, reply, u.wildcard)
			for {
				n, err := b.send(u.fd, k, 1)
				if err == unix.EINTR {
					continue
				}
				if n == 1 {
					sc.res.rcode = replyRcode(reply)
					s.metrics.observe(udp, &sc.res, len(reply), start)
				}
				return err
			}
		},
		Answer: s.answerFor(sc, udp, remote.Addr()),
	}
	s.transfers.ServeTransfer(r)
}

// sockaddrAddrPort decodes the source address of a datagram, an IPv4 or IPv6
// socket address.
func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), port)
}

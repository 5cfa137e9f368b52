//go:build linux

package server

import (
	"errors"
	"net"
	"syscall"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// udpBatchSize is the most datagrams one recvmmsg or sendmmsg system call moves.
// Under load a reader then pays one receive and one send call per batch instead
// of per query (half the time of a per-packet server goes to those calls).
const udpBatchSize = 32

// udpWriteChunk is the most replies one sendmmsg call sends. Over loopback a
// send also delivers each datagram to its receiver, so a call of 32 takes tens of
// microseconds; past 20 µs the Go runtime hands the thread's P to another thread
// (sysmon's retake), and the reader pays a reschedule on return. Measured under
// dnsperf: exitsyscallNoP fell from 7% to under 1% of the server's CPU with 8.
const udpWriteChunk = 8

// udpOOBSize is room for the control messages of one datagram: a single
// IP_PKTINFO or IPV6_PKTINFO (12 or 20 octets of data).
const udpOOBSize = 64

// maxUDPSockets caps Config.UDPSockets: sockets joined with SO_REUSEPORT (Linux
// 3.9), each reader with its own socket and its own kernel queue.
const maxUDPSockets = 1024

// reusePort sets SO_REUSEPORT on a socket before it is bound. Every socket of the
// address must set it, so a port held by another program without it stays an
// error (EADDRINUSE), as before.
func reusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// udpBatch is the memory of one reader, allocated once: the messages of a batch
// read and of a batch write, their buffers, and what the metrics need of each
// reply sent. ipv4.Message and ipv6.Message are the same type, so one batch
// serves both families.
type udpBatch struct {
	in    []ipv4.Message
	out   []ipv4.Message
	bufs  [][1][]byte // out[i].Buffers
	reply [][]byte    // where the reply to in[i] is written
	oob   [][]byte    // out[i].OOB: the reply's source address
	sent  []sentReply
}

// sentReply is what the metrics record of one reply once it is sent.
type sentReply struct {
	res   result
	size  int
	start time.Time
}

func newUDPBatch() *udpBatch {
	b := &udpBatch{
		in:    make([]ipv4.Message, udpBatchSize),
		out:   make([]ipv4.Message, udpBatchSize),
		bufs:  make([][1][]byte, udpBatchSize),
		reply: make([][]byte, udpBatchSize),
		oob:   make([][]byte, udpBatchSize),
		sent:  make([]sentReply, udpBatchSize),
	}
	// Room for the largest datagram in each slot (a longer one would be cut and
	// misread); the pages are only touched as far as datagrams fill them.
	in := make([]byte, udpBatchSize*maxTCPMessage)
	inOOB := make([]byte, 2*udpBatchSize*udpOOBSize)
	replies := make([]byte, udpBatchSize*scratchOut)
	for i := range udpBatchSize {
		b.in[i].Buffers = [][]byte{in[i*maxTCPMessage : (i+1)*maxTCPMessage : (i+1)*maxTCPMessage]}
		b.in[i].OOB = inOOB[i*udpOOBSize : (i+1)*udpOOBSize : (i+1)*udpOOBSize]
		b.oob[i] = inOOB[(udpBatchSize+i)*udpOOBSize : (udpBatchSize+i+1)*udpOOBSize : (udpBatchSize+i+1)*udpOOBSize]
		b.reply[i] = replies[i*scratchOut : (i+1)*scratchOut : (i+1)*scratchOut]
	}
	return b
}

// readUDP answers the queries arriving on u until it is closed: it reads a batch
// of datagrams with one recvmmsg, answers each into its own slot with the same
// scratch memory, and sends the replies with sendmmsg. No goroutine is started
// per query, and the memory is reused from one batch to the next.
func (s *Server) readUDP(u *udpSocket, sc *scratch) {
	b := newUDPBatch()
	for {
		var n int
		var err error
		if u.p4 != nil {
			n, err = u.p4.ReadBatch(b.in, 0)
		} else {
			n, err = u.p6.ReadBatch(b.in, 0)
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("udp read", zap.Error(err))
			continue
		}
		// One clock read per batch: the latency metric starts when the batch
		// arrived.
		start := time.Now()
		k := 0
		for i := range n {
			m := &b.in[i]
			if m.Flags&unix.MSG_TRUNC != 0 {
				// Cut to fit the buffer (not with 65535 octets of room, but a cut
				// datagram would be misread): no reply.
				continue
			}
			reply := s.respond(sc, b.reply[k], m.Buffers[0][:m.N], udp)
			if reply == nil {
				continue
			}
			w := &b.out[k]
			b.bufs[k][0] = reply
			w.Buffers = b.bufs[k][:]
			w.Addr = m.Addr
			w.OOB = nil
			if u.wildcard {
				w.OOB = replyPktinfo(b.oob[k][:0], m.OOB[:m.NN])
			}
			b.sent[k] = sentReply{res: sc.res, size: len(reply), start: start}
			k++
		}
		if !s.sendBatch(u, b, k) {
			return
		}
	}
}

// sendBatch sends the first k replies of b; it returns false when u is closed.
// A reply the kernel refuses (an unreachable client, say) is skipped.
func (s *Server) sendBatch(u *udpSocket, b *udpBatch, k int) bool {
	for off := 0; off < k; {
		var n int
		var err error
		if u.p4 != nil {
			n, err = u.p4.WriteBatch(b.out[off:min(k, off+udpWriteChunk)], 0)
		} else {
			n, err = u.p6.WriteBatch(b.out[off:min(k, off+udpWriteChunk)], 0)
		}
		for j := off; j < off+max(n, 0); j++ {
			s.metrics.observe(udp, &b.sent[j].res, b.sent[j].size, b.sent[j].start)
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return false
			}
			s.log.Debug("udp write", zap.Error(err))
		}
		off += max(n, 1)
	}
	// Drop the references to the clients' addresses until the next batch.
	for j := range k {
		b.out[j].Addr = nil
	}
	return true
}

// replyPktinfo appends to dst the control message that makes a reply leave from
// the address the query was sent to, built from the IP_PKTINFO or IPV6_PKTINFO
// message received with the query (oob), or returns nil when there is none. The
// interface is pinned only for link-local addresses, which need it; otherwise
// routing picks it, as an anycast node may receive on one interface and answer
// on another.
func replyPktinfo(dst, oob []byte) []byte {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return nil
		}
		data := oob[unix.CmsgLen(0):l]
		switch {
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			in := (*unix.Inet4Pktinfo)(unsafe.Pointer(&data[0]))
			var pi unix.Inet4Pktinfo
			// ipi_addr is the destination of the query; as ipi_spec_dst of a send
			// it is the source of the reply (ip(7)).
			pi.Spec_dst = in.Addr
			if in.Addr[0] == 169 && in.Addr[1] == 254 {
				pi.Ifindex = in.Ifindex
			}
			return appendCmsg(dst, unix.IPPROTO_IP, unix.IP_PKTINFO, unsafe.Slice((*byte)(unsafe.Pointer(&pi)), unix.SizeofInet4Pktinfo))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			in := (*unix.Inet6Pktinfo)(unsafe.Pointer(&data[0]))
			var pi unix.Inet6Pktinfo
			pi.Addr = in.Addr
			if in.Addr[0] == 0xfe && in.Addr[1]&0xc0 == 0x80 {
				pi.Ifindex = in.Ifindex
			}
			return appendCmsg(dst, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, unsafe.Slice((*byte)(unsafe.Pointer(&pi)), unix.SizeofInet6Pktinfo))
		}
		step := unix.CmsgSpace(l - unix.CmsgLen(0))
		if step > len(oob) {
			return nil
		}
		oob = oob[step:]
	}
	return nil
}

// appendCmsg appends one control message (level, type, data) to dst, which has
// room for it.
func appendCmsg(dst []byte, level, typ int32, data []byte) []byte {
	n := unix.CmsgSpace(len(data))
	if cap(dst)-len(dst) < n {
		return nil
	}
	b := dst[len(dst) : len(dst)+n]
	clear(b)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return dst[:len(dst)+n]
}

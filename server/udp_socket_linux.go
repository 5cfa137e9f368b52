//go:build linux

package server

import (
	"net"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// udpSocket is one UDP socket, opened with system calls and kept in blocking mode,
// outside the Go network poller: its reader sleeps in recvmmsg itself, so a query
// arriving at a quiet server costs one wakeup of that thread, not an epoll
// wakeup, a goroutine unpark and a futex wakeup of another thread as well (at a
// fixed 20k queries per second, those were most of the server's CPU).
//
// On a wildcard address (0.0.0.0 or ::) a reply must leave from the address the
// query was sent to, or the client drops it: the destination of each query is
// read from the IP_PKTINFO / IPV6_PKTINFO control message and used as the source
// of the reply (as NSD and Knot DNS do). A socket bound to one address needs none
// of that.
type udpSocket struct {
	fd       int
	local    *net.UDPAddr // the address bound
	wildcard bool         // bound to 0.0.0.0 or ::, control messages on

	closed  atomic.Bool   // set by close; the reader returns when it sees it
	mu      sync.Mutex    // guards reading against close
	reading bool          // a reader has started (begin)
	done    chan struct{} // closed by the reader when it returns
}

// listenUDPSocket opens one socket bound to addr, with SO_REUSEPORT when reuse is
// set. An IPv6 socket is IPv6-only (udpNetwork).
func listenUDPSocket(addr *net.UDPAddr, reuse bool) (*udpSocket, error) {
	network := udpNetwork(addr.IP)
	fail := func(op string, err error) (*udpSocket, error) {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: os.NewSyscallError(op, err)}
	}
	v6 := network == "udp6"
	var sa unix.Sockaddr
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
		sa6 := &unix.SockaddrInet6{Port: addr.Port}
		copy(sa6.Addr[:], addr.IP.To16())
		if addr.Zone != "" {
			ifi, err := net.InterfaceByName(addr.Zone)
			if err != nil {
				return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
			}
			sa6.ZoneId = uint32(ifi.Index)
		}
		sa = sa6
	} else {
		sa4 := &unix.SockaddrInet4{Port: addr.Port}
		if ip4 := addr.IP.To4(); ip4 != nil {
			copy(sa4.Addr[:], ip4)
		}
		sa = sa4
	}
	// Blocking (no SOCK_NONBLOCK): the reader waits in recvmmsg.
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return fail("socket", err)
	}
	u := &udpSocket{fd: fd, wildcard: addr.IP == nil || addr.IP.IsUnspecified(), done: make(chan struct{})}
	opts := []sockOpt{
		{v6, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1},
		{reuse, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1},
		{u.wildcard && !v6, unix.IPPROTO_IP, unix.IP_PKTINFO, 1},
		{u.wildcard && v6, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1},
		// Replies are never fragmented (RFC 9715 section 3.1, R1): DF is set on
		// IPv4 and IPv6 replies are not fragmented at the source, and the path MTU
		// the kernel learns from ICMP is ignored, so a forged "fragmentation
		// needed" cannot make us fragment either. A reply larger than the
		// interface MTU is refused with EMSGSIZE and sent again cut to 512 octets
		// with TC set (R2, see sendTooBig). On IPv4 this also spares the kernel
		// an IP ID per datagram: a DF datagram that will never be fragmented
		// needs none.
		{!v6, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_PROBE},
		{v6, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_PROBE},
		{v6, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, 1},
	}
	for _, o := range opts {
		if !o.ok {
			continue
		}
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.value); err != nil {
			unix.Close(fd)
			return fail("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return fail("bind", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return fail("getsockname", err)
	}
	switch b := bound.(type) {
	case *unix.SockaddrInet4:
		u.local = &net.UDPAddr{IP: net.IP(b.Addr[:]).To16(), Port: b.Port}
	case *unix.SockaddrInet6:
		u.local = &net.UDPAddr{IP: net.IP(b.Addr[:]), Port: b.Port, Zone: addr.Zone}
	}
	return u, nil
}

// sockOpt is one socket option listenUDPSocket sets when ok.
type sockOpt struct {
	ok                bool
	level, opt, value int
}

// begin reports whether a reader may start on u: false once u is closed.
func (u *udpSocket) begin() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed.Load() {
		return false
	}
	u.reading = true
	return true
}

// end marks the reader of u returned.
func (u *udpSocket) end() { close(u.done) }

// close wakes the reader of u, waits for it to return and closes the socket.
// shutdown(2) ends a recvmmsg blocked on the socket (close alone would not), and
// the descriptor is closed only once no reader can use it, so its number cannot
// be reused under a reader.
func (u *udpSocket) close() {
	u.mu.Lock()
	if u.closed.Swap(true) {
		u.mu.Unlock()
		return
	}
	reading := u.reading
	u.mu.Unlock()
	// On an unbound-peer UDP socket shutdown returns ENOTCONN, but marks the
	// socket shut and wakes its readers all the same (Linux inet_shutdown).
	unix.Shutdown(u.fd, unix.SHUT_RDWR)
	if reading {
		<-u.done
	}
	unix.Close(u.fd)
}

//go:build linux

package server

import (
	"net"

	"golang.org/x/sys/unix"
)

// hasUnread reports whether c has received octets its reader has not read yet:
// a client whose query is in the socket buffer is not idle, even if its reader
// has not run yet. It peeks without waiting and without the read lock (a
// reader may be blocked in Read), so it may be called at any time.
func hasUnread(c net.Conn) bool {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	unread := false
	rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		unread = err == nil && n > 0
	})
	return unread
}

// tcpDeferAccept is how long, in seconds, the kernel holds a new connection
// that has sent nothing before handing it to accept (TCP_DEFER_ACCEPT).
const tcpDeferAccept = 1

// deferAccept makes the kernel hand l's connections to accept only once their
// first octets arrived, or after tcpDeferAccept seconds: in DNS the client
// speaks first (RFC 7766 section 6.2.1), so a connection that says nothing
// takes no place among TCP.MaxConns while it is silent, and a new client's
// query is there when it is accepted. Failing to set it only loses that.
func deferAccept(l *net.TCPListener) {
	rc, err := l.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, tcpDeferAccept)
	})
}

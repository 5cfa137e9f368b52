//go:build !linux

package server

import "net"

// hasUnread reports whether c has received octets its reader has not read yet;
// elsewhere than on Linux it does not know, and says no.
func hasUnread(net.Conn) bool { return false }

// deferAccept does nothing elsewhere than on Linux (TCP_DEFER_ACCEPT is Linux's).
func deferAccept(*net.TCPListener) {}

package server

import "time"

// Config is the server's configuration. The zero value of every field means its
// documented default.
type Config struct {
	// Listen holds "host:port" addresses; each gets a UDP and a TCP listener.
	// Default: 127.0.0.1:5353 and [::1]:5353.
	Listen []string
	// Identity is the node's name, returned for hostname.bind, id.server and NSID.
	// It is computed once by the caller (default there: the host name).
	Identity string
	// Version is returned for version.bind and version.server. Default "anycastdns".
	Version string
	// HideVersion makes version.bind and version.server REFUSED.
	HideVersion bool
	// NSID, when true (the default set by the caller), answers the NSID option with Identity.
	NSID bool
	// UDPSize is the EDNS payload size we advertise and the most we send over UDP.
	// Default 1232.
	UDPSize uint16
	// TCPIdleTimeout closes a TCP connection idle this long (RFC 7766 section 6.2.3). Default 10s.
	TCPIdleTimeout time.Duration
	// TCPMaxConns caps open TCP connections; more are closed at once. Default 1000.
	TCPMaxConns int
	// TCPMaxQueries caps queries on one TCP connection; then it is closed. Default 1000.
	TCPMaxQueries int
}

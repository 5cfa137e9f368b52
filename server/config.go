package server

import (
	"os"
	"runtime"
	"time"
)

// Defaults applied by New to the zero fields of a Config.
const (
	// DefaultUDPSize is the EDNS(0) payload size advertised and the largest UDP reply
	// sent: 1232 bytes fits in the IPv6 minimum MTU of 1280 without fragmentation
	// (DNS Flag Day 2020, RFC 9715).
	DefaultUDPSize = 1232
	// DefaultVersion is the answer to version.bind and version.server.
	DefaultVersion = "anycastdns"
	// DefaultTCPIdleTimeout closes an idle TCP connection (RFC 7766 section 6.2.3
	// recommends timeouts of the order of seconds).
	DefaultTCPIdleTimeout = 10 * time.Second
	// DefaultTCPMaxConns caps the open TCP connections of the whole server.
	DefaultTCPMaxConns = 1000
	// tcpPipelineDepth bounds the queries of one TCP connection processed at the same
	// time (RFC 7766 section 6.2.1.1 asks for concurrent processing; the bound keeps
	// one client from starting unbounded goroutines).
	tcpPipelineDepth = 32
	// minUDPSize is the smallest UDP reply size ever used: 512 bytes is what every
	// client accepts (RFC 1035 section 4.2.1, RFC 6891 section 6.2.5).
	minUDPSize = 512
)

// DefaultListen are the addresses served when Config.Listen is empty.
var DefaultListen = []string{"127.0.0.1:5353", "[::1]:5353"}

// Config is the server's configuration. The zero value of every field means its
// documented default.
type Config struct {
	// Listen holds "host:port" addresses; each gets a UDP and a TCP listener.
	// An IPv6 address (including [::]) is bound IPv6-only, so 0.0.0.0 and [::]
	// may be configured together. Replies leave from the address the query was
	// sent to, also on wildcard binds. Default: 127.0.0.1:5353 and [::1]:5353.
	Listen []string
	// Identity is the node's name, returned for hostname.bind, id.server and NSID.
	// It is computed once by the caller; when empty, New uses the host name.
	Identity string
	// Version is returned for version.bind and version.server. Default "anycastdns".
	Version string
	// HideVersion makes version.bind and version.server REFUSED.
	HideVersion bool
	// NSID, when true (the default set by the caller), answers the NSID option with Identity.
	NSID bool
	// UDPSize is the EDNS payload size we advertise and the most we send over UDP.
	// Default 1232; values below 512 are raised to 512.
	UDPSize uint16
	// TCPIdleTimeout closes a TCP connection idle this long (RFC 7766 section 6.2.3). Default 10s.
	TCPIdleTimeout time.Duration
	// TCPMaxConns caps open TCP connections; more are closed at once. Default 1000.
	TCPMaxConns int
	// TCPMaxQueries caps queries on one TCP connection; then it is closed. Default 0:
	// no cap, as NSD (tcp-query-count: 0) and Knot DNS. RFC 7766 section 6.2.3 lets a
	// server close connections to manage its resources; the idle timeout and
	// TCPMaxConns already bound what a client can hold, and a resolver pipelining
	// many queries on one connection is the use RFC 7766 section 6.2.1 asks for.
	TCPMaxQueries int
	// UDPSockets is the number of UDP sockets per listen address, each with its own
	// reader, bound together with SO_REUSEPORT so that the kernel spreads the
	// queries over them. Default: one fewer than GOMAXPROCS, at least 1. On Linux
	// each reader waits for queries inside a system call, holding its thread; a
	// processor left free keeps the Go runtime from taking the readers' processors
	// back every few microseconds to run its other goroutines (TCP, timers), which
	// costs more than the reader saves. Without SO_REUSEPORT (systems other than
	// Linux) it is always 1.
	UDPSockets int
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if len(cfg.Listen) == 0 {
		cfg.Listen = append([]string(nil), DefaultListen...)
	}
	if cfg.Identity == "" {
		if h, err := os.Hostname(); err == nil {
			cfg.Identity = h
		}
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	switch {
	case cfg.UDPSize == 0:
		cfg.UDPSize = DefaultUDPSize
	case cfg.UDPSize < minUDPSize:
		cfg.UDPSize = minUDPSize
	}
	if cfg.TCPIdleTimeout <= 0 {
		cfg.TCPIdleTimeout = DefaultTCPIdleTimeout
	}
	if cfg.TCPMaxConns <= 0 {
		cfg.TCPMaxConns = DefaultTCPMaxConns
	}
	if cfg.TCPMaxQueries < 0 {
		cfg.TCPMaxQueries = 0
	}
	if cfg.UDPSockets <= 0 {
		cfg.UDPSockets = max(1, runtime.GOMAXPROCS(0)-1)
	}
	return cfg
}

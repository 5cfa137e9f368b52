package server

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
)

// Defaults of the Config fields. DefaultConfig holds them; New also applies them to
// the zero fields of a Config.
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
	// DefaultTCPIOTimeout bounds the reading of one message once its first octet
	// arrived, and the writing of one reply: Knot DNS's tcp-io-timeout default. A
	// client sends a query in one segment right after the handshake, so a slow
	// message is a client holding a connection without using it.
	DefaultTCPIOTimeout = 500 * time.Millisecond
	// DefaultTCPBusyIdleTimeout is the idle timeout once more than half of
	// TCP.MaxConns are open: NSD's 200 ms once half full. RFC 7766 section 6.2.3
	// lets a server under pressure shorten its idle timeout; a client sends its
	// first query with the last handshake segment, so 200 ms costs a real client
	// nothing but connection reuse.
	DefaultTCPBusyIdleTimeout = 200 * time.Millisecond
	// tcpSourceShare is the default cap of open connections of one source, as a
	// fraction of TCP.MaxConns (TCPConfig.MaxConnsPerSource).
	tcpSourceShare = 10
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

// Config is the server's configuration, the top-level keys of the configuration file
// (deploy/anycastdns.example.yaml) whose yaml tags they carry. The zero value of every
// field means its documented default, except NSID, Cookies.Enabled and the
// rates and slip of RateLimit (see DefaultConfig).
type Config struct {
	// Identity is the node's name, returned for hostname.bind, id.server and NSID.
	// At most 255 bytes. Default: the host name, read once by New (DefaultIdentity).
	Identity string `yaml:"identity"`
	// Version is returned for version.bind and version.server. At most 255 bytes.
	// Default "anycastdns"; the configuration file's default adds the program's
	// version.
	Version string `yaml:"version"`
	// HideVersion makes version.bind and version.server REFUSED. Default false.
	HideVersion bool `yaml:"hide-version"`
	// NSID, when true, answers the NSID option (RFC 5001) with Identity. The zero
	// value is false; DefaultConfig, the configuration file's default, sets true.
	NSID bool `yaml:"nsid"`
	// Listen holds "host:port" addresses; each gets a UDP and a TCP listener.
	// An IPv6 address (including [::]) is bound IPv6-only, so 0.0.0.0 and [::]
	// may be configured together. An empty host (":53") means every address of
	// the host: it is opened as 0.0.0.0 and [::] on the same port. Replies leave
	// from the address the query was sent to, also on wildcard binds. Port 0
	// picks a free port. Default:
	// 127.0.0.1:5353 and [::1]:5353.
	Listen []string `yaml:"listen"`
	// UDPSize is the EDNS payload size we advertise and the most we send over UDP.
	// Default 1232; New raises values below 512 to 512, which Validate rejects.
	UDPSize uint16 `yaml:"udp-size"`
	// UDPSockets is the number of UDP sockets per listen address, each with its own
	// reader, bound together with SO_REUSEPORT so that the kernel spreads the
	// queries over them. Default: one fewer than GOMAXPROCS, at least 1. On Linux
	// each reader waits for queries inside a system call, holding its thread; a
	// processor left free keeps the Go runtime from taking the readers' processors
	// back every few microseconds to run its other goroutines (TCP, timers), which
	// costs more than the reader saves. Without SO_REUSEPORT (systems other than
	// Linux) it is always 1.
	UDPSockets int `yaml:"udp-sockets"`
	// TCP holds the limits of DNS over TCP.
	TCP TCPConfig `yaml:"tcp"`
	// Cookies holds DNS cookies (RFC 7873, RFC 9018) and their secret.
	Cookies CookieConfig `yaml:"cookies"`
	// RateLimit holds Response Rate Limiting of UDP replies (rrl_config.go).
	RateLimit RateLimitConfig `yaml:"rate-limit"`
}

// TCPConfig holds the limits of DNS over TCP (RFC 7766), the tcp section of the
// configuration file.
type TCPConfig struct {
	// IdleTimeout closes a TCP connection idle this long (RFC 7766 section 6.2.3).
	// Default 10s.
	IdleTimeout time.Duration `yaml:"idle-timeout"`
	// MaxConns caps open TCP connections. At the cap a new connection replaces
	// the oldest idle one (no query in progress, no message partly read), else
	// the oldest one stuck mid-message; when every one is answering a query,
	// accepting waits up to IOTimeout for one of these, then the new one is
	// closed. Default 1000.
	MaxConns int `yaml:"max-connections"`
	// MaxConnsPerSource caps the open TCP connections of one source: an IPv4
	// address, or an IPv6 /64 (the smallest prefix of an end site, which one
	// host may use whole). A connection beyond it is closed at once. Default 0: a
	// tenth of MaxConns (100 at 1000), at least 1, so that at least ten sources
	// are needed to fill the server, while a resolver, which opens a few
	// connections, is never near it.
	MaxConnsPerSource int `yaml:"max-connections-per-source"`
	// IOTimeout bounds the time from the first octet of a message (its length
	// prefix) to its last, and the writing of one reply; past it the connection
	// is closed. The replies of a zone transfer have IdleTimeout each instead
	// (a secondary may be slow to take a large zone). Default 500ms, as Knot DNS
	// (tcp-io-timeout).
	IOTimeout time.Duration `yaml:"io-timeout"`
	// BusyIdleTimeout replaces IdleTimeout, when shorter, once more than half of
	// MaxConns are open (RFC 7766 section 6.2.3: a server may shorten the idle
	// timeout under pressure). Default 200ms, as NSD once half full.
	BusyIdleTimeout time.Duration `yaml:"busy-idle-timeout"`
	// MaxQueries caps queries on one TCP connection; then it is closed. Default 0:
	// no cap, as NSD (tcp-query-count: 0) and Knot DNS. RFC 7766 section 6.2.3 lets a
	// server close connections to manage its resources; the idle timeout and
	// MaxConns already bound what a client can hold, and a resolver pipelining
	// many queries on one connection is the use RFC 7766 section 6.2.1 asks for.
	MaxQueries int `yaml:"max-queries-per-connection"`
}

// DefaultConfig returns the defaults of the configuration file: every field at its
// default, NSID and cookies on, Identity and Version left empty (New reads the host name; the
// file's loader sets the program's version).
func DefaultConfig() Config {
	return Config{
		NSID:    true,
		Listen:  append([]string(nil), DefaultListen...),
		UDPSize: DefaultUDPSize,
		TCP: TCPConfig{IdleTimeout: DefaultTCPIdleTimeout, MaxConns: DefaultTCPMaxConns,
			IOTimeout: DefaultTCPIOTimeout, BusyIdleTimeout: DefaultTCPBusyIdleTimeout},
		Cookies: CookieConfig{Enabled: true},
		// RRL on, as Debian's NSD runs it (rrl_config.go).
		RateLimit: defaultRateLimit(),
	}
}

// DefaultIdentity returns the identity of a node that configures none: the host name.
func DefaultIdentity() (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("identity: no identity configured and no host name: %w", err)
	}
	return h, nil
}

// withDefaults returns cfg with every zero field but Identity set to its default.
func (cfg Config) withDefaults() Config {
	if len(cfg.Listen) == 0 {
		cfg.Listen = append([]string(nil), DefaultListen...)
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
	if cfg.TCP.IdleTimeout <= 0 {
		cfg.TCP.IdleTimeout = DefaultTCPIdleTimeout
	}
	if cfg.TCP.MaxConns <= 0 {
		cfg.TCP.MaxConns = DefaultTCPMaxConns
	}
	if cfg.TCP.MaxQueries < 0 {
		cfg.TCP.MaxQueries = 0
	}
	if cfg.TCP.MaxConnsPerSource <= 0 {
		cfg.TCP.MaxConnsPerSource = max(1, cfg.TCP.MaxConns/tcpSourceShare)
	}
	if cfg.TCP.IOTimeout <= 0 {
		cfg.TCP.IOTimeout = DefaultTCPIOTimeout
	}
	if cfg.TCP.BusyIdleTimeout <= 0 {
		cfg.TCP.BusyIdleTimeout = DefaultTCPBusyIdleTimeout
	}
	if cfg.UDPSockets <= 0 {
		cfg.UDPSockets = max(1, runtime.GOMAXPROCS(0)-1)
	}
	return cfg
}

// Validate reports every value of cfg that the configuration file must not hold,
// naming each key; it applies no defaults.
func (cfg Config) Validate() error {
	var errs field.Errors
	// A TXT character-string holds at most 255 octets (RFC 1035 section 3.3.14).
	if len(cfg.Identity) > 255 {
		errs.Add("identity", "%d bytes; at most 255 fit in a TXT string", len(cfg.Identity))
	}
	if len(cfg.Version) > 255 {
		errs.Add("version", "%d bytes; at most 255 fit in a TXT string", len(cfg.Version))
	}
	if len(cfg.Listen) == 0 {
		errs.Add("listen", "no address; want at least one host:port")
	}
	seen := map[string]bool{}
	for i, a := range cfg.Listen {
		key := field.Index("listen", i)
		if err := CheckAddr(a); err != nil {
			errs.Add(key, "%v", err)
		} else if seen[a] {
			errs.Add(key, "%s is listed twice", a)
		}
		seen[a] = true
	}
	// RFC 6891 section 6.2.5: values below 512 are treated as 512; refuse them instead
	// of quietly serving something else than configured.
	if cfg.UDPSize < minUDPSize {
		errs.Add("udp-size", "%d; want 512 to 65535 (1232 avoids IP fragmentation)", cfg.UDPSize)
	}
	// The Linux cap of the sockets per address (maxUDPSockets); elsewhere more are
	// accepted and one is opened.
	if cfg.UDPSockets < 0 || cfg.UDPSockets > 1024 {
		errs.Add("udp-sockets", "%d; want 0 (one fewer than the CPUs) to 1024", cfg.UDPSockets)
	}
	if cfg.TCP.IdleTimeout <= 0 {
		errs.Add("tcp.idle-timeout", "%v; want a positive duration", cfg.TCP.IdleTimeout)
	}
	if cfg.TCP.MaxConns < 1 {
		errs.Add("tcp.max-connections", "%d; want at least 1", cfg.TCP.MaxConns)
	}
	if cfg.TCP.MaxQueries < 0 {
		errs.Add("tcp.max-queries-per-connection", "%d; want 0 (no limit) or more", cfg.TCP.MaxQueries)
	}
	if cfg.TCP.MaxConnsPerSource < 0 {
		errs.Add("tcp.max-connections-per-source", "%d; want 0 (a tenth of max-connections) or more", cfg.TCP.MaxConnsPerSource)
	} else if cfg.TCP.MaxConns >= 1 && cfg.TCP.MaxConnsPerSource > cfg.TCP.MaxConns {
		errs.Add("tcp.max-connections-per-source", "%d; want at most max-connections (%d)", cfg.TCP.MaxConnsPerSource, cfg.TCP.MaxConns)
	}
	if cfg.TCP.IOTimeout <= 0 {
		errs.Add("tcp.io-timeout", "%v; want a positive duration", cfg.TCP.IOTimeout)
	}
	if cfg.TCP.BusyIdleTimeout <= 0 {
		errs.Add("tcp.busy-idle-timeout", "%v; want a positive duration", cfg.TCP.BusyIdleTimeout)
	}
	errs.Merge("cookies", cfg.Cookies.Validate())
	errs.Merge("rate-limit", cfg.RateLimit.Validate())
	return errs.Err()
}

// CheckAddr checks a listen address: an IP address (or nothing, for every address)
// and a port from 0 to 65535 (0 picks a free port).
func CheckAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("%q: want host:port, e.g. 192.0.2.1:53 or [2001:db8::1]:53", a)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("%q: %q is not an IP address", a, host)
		}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q: port %q; want 0 to 65535", a, port)
	}
	return nil
}

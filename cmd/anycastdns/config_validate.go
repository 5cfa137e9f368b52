package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// validate checks every value, returning one error per problem, each naming where the
// value was set and the key.
func (c *Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", c.where(key), key, fmt.Sprintf(format, args...)))
	}
	// A TXT character-string holds at most 255 octets (RFC 1035 3.3.14).
	if len(c.Identity) > 255 {
		bad("identity", "%d bytes; at most 255 fit in a TXT string", len(c.Identity))
	}
	if len(c.Version) > 255 {
		bad("version", "%d bytes; at most 255 fit in a TXT string", len(c.Version))
	}
	if len(c.Listen) == 0 {
		bad("listen", "no address; want at least one host:port")
	}
	seen := map[string]bool{}
	for i, a := range c.Listen {
		key := "listen[" + strconv.Itoa(i) + "]"
		if err := checkHostPort(a); err != nil {
			bad(key, "%v", err)
		} else if seen[a] {
			bad(key, "%s is listed twice", a)
		}
		seen[a] = true
	}
	// RFC 6891 section 6.2.5: values below 512 are treated as 512; refuse them instead
	// of quietly serving something else than configured.
	if c.UDPSize < 512 || c.UDPSize > 65535 {
		bad("udp-size", "%d; want 512 to 65535 (1232 avoids IP fragmentation)", c.UDPSize)
	}
	if c.UDPSockets < 0 || c.UDPSockets > 1024 {
		bad("udp-sockets", "%d; want 0 (one fewer than the CPUs) to 1024", c.UDPSockets)
	}
	if c.TCP.IdleTimeout <= 0 {
		bad("tcp.idle-timeout", "%v; want a positive duration", c.TCP.IdleTimeout)
	}
	if c.TCP.MaxConnections < 1 {
		bad("tcp.max-connections", "%d; want at least 1", c.TCP.MaxConnections)
	}
	if c.TCP.MaxQueriesPerConnection < 0 {
		bad("tcp.max-queries-per-connection", "%d; want 0 (no limit) or more", c.TCP.MaxQueriesPerConnection)
	}
	if c.Metrics.Listen != "" {
		if err := checkHostPort(c.Metrics.Listen); err != nil {
			bad("metrics.listen", "%v", err)
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q; want debug, info, warn or error", c.Log.Level)
	}
	if !slices.Contains([]string{"console", "json"}, c.Log.Format) {
		bad("log.format", "%q; want console or json", c.Log.Format)
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "%v; want a positive duration", c.ShutdownTimeout)
	}
	if c.Zones != nil && len(c.Zones) == 0 {
		bad("zones", "empty list; remove the key to serve the built-in examples")
	}
	origins := map[string]int{}
	for i, z := range c.Zones {
		key := "zones[" + strconv.Itoa(i) + "]"
		origin := strings.ToLower(dns.Fqdn(z.Origin))
		switch _, ok := dns.IsDomainName(origin); {
		case z.Origin == "":
			bad(key+".origin", "missing; want the zone's name, e.g. example.org.")
		case !ok:
			bad(key+".origin", "%q is not a domain name", z.Origin)
		default:
			if j, dup := origins[origin]; dup {
				bad(key+".origin", "zone %s is also zones[%d]", origin, j)
			}
			origins[origin] = i
		}
		if z.File == "" {
			bad(key+".file", "missing; want the zone's master file")
		}
	}
	c.validateHealth(bad)
	c.validateBGP(bad)
	return errors.Join(errs...)
}

// checkHostPort checks a listen address: an IP address (or nothing, for every address)
// and a port from 0 to 65535 (0 picks a free port).
func checkHostPort(a string) error {
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

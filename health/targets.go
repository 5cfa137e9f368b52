package health

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
)

// Targets returns the probe targets of each prefix for a DNS server listening on the
// "host:port" addresses listen (see TargetAddrs). A prefix without an address to
// probe gets a Target with no Addrs.
func Targets(listen []string, ports []int, prefixes []netip.Prefix) []Target {
	targets := make([]Target, 0, len(prefixes))
	for _, pfx := range prefixes {
		targets = append(targets, Target{Prefix: pfx, Addrs: TargetAddrs(listen, ports, pfx)})
	}
	return targets
}

// TargetAddrs returns the addresses the probes of pfx query: the listen addresses
// inside the prefix; when there are none, the prefix's own address on the port of each
// wildcard listen address of its family (0.0.0.0, [::], or an empty host, which counts
// for both). ports[i] is the port bound for listen[i], which differs from the
// configured one only for port 0; nil means the configured ports. The addresses are
// valid "host:port" (server.Config.Validate).
func TargetAddrs(listen []string, ports []int, pfx netip.Prefix) []string {
	if ports == nil {
		ports = configuredPorts(listen)
	}
	var addrs []string
	for i, l := range listen {
		host, _, _ := net.SplitHostPort(l)
		if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() && pfx.Contains(a.Unmap()) {
			addrs = appendNew(addrs, net.JoinHostPort(a.Unmap().String(), strconv.Itoa(ports[i])))
		}
	}
	if len(addrs) > 0 {
		return addrs
	}
	for i, l := range listen {
		host, _, _ := net.SplitHostPort(l)
		if wildcardFor(host, pfx.Addr()) {
			addrs = appendNew(addrs, net.JoinHostPort(pfx.Addr().String(), strconv.Itoa(ports[i])))
		}
	}
	return addrs
}

// wildcardFor reports whether a listener on host accepts queries to addr because it
// listens on every address of addr's family: "" (every address), 0.0.0.0 or [::].
func wildcardFor(host string, addr netip.Addr) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.IsUnspecified() {
		return false
	}
	return a.Is4() == addr.Is4()
}

// configuredPorts returns the port of each listen address.
func configuredPorts(listen []string) []int {
	ports := make([]int, len(listen))
	for i, l := range listen {
		_, p, _ := net.SplitHostPort(l)
		ports[i], _ = strconv.Atoi(p)
	}
	return ports
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

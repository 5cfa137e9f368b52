package announce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
)

// GracefulShutdown is the GRACEFUL_SHUTDOWN well-known community 65535:0
// (RFC 8326 4): a router receiving it lowers the route's preference, so
// traffic moves to other nodes before the route is withdrawn.
const GracefulShutdown = uint32(bgp.COMMUNITY_PLANNED_SHUT)

// ParseCommunity parses a standard community (RFC 1997): "AS:value" with both
// halves in 0..65535, a well-known name ("no-export", "no-advertise",
// "no-export-subconfed", "graceful-shutdown", "blackhole", …, in any case and
// also written as in RFC 1997, "NO_EXPORT"), or a plain 32-bit number.
func ParseCommunity(s string) (uint32, error) {
	name := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	if name == "graceful-shutdown" {
		return GracefulShutdown, nil
	}
	if v, ok := bgp.WellKnownCommunityValueMap[name]; ok {
		return uint32(v), nil
	}
	if hi, lo, ok := strings.Cut(name, ":"); ok {
		a, err1 := strconv.ParseUint(hi, 10, 16)
		b, err2 := strconv.ParseUint(lo, 10, 16)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("announce: community %q: want AS:value with both in 0..65535", s)
		}
		return uint32(a)<<16 | uint32(b), nil
	}
	v, err := strconv.ParseUint(name, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("announce: community %q: want AS:value, a number or a well-known name", s)
	}
	return uint32(v), nil
}

// FormatCommunity writes c as "AS:value".
func FormatCommunity(c uint32) string {
	return fmt.Sprintf("%d:%d", c>>16, c&0xffff)
}

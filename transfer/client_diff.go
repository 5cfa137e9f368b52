package transfer

import "github.com/miekg/dns"

// diff is one IXFR delta (RFC 1995 section 4): Removed starts with the old SOA,
// Added with the new SOA. It stands for zone.Diff, which the zone piece of issue
// 11 adds, and becomes an alias of it (type diff = zone.Diff) when both merge.
type diff struct {
	Removed, Added []dns.RR
}

package transfer

import "github.com/miekg/dns"

// zoneDiff is one IXFR delta (RFC 1995 section 4): Removed starts with the old
// SOA, Added with the new one. It stands for zone.Diff until package zone has it;
// the merge replaces every zoneDiff by zone.Diff and deletes this file.
type zoneDiff = struct{ Removed, Added []dns.RR }

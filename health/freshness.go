package health

import (
	"fmt"
	"time"
)

// ZoneFreshness is what decides whether one zone may still be served from this
// node of the anycast: for a secondary zone what its transfers know (package
// transfer), for every signed zone the expiry of its signatures.
type ZoneFreshness struct {
	Origin string
	// Required zones withdraw the node when they are not fresh; others are only
	// reported. (Configuration: zones[].required, default true.)
	Required bool
	// Secondary is set for a zone fed by transfers; the fields below up to
	// ExpireAfter mean something only then.
	Secondary bool
	// Loaded: a version is serving (a persisted copy or a transfer).
	Loaded bool
	// Joining: the zone was added while the node runs (a catalog member) and has
	// not been transferred yet. Every node of the fleet learns of it at the same
	// time and waits for the same transfer, so it is no reason to leave: were it
	// one, adding a zone to the catalog would take the fleet out of the anycast.
	Joining bool
	// Expired: no refresh succeeded within the SOA expire; the zone answers
	// SERVFAIL.
	Expired bool
	// Confirmed: since the process started, a refresh succeeded, or the
	// persisted copy's saved timers showed it fresh.
	Confirmed bool
	// LaggingSince is when the primary first answered a serial newer than the
	// one serving that has not been taken in since; zero when up to date.
	LaggingSince time.Time
	// Refresh is the SOA refresh interval in use (after clamping).
	Refresh time.Duration
	// Expires is the expire deadline of the copy held: past it the zone
	// answers SERVFAIL. Zero while nothing is held.
	Expires time.Time
	// ExpireAfter is the expire period in use: Expires less the last
	// successful refresh.
	ExpireAfter time.Duration
	// SignatureExpiry is the earliest expiration of a signature of the zone
	// serving; zero for an unsigned zone.
	SignatureExpiry time.Time
}

// FreshnessPolicy says when a zone stops being fresh enough to keep the node in
// the anycast. A primary that is down is not a reason before the expire: the
// whole fleet would leave at once.
type FreshnessPolicy struct {
	// MaxLag is how long this node may serve an older serial than its primary
	// answers before it leaves (it is then the outlier of the fleet). Zero
	// takes 2 × refresh + 5 min, the shape of RSSAC047's publication-latency
	// threshold (65 minutes for the root zone's 30-minute refresh).
	MaxLag time.Duration `yaml:"max-lag"`
	// MinSignatureValidity is the least time left before the earliest RRSIG
	// of a signed zone expires; closer than that the node leaves before it
	// serves answers that validators will soon call bogus. Zero takes
	// max(2 × refresh, 1 h).
	MinSignatureValidity time.Duration `yaml:"min-signature-validity"`
	// Margin is the time the node needs to leave the anycast (the next
	// freshness check, the drain grace, slack): a secondary zone is stale that
	// long before its expire, so that the traffic has moved before the zone
	// would answer SERVFAIL. It is capped at half the expire period. Not a
	// configuration key: the node sets it to 2 × health.interval +
	// bgp.drain.grace. Zero leaves at the expire.
	Margin time.Duration `yaml:"-"`
}

// Check returns nil when every required zone of zones is fresh at now, and
// else an error naming the first that is not and why.
func (p FreshnessPolicy) Check(zones []ZoneFreshness, now time.Time) error {
	for _, z := range zones {
		if !z.Required {
			continue
		}
		if err := p.check(z, now); err != nil {
			return err
		}
	}
	return nil
}

func (p FreshnessPolicy) check(z ZoneFreshness, now time.Time) error {
	if z.Secondary {
		switch {
		case !z.Loaded && z.Joining:
			return nil
		case !z.Loaded:
			return fmt.Errorf("zone %s: not transferred yet", z.Origin)
		case z.Expired:
			return fmt.Errorf("zone %s: expired (no refresh within the SOA expire)", z.Origin)
		case !z.Confirmed:
			return fmt.Errorf("zone %s: the persisted copy is not confirmed fresh yet", z.Origin)
		}
		if err := p.checkExpire(z, now); err != nil {
			return err
		}
		if !z.LaggingSince.IsZero() {
			maxLag := p.MaxLag
			if maxLag <= 0 {
				maxLag = 2*z.Refresh + 5*time.Minute
			}
			if lag := now.Sub(z.LaggingSince); lag > maxLag {
				return fmt.Errorf("zone %s: behind the primary's serial for %v (max-lag %v)",
					z.Origin, lag.Round(time.Second), maxLag)
			}
		}
	}
	if !z.SignatureExpiry.IsZero() {
		minValid := p.MinSignatureValidity
		if minValid <= 0 {
			minValid = max(2*z.Refresh, time.Hour)
		}
		if left := z.SignatureExpiry.Sub(now); left < minValid {
			return fmt.Errorf("zone %s: a signature expires in %v (min-signature-validity %v)",
				z.Origin, left.Round(time.Second), minValid)
		}
	}
	return nil
}

// checkExpire reports a secondary zone whose copy expires within the margin.
// A secondary that cannot refresh its copy within the SOA expire stops
// answering for the zone (RFC 1034 section 4.3.5): the node must be out of the
// anycast by then, or clients reaching it get SERVFAIL. The margin is capped at
// half the expire period, so that a copy just refreshed is never stale however
// short the zone's timers.
func (p FreshnessPolicy) checkExpire(z ZoneFreshness, now time.Time) error {
	if z.Expires.IsZero() {
		return nil
	}
	margin := max(min(p.Margin, z.ExpireAfter/2), 0)
	if left := z.Expires.Sub(now); left <= margin {
		return fmt.Errorf("zone %s: expires in %v, within the %v the node needs to leave before it would answer SERVFAIL",
			z.Origin, max(left, 0).Round(100*time.Millisecond), margin)
	}
	return nil
}

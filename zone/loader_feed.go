package zone

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Feed publishes z as the version of the zone origin, a zone whose versions come
// from elsewhere (a zone transfer) rather than from a file; origin is added to the
// zones served when new. z must have been built for origin (Build, Apply); res is
// what building it reported, for the zone's metrics. The new set is published with
// one Store.Publish, so queries in flight finish on the version they started with.
// Feed clears what SetUnavailable set. A zone loaded from a file cannot be fed.
func (l *Loader) Feed(origin string, z *Zone, res LoadResult) error {
	origin, err := feedOrigin(origin)
	if err != nil {
		return err
	}
	if z == nil || z.soa == nil || z.origin != origin {
		return fmt.Errorf("zone feed %s: not a version of the zone", origin)
	}
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.replaceFed(origin, &loaded{origin: origin, fed: true, zone: z}); err != nil {
		return err
	}
	res.Origin, res.Serial, res.Records, res.Err = origin, z.Serial(), z.RecordCount(), nil
	l.metrics.loaded(res)
	return nil
}

// SetUnavailable publishes the zone origin with no data, adding it when new: every
// name in it is then answered SERVFAIL with an Extended DNS Error (RFC 8914) saying
// why: NotReady for a zone never received, Expired for one past its SOA expire.
// The version held is kept, and Available serves it again; Available is an error
// for a zone that has none. A zone loaded from a file cannot be made unavailable.
func (l *Loader) SetUnavailable(origin string, why Unavailable) error {
	origin, err := feedOrigin(origin)
	if err != nil {
		return err
	}
	if why != Available && why != NotReady && why != Expired {
		return fmt.Errorf("zone %s: unknown state %d", origin, why)
	}
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	var held *Zone
	if i := l.index(origin); i >= 0 {
		if l.zones[i].why == why {
			return nil // nothing changes
		}
		held = l.zones[i].zone
	}
	if why == Available && held == nil {
		return fmt.Errorf("zone %s has no version to serve", origin)
	}
	z := &loaded{origin: origin, fed: true, zone: held, why: why}
	if why != Available {
		z.standIn = unavailableZone(origin, why)
	}
	return l.replaceFed(origin, z)
}

// Remove stops serving the fed zone origin and forgets it and its metrics.
func (l *Loader) Remove(origin string) error {
	origin, err := feedOrigin(origin)
	if err != nil {
		return err
	}
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	i := l.index(origin)
	if i < 0 {
		return fmt.Errorf("zone %s is not served", origin)
	}
	if !l.zones[i].fed {
		return fmt.Errorf("zone %s is loaded from a file, not fed", origin)
	}
	if err := l.publish(slices.Delete(slices.Clone(l.zones), i, i+1)); err != nil {
		return err
	}
	l.metrics.forget(origin)
	return nil
}

// Zone returns the version of the zone origin that is serving: nil when the Loader
// has none, or the zone serves no data (SetUnavailable).
func (l *Loader) Zone(origin string) *Zone {
	origin = strings.ToLower(dns.Fqdn(origin))
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := l.index(origin); i >= 0 {
		return l.zones[i].version()
	}
	return nil
}

// feedOrigin returns origin lower-case and fully qualified, or why it is not a
// domain name.
func feedOrigin(origin string) (string, error) {
	o := strings.ToLower(dns.Fqdn(origin))
	if _, ok := dns.IsDomainName(o); !ok {
		return "", fmt.Errorf("zone origin %q is not a domain name", origin)
	}
	return o, nil
}

// index returns where the zone origin is in l.zones, -1 when it is not there.
func (l *Loader) index(origin string) int {
	return slices.IndexFunc(l.zones, func(z *loaded) bool { return z.origin == origin })
}

// replaceFed publishes the set with z in place of the fed zone of its origin, or
// added when new. l.mu is held.
func (l *Loader) replaceFed(origin string, z *loaded) error {
	next := slices.Clone(l.zones)
	switch i := l.index(origin); {
	case i < 0:
		next = append(next, z)
	case !next[i].fed:
		return fmt.Errorf("zone %s is loaded from a file, not fed", origin)
	default:
		next[i] = z
	}
	return l.publish(next)
}

package zone

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Configure makes zones the zones loaded from files, for a reload of the
// configuration, and publishes the new set with one Store.Publish:
//   - a zone new to the list is loaded, and served once it loaded; one that does not
//     load is left out (its result says why) and the others go ahead;
//   - a zone whose master file is another (Source.Path) is loaded from the new file;
//     when that fails the version serving keeps serving, from the old file;
//   - a zone no longer listed stops being served, and its metrics are forgotten;
//   - a zone listed as before keeps the version serving (Reload loads it again when
//     its file changed).
//
// Zones fed from elsewhere (Feed) are left as they are; a zone listed here that is
// fed is an error, and so are an origin that is not a domain name and one listed
// twice: then nothing changes. The results list the zones loaded, in list order;
// the error joins their failures, each naming file:line.
func (l *Loader) Configure(zones []ZoneFile) ([]LoadResult, error) {
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.loaded {
		return nil, errors.New("zone configure: the zones were never loaded (LoadAll)")
	}
	wanted := make([]*loaded, 0, len(zones))
	for _, zf := range zones {
		if zf.Source.Path == "" {
			zf.Source.Path = zf.Source.Name
		}
		origin := strings.ToLower(dns.Fqdn(zf.Origin))
		if _, ok := dns.IsDomainName(origin); !ok {
			return nil, fmt.Errorf("zone origin %q is not a domain name", zf.Origin)
		}
		if slices.ContainsFunc(wanted, func(z *loaded) bool { return z.origin == origin }) {
			return nil, fmt.Errorf("zone %s is configured twice", origin)
		}
		if i := l.index(origin); i >= 0 && l.zones[i].fed {
			return nil, fmt.Errorf("zone %s is fed (a secondary zone), not loaded from a file", origin)
		}
		wanted = append(wanted, &loaded{origin: origin, src: zf.Source})
	}

	var (
		results []LoadResult
		errs    []error
		next    = make([]*loaded, 0, len(wanted)+len(l.zones))
		changed bool
	)
	for _, w := range wanted {
		var old *loaded
		if i := l.index(w.origin); i >= 0 {
			old = l.zones[i]
		}
		if old != nil && old.src.Path == w.src.Path && old.src.Name == w.src.Name {
			next = append(next, old)
			continue
		}
		nz, res := w.load(l.tuneGC, l.dnssec)
		if res.Err != nil {
			errs = append(errs, res.Err)
			if old != nil {
				// Report, and keep serving, the version held.
				res.Serial, res.Records = old.zone.Serial(), old.zone.RecordCount()
				next = append(next, old)
			}
			results = append(results, res)
			l.metrics.reloaded(res)
			continue
		}
		results = append(results, res)
		next = append(next, nz)
		changed = true
	}
	var removed []string
	for _, z := range l.zones {
		switch {
		case z.fed:
			next = append(next, z)
		case !slices.ContainsFunc(wanted, func(w *loaded) bool { return w.origin == z.origin }):
			removed = append(removed, z.origin)
			changed = true
		}
	}
	if !changed {
		return results, errors.Join(errs...)
	}
	if err := l.publish(next); err != nil {
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = err
			}
		}
		return results, errors.Join(append(errs, err)...)
	}
	for _, r := range results {
		if r.Err == nil {
			l.metrics.loaded(r)
		}
	}
	for _, origin := range removed {
		l.metrics.forget(origin)
	}
	return results, errors.Join(errs...)
}

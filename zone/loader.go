package zone

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// ZoneFile is a configured zone: its origin and the master file it is loaded from.
type ZoneFile struct {
	Origin string // fully qualified; any case
	Source zonefile.Source
}

// LoadResult reports one attempt to load a zone.
type LoadResult struct {
	Origin  string        // the zone's origin, lower-case and fully qualified
	Path    string        // the master file, as shown to the operator
	Serial  uint32        // the serial now serving (the old one when Err is set)
	Records int           // the record count now serving (the old one when Err is set)
	Took    time.Duration // the time spent reading, checking and compiling
	Err     error         // why the load failed; the zone then keeps its old version

	// Duplicates is the number of exact duplicate records dropped by zonefile.Read.
	Duplicates int
	// Warnings are the problems that do not stop the zone from loading (see Warnings).
	Warnings []*zonefile.Error
	// DNSSEC is what the DNSSEC checks found in a signed zone (CheckDNSSEC, with the
	// Loader's DNSSECOptions); nil for an unsigned zone. The zone serves whatever
	// they found.
	DNSSEC *DNSSECReport
	// SignatureExpiry is the earliest expiration of a signature of the zone
	// (Zone.SignatureExpiry); the zero time when it has none.
	SignatureExpiry time.Time
}

// LoaderOptions are the optional settings of a Loader. The zero value records no
// metrics and leaves the process's garbage collector alone.
type LoaderOptions struct {
	// Metrics receives the per-zone metrics (NewLoaderMetrics); nil records none.
	Metrics *LoaderMetrics

	// TuneGC lets the Loader change settings of the garbage collector, which are the
	// whole process's, so that loads take less time and the resident size soon falls
	// back to the live zone data: GOGC is raised to 400 while a master file of at
	// most 64 MiB loads (unless the program set it higher or turned the collector
	// off), and the memory a load freed is returned to the OS (debug.FreeOSMemory)
	// 250 ms after each publish. Off by default, since a library must not change
	// process-wide settings unasked; cmd/anycastdns turns it on.
	TuneGC bool

	// DNSSEC says how the DNSSEC data of signed zones is checked at each load
	// (CheckDNSSEC). The zero value checks at the time of the load, without the
	// cryptographic verification of signatures.
	DNSSEC DNSSECOptions

	// Published, when set, is called after each Store.Publish once per zone whose
	// version changed, whether a file was (re)loaded or a version was fed
	// (Feed, SetUnavailable, Remove): old is the version served before, nil for a
	// zone new to the set; new the one served now, nil when the zone serves no data
	// (SetUnavailable) or was removed. The calls come in publish order, outside the
	// Loader's lock (they may call the Loader), from the goroutine that published or
	// one publishing at the same time.
	Published func(origin string, old, new *Zone)
}

// Loader loads the configured zones and reloads those whose file changed, publishing
// each new Set to a Store. A new Set is built beside the one serving and swapped in with
// one pointer store, so queries in flight finish on the set they started with and none
// is dropped; a zone that fails to reload keeps its old version serving.
//
// Reload detects a change by the master file's size and modification time, or by a
// hash of its content when the file system keeps no times (embed.FS). A zone that
// $INCLUDEs other files is reloaded on every Reload, since its parts change on their own.
//
// A Loader is safe for concurrent use; loads run one at a time.
type Loader struct {
	store   *Store
	metrics *LoaderMetrics
	tuneGC  bool
	dnssec  DNSSECOptions

	mu     sync.Mutex
	zones  []*loaded // in configuration order, then the fed zones in order of arrival
	loaded bool      // LoadAll succeeded once

	// published is LoaderOptions.Published; pending are the calls owed to it, made
	// by the one caller that is draining.
	published func(origin string, old, new *Zone)
	pending   []publication
	draining  bool
}

// loaded is one zone and the version of it that is serving. It is never modified:
// a change makes a new one.
type loaded struct {
	origin   string
	src      zonefile.Source
	zone     *Zone     // nil until the first successful load
	stamp    fileStamp // of the file zone was loaded from
	includes bool      // records came from more than one file ($INCLUDE)

	// fed marks a zone whose versions come from elsewhere (Feed), not from a file.
	fed bool
	// why, when not Available, says why the zone serves no data; standIn is then
	// what the set holds for it (unavailableZone).
	why     Unavailable
	standIn *Zone
}

// version returns the version the zone serves, nil when none.
func (z *loaded) version() *Zone {
	if z.why != Available {
		return nil
	}
	return z.zone
}

// served returns what the set holds for the zone, nil when nothing.
func (z *loaded) served() *Zone {
	if z.why != Available {
		return z.standIn
	}
	return z.zone
}

// NewLoader returns a Loader for zones that publishes to store, with the options of
// opt. An origin that is not a domain name, or given twice, is an error.
func NewLoader(store *Store, zones []ZoneFile, opt LoaderOptions) (*Loader, error) {
	l := &Loader{store: store, metrics: opt.Metrics, tuneGC: opt.TuneGC, dnssec: opt.DNSSEC,
		published: opt.Published}
	seen := make(map[string]bool, len(zones))
	for _, zf := range zones {
		if zf.Source.Path == "" { // as zonefile.Read names it
			zf.Source.Path = zf.Source.Name
		}
		origin := strings.ToLower(dns.Fqdn(zf.Origin))
		if _, ok := dns.IsDomainName(origin); !ok {
			return nil, fmt.Errorf("zone origin %q is not a domain name", zf.Origin)
		}
		if seen[origin] {
			return nil, fmt.Errorf("zone %s is configured twice", origin)
		}
		seen[origin] = true
		l.zones = append(l.zones, &loaded{origin: origin, src: zf.Source})
	}
	return l, nil
}

// LoadAll loads every configured zone, changed or not, and publishes the set when all
// of them loaded. It is meant for start-up, where a zone that does not load must stop
// the program: the error then joins every failure (each naming file:line) and nothing
// is published. The results list every zone loaded from a file in configuration
// order; zones fed from elsewhere (Feed) are published as they are. A Loader with
// no zone files publishes the fed zones, or an empty set.
func (l *Loader) LoadAll() ([]LoadResult, error) {
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	results := make([]LoadResult, 0, len(l.zones))
	next := slices.Clone(l.zones)
	var errs []error
	for i, z := range l.zones {
		if z.fed {
			continue
		}
		nz, res := z.load(l.tuneGC, l.dnssec)
		results = append(results, res)
		if res.Err != nil {
			errs = append(errs, res.Err)
			continue
		}
		next[i] = nz
	}
	if len(errs) > 0 {
		return results, errors.Join(errs...)
	}
	if err := l.publish(next); err != nil {
		return results, err
	}
	l.loaded = true
	for _, r := range results {
		l.metrics.loaded(r)
	}
	return results, nil
}

// Reload loads again the zones whose file changed since they were loaded and publishes
// a new set holding the new versions beside the unchanged zones. A zone that fails
// keeps its old version serving; the returned error joins the failures, each naming
// file:line, for the caller to log. The results list only the zones that were tried.
// Zones fed from elsewhere (Feed) are left as they are.
func (l *Loader) Reload() ([]LoadResult, error) {
	defer l.notify()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.loaded {
		return nil, errors.New("zone reload: the zones were never loaded (LoadAll)")
	}
	var (
		results []LoadResult
		errs    []error
		changed bool
	)
	next := make([]*loaded, len(l.zones))
	copy(next, l.zones)
	for i, z := range l.zones {
		if z.fed {
			continue
		}
		if !z.includes {
			st, err := stampOf(z.src)
			if err == nil && st == z.stamp {
				// Unchanged, or put back as the version serving after a failed
				// edit (a broken file replaced by the good one, same size and
				// time): nothing to load, and nothing failing any more.
				l.metrics.serving(z.origin)
				continue
			}
		}
		nz, res := z.load(l.tuneGC, l.dnssec)
		if res.Err != nil {
			// Report the version that keeps serving.
			res.Serial, res.Records = z.zone.Serial(), z.zone.RecordCount()
			results = append(results, res)
			errs = append(errs, res.Err)
			l.metrics.reloaded(res)
			continue
		}
		results = append(results, res)
		next[i] = nz
		changed = true
	}
	if changed {
		perr := l.publish(next)
		for i := range results {
			r := &results[i]
			if r.Err != nil {
				continue
			}
			if perr != nil { // nothing new serves: report the new versions as failed
				old := l.zones[slices.IndexFunc(l.zones, func(z *loaded) bool { return z.origin == r.Origin })].zone
				r.Err, r.Serial, r.Records = perr, old.Serial(), old.RecordCount()
			}
			l.metrics.reloaded(*r)
		}
		if perr != nil {
			errs = append(errs, perr)
		}
	}
	return results, errors.Join(errs...)
}

// Zones returns the zone versions serving, in configuration order, then those fed
// from elsewhere that have one; nil until LoadAll succeeded.
func (l *Loader) Zones() []*Zone {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.loaded {
		return nil
	}
	zs := make([]*Zone, 0, len(l.zones))
	for _, z := range l.zones {
		if v := z.version(); v != nil {
			zs = append(zs, v)
		}
	}
	return zs
}

// publish builds the set of next and makes it current; next becomes the serving list
// and the changes of version are queued for the Published callback (notify).
func (l *Loader) publish(next []*loaded) error {
	zs := make([]*Zone, 0, len(next))
	for _, z := range next {
		if s := z.served(); s != nil {
			zs = append(zs, s)
		}
	}
	set, err := NewSet(zs...)
	if err != nil {
		return err
	}
	l.store.Publish(set)
	l.queueChanges(l.zones, next)
	l.zones = next
	if l.tuneGC {
		// A load allocates about three times what the new zone keeps (the parser's
		// records, the check indexes, the replaced zone once queries in flight drop
		// it), and the runtime returns freed spans to the OS only slowly. Returning
		// them soon keeps the resident size near the live zone data: about 330 → 205
		// MiB after loading 300,000 records. It costs one extra garbage collection per
		// publish, run beside the caller, which can start serving the new set at once.
		releaseOSMemory()
	}
	return nil
}

// load reads, checks and compiles the zone's file and checks its DNSSEC data with o,
// returning the new state and the result, with the GC percent raised
// (raiseGCPercent) when tuneGC is set. The receiver is not modified.
func (z *loaded) load(tuneGC bool, o DNSSECOptions) (*loaded, LoadResult) {
	res := LoadResult{Origin: z.origin, Path: z.src.Path}
	start := time.Now()
	// Stamp before reading: a write racing with the read then shows as a change at the
	// next Reload instead of being missed.
	st, err := stampOf(z.src)
	if err != nil {
		res.Err = &zonefile.Error{File: z.src.Path, Rule: "open", Msg: err.Error()}
		res.Took = time.Since(start)
		return nil, res
	}
	if tuneGC && st.size <= loadGCMaxSize {
		defer raiseGCPercent()()
	}
	recs, stats, err := zonefile.ReadWithStats(z.src, z.origin)
	if err != nil {
		res.Err, res.Took = err, time.Since(start)
		return nil, res
	}
	res.Duplicates = stats.Duplicates
	nz, err := build(z.origin, recs, o, &res)
	res.Took = time.Since(start)
	if err != nil {
		res.Err = err
		return nil, res
	}
	return &loaded{origin: z.origin, src: z.src, zone: nz, stamp: st, includes: fromIncludes(z.src, recs)}, res
}

// fromIncludes reports whether some of recs came from a file other than src's own.
func fromIncludes(src zonefile.Source, recs []zonefile.Record) bool {
	for _, r := range recs {
		if r.File != "" && r.File != src.Path {
			return true
		}
	}
	return false
}

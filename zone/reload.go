package zone

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

	mu     sync.Mutex
	zones  []*loaded // in configuration order
	loaded bool      // LoadAll succeeded once
}

// loaded is one configured zone and the version of it that is serving.
type loaded struct {
	origin   string
	src      zonefile.Source
	zone     *Zone     // nil until the first successful load
	stamp    fileStamp // of the file zone was loaded from
	includes bool      // records came from more than one file ($INCLUDE)
}

// NewLoader returns a Loader for zones that publishes to store. metrics may be nil.
// An origin that is not a domain name, or given twice, is an error.
func NewLoader(store *Store, metrics *LoaderMetrics, zones ...ZoneFile) (*Loader, error) {
	l := &Loader{store: store, metrics: metrics}
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
// is published. The results list every zone in configuration order.
func (l *Loader) LoadAll() ([]LoadResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	results := make([]LoadResult, 0, len(l.zones))
	next := make([]*loaded, len(l.zones))
	var errs []error
	for i, z := range l.zones {
		nz, res := z.load()
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
func (l *Loader) Reload() ([]LoadResult, error) {
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
		if !z.includes {
			st, err := stampOf(z.src)
			if err == nil && st == z.stamp {
				continue // unchanged
			}
		}
		nz, res := z.load()
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

// Zones returns the zones serving, in configuration order; nil until LoadAll succeeded.
func (l *Loader) Zones() []*Zone {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.loaded {
		return nil
	}
	zs := make([]*Zone, 0, len(l.zones))
	for _, z := range l.zones {
		zs = append(zs, z.zone)
	}
	return zs
}

// publish builds the set of next and makes it current; next becomes the serving list.
func (l *Loader) publish(next []*loaded) error {
	zs := make([]*Zone, 0, len(next))
	for _, z := range next {
		zs = append(zs, z.zone)
	}
	set, err := NewSet(zs...)
	if err != nil {
		return err
	}
	l.store.Publish(set)
	l.zones = next
	// A load allocates about three times what the new zone keeps (the parser's
	// records, the check indexes, the replaced zone once queries in flight drop it),
	// and the runtime returns freed spans to the OS only slowly. Returning them soon
	// keeps the resident size near the live zone data: about 330 → 205 MiB after
	// loading 300,000 records. It costs one extra garbage collection per publish,
	// run beside the caller, which can start serving the new set at once.
	releaseOSMemory()
	return nil
}

// loadGCPercent is the GOGC value in force while a zone loads. A load allocates about
// 1.7 times what the zone it builds keeps, and most of it stays reachable to the end
// (records, check index, staged nodes), so collecting at the default 100 % mostly
// marks live data again and again: at 400 % the root zone loads with one collection
// instead of five or six (60 instead of 68 ms), and the heap peaks at about what the
// load allocates on top of what was live before it.
const loadGCPercent = 400

// loadGCMaxSize is the largest master file loaded with the GC percent raised: the
// peak heap of a larger load would grow by gigabytes (a zone of a million
// delegations), where the collections saved are a small part of the load time.
const loadGCMaxSize = 64 << 20

// gcRaise counts the loads in progress, so that overlapping loads (of different
// Loaders) raise the GC percent once and the last one to finish restores it.
var gcRaise struct {
	sync.Mutex
	n      int
	prev   int
	raised bool
}

// raiseGCPercent sets the GC percent to loadGCPercent, unless the program set it
// higher or turned the collector off, and returns the function that restores it.
func raiseGCPercent() (restore func()) {
	gcRaise.Lock()
	defer gcRaise.Unlock()
	if gcRaise.n == 0 {
		gcRaise.prev = debug.SetGCPercent(loadGCPercent)
		gcRaise.raised = gcRaise.prev >= 0 && gcRaise.prev < loadGCPercent
		if !gcRaise.raised {
			debug.SetGCPercent(gcRaise.prev)
		}
	}
	gcRaise.n++
	return func() {
		gcRaise.Lock()
		defer gcRaise.Unlock()
		if gcRaise.n--; gcRaise.n == 0 && gcRaise.raised {
			debug.SetGCPercent(gcRaise.prev)
		}
	}
}

// releaseDelay is how long after a publish the load's freed memory is returned.
const releaseDelay = 250 * time.Millisecond

// releasing counts the requests to return freed memory to the OS that are not
// served yet; while it is above zero one goroutine serves them, so that two
// debug.FreeOSMemory calls never run at once.
var releasing atomic.Int64

// releaseOSMemory returns the memory the heap no longer uses to the OS, in a
// goroutine, releaseDelay after the publish: a garbage collection and a scavenge of the
// whole heap, which the publishing caller need not wait for.
func releaseOSMemory() {
	if releasing.Add(1) > 1 {
		return // the running goroutine goes round again
	}
	go func() {
		// After the first queries to the new set: the collection and scavenge take
		// a core for tens of milliseconds (about 25 ms of CPU after the root zone),
		// which a server that has just opened its listeners needs more.
		time.Sleep(releaseDelay)
		for {
			asked := releasing.Load()
			debug.FreeOSMemory()
			if releasing.Add(-asked) == 0 {
				return
			}
		}
	}()
}

// load reads, checks and compiles the zone's file, returning the new state and the
// result. The receiver is not modified.
func (z *loaded) load() (*loaded, LoadResult) {
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
	if st.size <= loadGCMaxSize {
		defer raiseGCPercent()()
	}
	recs, stats, err := zonefile.ReadWithStats(z.src, z.origin)
	if err == nil {
		var (
			nz       *Zone
			warnings []*zonefile.Error
		)
		nz, warnings, err = compile(z.origin, recs, true)
		if err == nil {
			res.Took = time.Since(start)
			res.Serial, res.Records = nz.Serial(), nz.RecordCount()
			res.Duplicates = stats.Duplicates
			res.Warnings = warnings
			return &loaded{origin: z.origin, src: z.src, zone: nz, stamp: st, includes: fromIncludes(z.src, recs)}, res
		}
	}
	res.Took = time.Since(start)
	res.Err = err
	return nil, res
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

// fileStamp identifies a version of a master file.
type fileStamp struct {
	size    int64
	modTime time.Time
	sum     [sha256.Size]byte // only when the file system keeps no modification time
}

// stampOf returns the stamp of src's file: size and modification time, or a hash of the
// content when the modification time is zero (embed.FS).
func stampOf(src zonefile.Source) (fileStamp, error) {
	fi, err := fs.Stat(src.FS, src.Name)
	if err != nil {
		return fileStamp{}, err
	}
	st := fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	if st.modTime.IsZero() {
		b, err := fs.ReadFile(src.FS, src.Name)
		if err != nil {
			return fileStamp{}, err
		}
		st.sum = sha256.Sum256(b)
	}
	return st, nil
}

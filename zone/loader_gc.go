package zone

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// The garbage-collector tuning a Loader does when LoaderOptions.TuneGC is set: the GC
// percent raised while a zone loads, and the memory a load freed returned to the OS
// after a publish. Both act on the whole process, so a Loader does neither unasked.

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

// loadGCMaxRecords is loadGCMaxSize in records, for a version built from records
// (a zone received by transfer) rather than read from a file: a master file line
// is some 35 octets, so about two million records.
const loadGCMaxRecords = 2 << 20

// Build is the package's Build for a version of a zone that will be fed to l (a
// zone received by transfer), with the GC percent raised as for a load of a file
// (raiseGCPercent) when l tunes the collector (LoaderOptions.TuneGC) and the zone
// has at most loadGCMaxRecords records: building the 100k-delegation zone received
// by AXFR takes 16 % less time at 400 % than at 100 %.
func (l *Loader) Build(origin string, rrs []dns.RR, o DNSSECOptions) (z *Zone, res LoadResult, err error) {
	l.withLoadGC(len(rrs), func() { z, res, err = Build(origin, rrs, o) })
	return z, res, err
}

// withLoadGC runs build, of a zone of n records, with the GC percent raised when l
// tunes the collector and the zone is not too large for it.
func (l *Loader) withLoadGC(n int, build func()) {
	if l.tuneGC && n <= loadGCMaxRecords {
		defer raiseGCPercent()()
	}
	build()
}

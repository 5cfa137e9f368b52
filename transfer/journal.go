package transfer

import (
	"sync"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/miekg/dns"
)

// Default bounds of a Journal, per zone.
const (
	// DefaultJournalDiffs is how many deltas a zone keeps.
	DefaultJournalDiffs = 100
	// DefaultJournalBytes is how many bytes of records (wire form, uncompressed)
	// a zone's deltas may take.
	DefaultJournalBytes = 16 << 20
)

// Journal keeps the latest differences between the versions of each zone, in
// memory, so that IXFR (RFC 1995) can send a client only what changed since
// the version it holds. Each zone's chain is bounded by MaxDiffs and MaxBytes:
// the oldest deltas go first, and a client older than the chain gets the whole
// zone (RFC 1995 section 4 allows it). The zero Journal is ready to use. A
// Journal is safe for concurrent use.
type Journal struct {
	// MaxDiffs bounds the deltas kept per zone (0: DefaultJournalDiffs).
	MaxDiffs int
	// MaxBytes bounds the bytes of records kept per zone (0: DefaultJournalBytes).
	MaxBytes int

	mu    sync.Mutex
	zones map[string]*chain
}

// chain is the deltas of one zone, oldest first, each following the one before
// (its old serial the previous one's new serial).
type chain struct {
	diffs []zone.Diff
	sizes []int
	bytes int
}

// Add records d, the delta from one version of origin to the next. A delta
// that does not follow the newest one held (its old serial is not that
// version's serial) starts the chain anew; one larger than MaxBytes on its own
// empties it.
func (j *Journal) Add(origin string, d zone.Diff) {
	from, to, ok := diffSerials(d)
	if !ok {
		return
	}
	size := diffBytes(d)
	key := canonical(origin)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.zones == nil {
		j.zones = make(map[string]*chain)
	}
	c := j.zones[key]
	if c == nil || !c.follows(from) {
		c = &chain{}
		j.zones[key] = c
	}
	if from == to || size > j.maxBytes() {
		delete(j.zones, key)
		return
	}
	c.diffs = append(c.diffs, d)
	c.sizes = append(c.sizes, size)
	c.bytes += size
	for len(c.diffs) > j.maxDiffs() || c.bytes > j.maxBytes() {
		c.bytes -= c.sizes[0]
		c.diffs[0] = zone.Diff{}
		c.diffs, c.sizes = c.diffs[1:], c.sizes[1:]
	}
}

// Since returns the deltas of origin from the version with serial to the newest
// held, and whether the journal has that chain. A serial equal to the newest
// gives no deltas and true.
func (j *Journal) Since(origin string, serial uint32) ([]zone.Diff, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := j.zones[canonical(origin)]
	if c == nil || len(c.diffs) == 0 {
		return nil, false
	}
	for i, d := range c.diffs {
		if from, _, _ := diffSerials(d); from == serial {
			return append([]zone.Diff(nil), c.diffs[i:]...), true
		}
	}
	if c.follows(serial) {
		return nil, true
	}
	return nil, false
}

// Drop forgets the deltas of origin (a zone removed, or loaded anew from a
// file that does not follow the versions held).
func (j *Journal) Drop(origin string) {
	j.mu.Lock()
	delete(j.zones, canonical(origin))
	j.mu.Unlock()
}

func (j *Journal) maxDiffs() int { return positiveOr(j.MaxDiffs, DefaultJournalDiffs) }

func (j *Journal) maxBytes() int { return positiveOr(j.MaxBytes, DefaultJournalBytes) }

// follows reports whether a delta from serial continues c: c is empty, or its
// newest delta ends at serial.
func (c *chain) follows(serial uint32) bool {
	if len(c.diffs) == 0 {
		return true
	}
	_, to, _ := diffSerials(c.diffs[len(c.diffs)-1])
	return to == serial
}

// diffSerials returns the old and new serials of d, from the SOA records that
// start its Removed and Added lists (RFC 1995 section 4).
func diffSerials(d zone.Diff) (from, to uint32, ok bool) {
	if len(d.Removed) == 0 || len(d.Added) == 0 {
		return 0, 0, false
	}
	old, ok1 := d.Removed[0].(*dns.SOA)
	cur, ok2 := d.Added[0].(*dns.SOA)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return old.Serial, cur.Serial, true
}

// diffBytes is the size of d's records in uncompressed wire form.
func diffBytes(d zone.Diff) int {
	n := 0
	for _, rr := range d.Removed {
		n += dns.Len(rr)
	}
	for _, rr := range d.Added {
		n += dns.Len(rr)
	}
	return n
}

package transfer

import (
	"context"
	"sync"
	"time"

	"github.com/anycastdns/anycastdns/zone"
)

// secZone is one secondary zone: its configuration, the loop's controls, and what
// the loop knows of its freshness, which Status reads.
type secZone struct {
	cfg    SecondaryZone
	file   string        // the persisted copy
	notify chan struct{} // a NOTIFY asks for a check; one pending at most
	// persist holds the newest version not yet written as the copy, for the
	// zone's writer (Secondary.writeCopies); the loop is its only sender.
	persist chan *zone.Zone
	// joining is set for a zone added while the engine ran (ZoneStatus.Joining).
	joining bool
	// copyServed is set when Start served the persisted copy already; written
	// before the loop starts.
	copyServed bool
	done       chan struct{}      // closed when the loop returned
	cancel     context.CancelFunc // ends the loop; nil until it runs

	mu sync.Mutex // guards the fields below; written by the loop only
	fr freshness
}

// freshness is what a zone's loop knows of its version and of the primary.
type freshness struct {
	cur           *zone.Zone      // the version held (serving unless expired); nil for none
	res           zone.LoadResult // the result of building cur
	primarySerial uint32
	primaryKnown  bool
	lastRefresh   time.Time // the last successful refresh (SOA check or transfer)
	lastTransfer  time.Time // the last version taken in
	expires       time.Time // the expire deadline; zero while nothing is held
	laggingSince  time.Time // first seen a newer primary serial not yet taken in
	expired       bool
	refresh       time.Duration // the interval between checks now in use
}

func newSecZone(cfg SecondaryZone, file string) *secZone {
	return &secZone{cfg: cfg, file: file, notify: make(chan struct{}, 1), done: make(chan struct{}),
		persist: make(chan *zone.Zone, 1)}
}

// stop ends z's loop, if it runs, and waits for it.
func (z *secZone) stop() {
	if z.cancel == nil {
		return
	}
	z.cancel()
	<-z.done
}

// get returns a copy of z's freshness.
func (z *secZone) get() freshness {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.fr
}

// update changes z's freshness with f and returns the result.
func (z *secZone) update(f func(*freshness)) freshness {
	z.mu.Lock()
	defer z.mu.Unlock()
	f(&z.fr)
	return z.fr
}

// sawPrimary records the primary's serial, answered at now. The zone lags from the
// first answer newer than the version held until that version is taken in.
func (f *freshness) sawPrimary(now time.Time, serial uint32) {
	f.primarySerial, f.primaryKnown = serial, true
	if f.behind() {
		if f.laggingSince.IsZero() {
			f.laggingSince = now
		}
	} else {
		f.laggingSince = time.Time{}
	}
}

// behind reports whether the primary's last serial is newer than the one held
// (RFC 1982 section 3.2).
func (f *freshness) behind() bool {
	if !f.primaryKnown {
		return false
	}
	return f.cur == nil || serialNewer(f.primarySerial, f.cur.Serial())
}

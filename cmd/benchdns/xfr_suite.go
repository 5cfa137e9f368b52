package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/dns"
)

// TransferSample is one round of the transfer suite for one secondary. The times run
// from the moment the secondary is told (its process start with no copy, or the
// NOTIFY) to its first authoritative answer with the primary's new serial.
type TransferSample struct {
	RootAXFR time.Duration // the root zone, by AXFR, from an empty start
	ZoneAXFR time.Duration // the delegation zone, by AXFR, from an empty start
	ZoneIXFR time.Duration // perVersion changes to the delegation zone, by IXFR after a NOTIFY
	Idle     Sample        // dnsperf at the fixed rate on the delegation zone, no transfer
	Busy     Sample        // the same while a copy of the delegation zone comes in whole
	BusyXFR  time.Duration // NOTIFY to the new serial of that copy, during Busy
	// Outlasted is whether that transfer ended after the Busy run did: the run's p99
	// then saw only part of it.
	Outlasted bool
}

// Metric accessors of transfer samples, for the transfer table.
func rootAXFRMS(t TransferSample) float64 { return ms(t.RootAXFR) }
func zoneAXFRMS(t TransferSample) float64 { return ms(t.ZoneAXFR) }
func zoneIXFRMS(t TransferSample) float64 { return ms(t.ZoneIXFR) }
func idleP99MS(t TransferSample) float64  { return p99MS(t.Idle) }
func busyP99MS(t TransferSample) float64  { return p99MS(t.Busy) }
func busyXFRMS(t TransferSample) float64  { return ms(t.BusyXFR) }
func busyLost(t TransferSample) float64   { return lostPct(t.Busy) }
func busyOthers(t TransferSample) float64 { return othersPct(t.Busy) }

// stallRatio is the p99 during the transfer over the idle p99 of the same round.
func stallRatio(t TransferSample) float64 {
	if t.Idle.Perf.P99 <= 0 {
		return 0
	}
	return float64(t.Busy.Perf.P99) / float64(t.Idle.Perf.P99)
}

// xfrOrigin is the origin of the second delegation zone of the stall runs, transferred
// whole while the first one (sizeOrigin) is queried.
const xfrOrigin = "big."

// xfrChanges is how many records each new version of the delegation zone changes.
const xfrChanges = 100

// stallLead is how long the fixed-rate run goes before the NOTIFY that starts the
// transfer, so that the transfer falls inside the run.
const stallLead = time.Second

// TransferSuite is the setup and the results of the transfer suite.
type TransferSuite struct {
	Delegations   int
	RootRecords   int
	ZoneRecords   int
	StallDuration time.Duration // length of each stall run
	Servers       []ServerRuns
	LoadAvg       [2]string

	knotc      string
	primaryDir string
	primary    *net.UDPAddr
	rootSerial uint32
	zoneFile   string // the primary's file of sizeOrigin, rewritten for each version
	bigFile    string // the primary's file of xfrOrigin, rewritten for each version
	queries    string // dnsperf queries of sizeOrigin
	versions   map[string]int
}

// runTransfer starts a Knot primary of the root zone and two delegation zones of n
// delegations each, then for b.Rounds rounds, for each server in turn, takes the
// samples of a TransferSample (transferRound).
func (b *Bench) runTransfer(ctx context.Context, dir, knotd, knotc, rootZone string, n int, seed uint64, nQueries int, stall time.Duration) (*TransferSuite, error) {
	xdir := filepath.Join(dir, "transfer")
	if err := os.MkdirAll(xdir, 0o755); err != nil {
		return nil, err
	}
	g, err := genSize(xdir, n, seed, nQueries)
	if err != nil {
		return nil, err
	}
	ts := &TransferSuite{Delegations: n, ZoneRecords: g.Records, StallDuration: stall, knotc: knotc,
		zoneFile: g.ZoneFile, bigFile: filepath.Join(xdir, "big.zone"), queries: g.QueryFile,
		versions: map[string]int{sizeOrigin: 0, xfrOrigin: 0}}
	if _, err := writeDelegations(ts.bigFile, xfrOrigin, n, 0, xfrChanges); err != nil {
		return nil, err
	}
	if ts.RootRecords, err = countRecords(rootZone, "."); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(rootZone)
	if err != nil {
		return nil, err
	}
	zones := []Zone{{Origin: ".", File: root}, {Origin: sizeOrigin, File: g.ZoneFile}, {Origin: xfrOrigin, File: ts.bigFile}}
	// Every server starts with no state: none left by an earlier run in the -out folder.
	ts.primaryDir = filepath.Join(xdir, "primary")
	if err := os.RemoveAll(ts.primaryDir); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Log, "transfer: %d records in the root zone, %d in each delegation zone\n", ts.RootRecords, ts.ZoneRecords)
	p, _, err := b.startLogged(ctx, "starting", KnotPrimary{Bin: knotd, Journaled: []string{sizeOrigin}}, ts.primaryDir, zones)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	ts.primary = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p.Port}
	if ts.rootSerial, err = querySerial(ts.primary, "."); err != nil {
		return nil, err
	}
	ts.LoadAvg[0] = loadAverage()
	ts.Servers = make([]ServerRuns, len(b.Servers))
	for round := 1; round <= b.Rounds; round++ {
		for i, s := range b.Servers {
			t, err := b.transferRound(ctx, ts, s, filepath.Join(xdir, fmt.Sprintf("%s-%d", s.Name(), round)))
			if err != nil {
				return nil, fmt.Errorf("transfer, round %d, %s: %v", round, s.Name(), err)
			}
			fmt.Fprintf(b.Log, "  transfer round %d %-10s root AXFR %v, %d-delegation AXFR %v, IXFR %v; p99 idle %.3f ms, during AXFR %.3f ms (AXFR %v, outlasted the run: %v)\n",
				round, s.Name(), t.RootAXFR.Round(time.Millisecond), n, t.ZoneAXFR.Round(time.Millisecond), t.ZoneIXFR.Round(time.Millisecond),
				idleP99MS(t), busyP99MS(t), t.BusyXFR.Round(time.Millisecond), t.Outlasted)
			ts.Servers[i].Name = s.Name()
			ts.Servers[i].Xfrs = append(ts.Servers[i].Xfrs, t)
		}
	}
	ts.LoadAvg[1] = loadAverage()
	return ts, nil
}

// transferRound takes one TransferSample of s, each part with s started afresh in its
// own folder under dir and stopped afterwards: the root zone by AXFR; the delegation
// zone by AXFR, then the next version of it by IXFR; and the fixed-rate runs on the
// delegation zone, idle and while the other delegation zone comes in whole.
func (b *Bench) transferRound(ctx context.Context, ts *TransferSuite, s Server, dir string) (TransferSample, error) {
	var t TransferSample
	primary := ts.primary.String()
	r, err := b.startSecondary(ctx, s, filepath.Join(dir, "root"), []Zone{{Origin: ".", Primary: primary}}, map[string]uint32{".": ts.rootSerial})
	if err != nil {
		return t, err
	}
	t.RootAXFR = r.Load
	r.stop()

	zone := Zone{Origin: sizeOrigin, Primary: primary}
	r, err = b.startSecondary(ctx, s, filepath.Join(dir, "zone"), []Zone{zone}, map[string]uint32{sizeOrigin: ts.serial(sizeOrigin)})
	if err != nil {
		return t, err
	}
	t.ZoneAXFR = r.Load
	err = ts.bump(ctx, sizeOrigin)
	if err == nil {
		t.ZoneIXFR, err = b.notifyVersion(ctx, ts, r, sizeOrigin)
	}
	r.stop()
	if err != nil {
		return t, fmt.Errorf("IXFR: %v", err)
	}

	big := Zone{Origin: xfrOrigin, Primary: primary}
	r, err = b.startSecondary(ctx, s, filepath.Join(dir, "stall"), []Zone{zone, big},
		map[string]uint32{sizeOrigin: ts.serial(sizeOrigin), xfrOrigin: ts.serial(xfrOrigin)})
	if err != nil {
		return t, err
	}
	defer r.stop()
	// What a server does after its first answer (persisting its copies, handing memory
	// back) is over before the idle run.
	if err := quiet(ctx, r); err != nil {
		return t, err
	}
	l := b.fixed(ts.queries, false)
	l.Duration = ts.StallDuration
	if t.Idle, err = b.measure(ctx, r, l); err != nil {
		return t, fmt.Errorf("idle run: %v", err)
	}
	t.Busy, t.BusyXFR, t.Outlasted, err = b.measureDuring(ctx, ts, r, l, xfrOrigin)
	return t, err
}

// startSecondary starts s in dir as a secondary of zones with no copy of them, waits
// until it answers with serials, and returns it with Load the time to that answer.
func (b *Bench) startSecondary(ctx context.Context, s Server, dir string, zones []Zone, serials map[string]uint32) (*Running, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	r, err := start(ctx, s, dir, zones, b.LoadTimeout)
	if err != nil {
		return nil, err
	}
	// The first authoritative answers came from the transfers, since there was no copy;
	// they must carry the primary's serials.
	for _, z := range zones {
		if err := r.awaitVersion(ctx, z.Origin, serials[z.Origin], 5*time.Second); err != nil {
			r.stop()
			return nil, err
		}
	}
	return r, nil
}

// awaitVersion waits up to timeout for r to answer origin's SOA with serial and
// returns when it did.
func (r *Running) awaitVersion(ctx context.Context, origin string, serial uint32, timeout time.Duration) error {
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.Port}
	_, err := awaitSerial(ctx, addr, origin, serial, probeInterval, time.Now().Add(timeout), r.done)
	if err != nil {
		return fmt.Errorf("%s, serial %d: %v: %s", r.Name, serial, err, r.logTail())
	}
	return nil
}

// serial returns the serial of the primary's current version of origin.
func (ts *TransferSuite) serial(origin string) uint32 {
	return uint32(sizeSerial + ts.versions[origin])
}

// bump writes the next version of origin (xfrChanges records changed), has the primary
// load it, and waits until the primary answers with its serial.
func (ts *TransferSuite) bump(ctx context.Context, origin string) error {
	file := ts.zoneFile
	if origin == xfrOrigin {
		file = ts.bigFile
	}
	ts.versions[origin]++
	if _, err := writeDelegations(file, origin, ts.Delegations, ts.versions[origin], xfrChanges); err != nil {
		return err
	}
	if err := knotReload(ctx, ts.knotc, ts.primaryDir, origin); err != nil {
		return err
	}
	_, err := awaitSerial(ctx, ts.primary, origin, ts.serial(origin), probeInterval, time.Now().Add(time.Minute), nil)
	return err
}

// notifyVersion NOTIFYs r of the primary's version of origin and returns the time from
// the NOTIFY to r's first answer with its serial.
func (b *Bench) notifyVersion(ctx context.Context, ts *TransferSuite, r *Running, origin string) (time.Duration, error) {
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.Port}
	done := make(chan struct{})
	type result struct {
		at  time.Time
		err error
	}
	got := make(chan result, 1)
	go func() {
		at, err := awaitSerial(ctx, addr, origin, ts.serial(origin), probeInterval, time.Now().Add(b.LoadTimeout), done)
		got <- result{at, err}
	}()
	sent, err := sendNotify(addr, origin)
	if err != nil {
		close(done)
		<-got
		return 0, err
	}
	res := <-got
	if res.err != nil {
		return 0, fmt.Errorf("%s after NOTIFY: %v: %s", r.Name, res.err, r.logTail())
	}
	return res.at.Sub(sent), nil
}

// measureDuring has the primary serve the next version of origin, then runs l against
// r and, stallLead into the run, NOTIFYs r of it (notifyVersion); it returns the run's
// sample, the transfer's time, and whether the transfer outlasted the run.
func (b *Bench) measureDuring(ctx context.Context, ts *TransferSuite, r *Running, l Load, origin string) (Sample, time.Duration, bool, error) {
	// The new version is ready at the primary before the run, so that only the
	// secondary's work falls inside it.
	if err := ts.bump(ctx, origin); err != nil {
		return Sample{}, 0, false, err
	}
	type result struct {
		s   Sample
		err error
	}
	got := make(chan result, 1)
	t0 := time.Now()
	go func() {
		s, err := b.measure(ctx, r, l)
		got <- result{s, err}
	}()
	var xfr time.Duration
	xerr := sleepCtx(ctx, stallLead)
	if xerr == nil {
		xfr, xerr = b.notifyVersion(ctx, ts, r, origin)
	}
	end := time.Now()
	res := <-got
	switch {
	case res.err != nil:
		return Sample{}, 0, false, fmt.Errorf("run during the transfer: %v", res.err)
	case xerr != nil:
		return Sample{}, 0, false, fmt.Errorf("transfer during the run: %v", xerr)
	}
	return res.s, xfr, end.Sub(t0) > l.Duration, nil
}

// querySerial asks addr for origin's SOA and returns its serial.
func querySerial(addr *net.UDPAddr, origin string) (uint32, error) {
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeSOA)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr.String())
	if err != nil {
		return 0, fmt.Errorf("SOA %s at %s: %v", origin, addr, err)
	}
	serial, ok := soaSerial(r)
	if !ok || !answersSOA(r, origin) {
		return 0, fmt.Errorf("SOA %s at %s: no authoritative SOA answer (rcode %s)", origin, addr, dns.RcodeToString[r.Rcode])
	}
	return serial, nil
}

// Quiet is a server using less than quietShare of a core over a quietStep, read for at
// most quietMax.
const (
	quietShare = 0.05
	quietStep  = 500 * time.Millisecond
	quietMax   = 30 * time.Second
)

// quiet waits until r is quiet (see quietShare), or quietMax.
func quiet(ctx context.Context, r *Running) error {
	prev, err := r.CPU()
	for waited := time.Duration(0); err == nil && waited < quietMax; waited += quietStep {
		if err = sleepCtx(ctx, quietStep); err != nil {
			break
		}
		var now time.Duration
		if now, err = r.CPU(); err != nil {
			break
		}
		if isQuiet(now-prev, quietStep) {
			return nil
		}
		prev = now
	}
	return err
}

// isQuiet reports whether cpu used over wall is less than quietShare of a core.
func isQuiet(cpu, wall time.Duration) bool {
	return float64(cpu) < quietShare*float64(wall)
}

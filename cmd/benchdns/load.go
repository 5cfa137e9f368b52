package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// LoadSample is one fresh start of a server on its zones.
type LoadSample struct {
	Load time.Duration // process start to the first authoritative SOA answer
	CPU  time.Duration // CPU time of the server's processes by then (clock ticks of 10 ms)
	Mem  Memory        // settled after the load (settledMemory)
	// Others is the CPU time the rest of the machine (neither the server nor benchdns's
	// probe, which is counted in it) used over Span, the wall time from just before the
	// start to just after these reads: the noise of a shared machine.
	Others, Span time.Duration
}

// Metric accessors of load samples, for the load table.
func loadMS(l LoadSample) float64    { return ms(l.Load) }
func loadCPUMS(l LoadSample) float64 { return ms(l.CPU) }
func rssMiB(l LoadSample) float64    { return float64(l.Mem.RSS) / (1 << 20) }
func loadOthersPct(l LoadSample) float64 {
	if l.Span <= 0 {
		return 0
	}
	return 100 * l.Others.Seconds() / l.Span.Seconds()
}

var loadColumns = []column[LoadSample]{
	{"load ms, median", medianOf, loadMS, "%.0f", true},
	{"load ms, min", minOf, loadMS, "%.0f", false},
	{"load ms, max", maxOf, loadMS, "%.0f", false},
	{"CPU ms to load, median", medianOf, loadCPUMS, "%.0f", true},
	{"RSS MiB, median", medianOf, rssMiB, "%.1f", true},
	{"rest of machine, % of a core", medianOf, loadOthersPct, "%.0f", false},
}

// The root-zone load goal of issue 5, against NSD in the same run: the zone loads no
// slower than NSD loads it, in no more than 1.5 × NSD's resident memory.
const (
	goalRef     = "NSD"
	goalLoadMax = 1.0 // ours/NSD, median load time
	goalRSSMax  = 1.5 // ours/NSD, median RSS
)

// LoadSuite is the result of the load rounds on one zone.
type LoadSuite struct {
	Title   string
	Records int
	Rounds  int
	LoadAvg [2]string // the load average before and after the rounds
	Servers []ServerRuns
	Goal    bool // the root zone: the table is followed by the load goal of issue 5
}

// runLoads starts each server on g's zone b.LoadRounds times, in turn (A B C A B C), each
// in a fresh folder under dir with no other server of the bench running, and stops it
// (by its PID) as soon as its load time, CPU time and memory are read.
func (b *Bench) runLoads(ctx context.Context, title, dir string, g *Generated) (*LoadSuite, error) {
	zones, err := zonesOf(g)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Log, "%s: %d fresh starts of each server\n", title, b.LoadRounds)
	ls := &LoadSuite{Title: title, Records: g.Records, Rounds: b.LoadRounds, Servers: make([]ServerRuns, len(b.Servers))}
	ls.LoadAvg[0] = loadAverage()
	for round := 1; round <= b.LoadRounds; round++ {
		for i, s := range b.Servers {
			label := fmt.Sprintf("%s round %d: starting", title, round)
			l, err := b.loadOnce(ctx, label, s, filepath.Join(dir, fmt.Sprintf("%s-%d", s.Name(), round)), zones)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %v", title, round, err)
			}
			ls.Servers[i].Name = s.Name()
			ls.Servers[i].Loads = append(ls.Servers[i].Loads, l)
		}
	}
	ls.LoadAvg[1] = loadAverage()
	return ls, nil
}

// loadOnce starts s in dir on zones, reads its load sample and the CPU time the rest of
// the machine used meanwhile, and stops it.
func (b *Bench) loadOnce(ctx context.Context, label string, s Server, dir string, zones []Zone) (LoadSample, error) {
	t0 := time.Now()
	busy0, err := machineBusy(procRoot)
	if err != nil {
		return LoadSample{}, err
	}
	r, l, err := b.startLogged(ctx, label, s, dir, zones)
	if err != nil {
		return LoadSample{}, err
	}
	busy1, err := machineBusy(procRoot)
	l.Span = time.Since(t0)
	r.stop()
	l.Others = max(busy1-busy0-l.CPU, 0)
	return l, err
}

// reportLoads prints the load table of l and, with l.Goal, whether ours meets the goal.
func reportLoads(w io.Writer, l *LoadSuite) {
	fmt.Fprintf(w, "\n### %s: %d records, %d fresh starts of each server\n\n", l.Title, l.Records, l.Rounds)
	fmt.Fprintf(w, "Servers started in turn (A B C A B C), each alone and stopped before the next start. "+
		"Load: process start to the first authoritative SOA answer (an SOA query sent every %v). "+
		"CPU: user+system time of the server's processes by then, in 10 ms clock ticks. "+
		"RSS: VmRSS of the largest process once settled (read every 0.5 s from 1 s after the first answer until, in half a second, it changes by less than 1 %% and the server uses under a tenth of a core). "+
		"Rest of machine: the CPU time other work (and the probe) used meanwhile; where it is high, the load times are noisy and the CPU times are the figures to compare. "+
		"Each server reads the master file at every start: NSD with database \"\" (no nsd.db), "+
		"Knot with zonefile-load: whole and no journal, anycastdns from its configuration. "+
		"Load average before and after the starts: %s; %s.\n\n",
		probeInterval, l.LoadAvg[0], l.LoadAvg[1])
	table(w, l.Servers, loadColumns, func(r ServerRuns) []LoadSample { return r.Loads })
	if l.Goal {
		loadGoal(w, l.Servers)
	}
}

// loadGoal prints ours/NSD of the median load time and RSS against the goal of issue 5,
// when both servers were measured.
func loadGoal(w io.Writer, runs []ServerRuns) {
	var mine, ref []LoadSample
	for _, r := range runs {
		switch r.Name {
		case ours:
			mine = r.Loads
		case goalRef:
			ref = r.Loads
		}
	}
	if len(mine) == 0 || len(ref) == 0 {
		return
	}
	load := median(mine, loadMS) / median(ref, loadMS)
	rss := median(mine, rssMiB) / median(ref, rssMiB)
	fmt.Fprintf(w, "\nGoal of issue 5 (load time ≤ %.2f × %s's, RSS ≤ %.2f × %s's): load %.2f× %s, RSS %.2f× %s.\n",
		goalLoadMax, goalRef, goalRSSMax, goalRef, load, verdict(load <= goalLoadMax), rss, verdict(rss <= goalRSSMax))
}

func verdict(met bool) string {
	if met {
		return "(met)"
	}
	return "(not met)"
}

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// Bench holds what every suite shares: the servers, dnsperf, and how long and how often
// to run it.
type Bench struct {
	Servers     []Server
	DNSPerf     string        // the dnsperf binary
	Rounds      int           // rounds of A B C runs; each metric is the median of the rounds
	Duration    time.Duration // each dnsperf run's length
	Warmup      time.Duration // an unmeasured run against each server before the first round
	Rate        int           // the fixed rate, queries per second; 0 skips the fixed-rate runs
	Clients     int           // dnsperf -c at saturation
	Threads     int           // dnsperf -T
	Outstanding int           // dnsperf -q at saturation
	SatP99      bool          // keep per-query latencies at saturation too (costs dnsperf CPU)
	MaxNoise    float64       // other work's share of a core above which a sample is taken again; 0: never
	Retries     int           // how many times a noisy sample is taken again at most
	LoadTimeout time.Duration // how long a server may take to load its zones and answer
	LoadRounds  int           // root and nsec3 suites: fresh starts of each server for the load table; 0 skips them
	Log         io.Writer     // progress
}

// ServerRuns is the samples of one server in one suite.
type ServerRuns struct {
	Name  string
	Load  time.Duration    // start to first answer
	Mem   Memory           // settled after the load (settledMemory)
	Sat   []Sample         // at saturation, one per round
	Fixed []Sample         // at the fixed rate, one per round
	Loads []LoadSample     // fresh starts of the load rounds, one per round
	Xfrs  []TransferSample // the transfer suite, one per round
}

// startAll starts every server on zones, one after the other (so that each loads on an
// otherwise idle machine), each in its own folder under dir.
func (b *Bench) startAll(ctx context.Context, dir string, zones []Zone) ([]*Running, []ServerRuns, error) {
	var rs []*Running
	var out []ServerRuns
	for _, s := range b.Servers {
		r, l, err := b.startLogged(ctx, "starting", s, filepath.Join(dir, s.Name()), zones)
		if err != nil {
			stopAll(rs)
			return nil, nil, err
		}
		rs = append(rs, r)
		out = append(out, ServerRuns{Name: r.Name, Load: l.Load, Mem: l.Mem})
	}
	return rs, out, nil
}

// A server's memory is read once it has settled after its load: anycastdns hands the
// load's freed memory back to the OS in the background after it starts serving (two
// seconds for a million delegations), NSD's processes settle after the fork. The RSS
// is read every settleStep from settleMin after the first answer until, in a step,
// it changes by less than 1 % and the server's processes use less than a tenth of
// a core (no query is sent meanwhile: a server still busy is still digesting its
// load; at 10M delegations anycastdns's collection before the release holds the
// RSS still for seconds), or settleMax, the same way for every server.
const (
	settleMin  = time.Second
	settleStep = 500 * time.Millisecond
	settleMax  = 30 * time.Second
)

// settledMemory waits for r's memory to settle (see settleMin) and returns it.
func settledMemory(ctx context.Context, r *Running) (Memory, error) {
	if err := sleepCtx(ctx, settleMin); err != nil {
		return Memory{}, err
	}
	m, err := r.Memory()
	if err != nil {
		return m, err
	}
	cpu, err := r.CPU()
	for waited := settleMin; err == nil && waited < settleMax; waited += settleStep {
		if err = sleepCtx(ctx, settleStep); err != nil {
			break
		}
		var next Memory
		if next, err = r.Memory(); err != nil {
			break
		}
		var nextCPU time.Duration
		if nextCPU, err = r.CPU(); err != nil {
			break
		}
		settled := memorySettled(m.RSS, next.RSS) && cpuQuiet(nextCPU-cpu, settleStep)
		m, cpu = next, nextCPU
		if settled {
			break
		}
	}
	return m, err
}

// cpuQuiet reports whether a server that used the CPU time used in a step of the
// given length was idle: under a tenth of a core.
func cpuQuiet(used, step time.Duration) bool {
	return used*10 < step
}

// memorySettled reports whether an RSS that went from before to after changed by
// less than 1 %.
func memorySettled(before, after int64) bool {
	d := max(before, after) - min(before, after)
	return d*100 < max(before, 1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startLogged starts s in dir on zones, reads its CPU time as soon as it answers and
// its memory once it has settled (settledMemory), and says so on the progress log after label.
func (b *Bench) startLogged(ctx context.Context, label string, s Server, dir string, zones []Zone) (*Running, LoadSample, error) {
	fmt.Fprintf(b.Log, "  %s %s ...", label, s.Name())
	r, err := start(ctx, s, dir, zones, b.LoadTimeout)
	if err != nil {
		fmt.Fprintln(b.Log)
		return nil, LoadSample{}, err
	}
	l := LoadSample{Load: r.Load}
	if l.CPU, err = r.CPU(); err == nil {
		l.Mem, err = settledMemory(ctx, r)
	}
	if err != nil {
		fmt.Fprintln(b.Log)
		r.stop()
		return nil, LoadSample{}, err
	}
	fmt.Fprintf(b.Log, " pid %d, port %d, answering after %v, CPU %v, RSS %d MiB\n",
		r.PID, r.Port, l.Load.Round(time.Millisecond), l.CPU, l.Mem.RSS>>20)
	return r, l, nil
}

// zonesOf returns the zone of g, with the absolute path of its file.
func zonesOf(g *Generated) ([]Zone, error) {
	zf, err := filepath.Abs(g.ZoneFile)
	if err != nil {
		return nil, err
	}
	return []Zone{{Origin: g.Origin, File: zf}}, nil
}

func stopAll(rs []*Running) {
	for _, r := range rs {
		r.stop()
	}
}

// measure runs dnsperf with l against r and reads r's CPU time before and after.
func (b *Bench) measure(ctx context.Context, r *Running, l Load) (Sample, error) {
	l.Port = r.Port
	busy0, err := machineBusy(procRoot)
	if err != nil {
		return Sample{}, err
	}
	before, err := r.CPU()
	if err != nil {
		return Sample{}, err
	}
	p, err := runDNSPerf(ctx, b.DNSPerf, l)
	if err != nil {
		return Sample{}, err
	}
	after, err := r.CPU()
	if err != nil {
		return Sample{}, err
	}
	busy1, err := machineBusy(procRoot)
	if err != nil {
		return Sample{}, err
	}
	s := Sample{Perf: p, CPU: after - before}
	s.Others = max(busy1-busy0-s.CPU-p.CPU, 0)
	return s, nil
}

// saturation is dnsperf as fast as the server answers.
func (b *Bench) saturation(queries string, do bool) Load {
	return Load{QueryFile: queries, Duration: b.Duration, Clients: b.Clients, Threads: b.Threads,
		Outstanding: b.Outstanding, DO: do, Latencies: b.SatP99}
}

// fixed is dnsperf at b.Rate queries per second, with every latency kept for p99.
func (b *Bench) fixed(queries string, do bool) Load {
	return Load{QueryFile: queries, Duration: b.Duration, Clients: b.Clients, Threads: b.Threads,
		Outstanding: b.Outstanding, Rate: b.Rate, DO: do, Latencies: true}
}

// rounds runs l against each server in turn, b.Rounds times (A B C A B C ...), and
// appends each sample with add. A sample taken while the rest of the machine used more
// than b.MaxNoise percent of a core is taken again, up to b.Retries times, and the
// quietest attempt is kept.
func (b *Bench) rounds(ctx context.Context, label string, rs []*Running, l Load, add func(i int, s Sample)) error {
	for round := 1; round <= b.Rounds; round++ {
		for i, r := range rs {
			var best Sample
			for try := 0; try <= b.Retries; try++ {
				s, err := b.measure(ctx, r, l)
				if err != nil {
					return fmt.Errorf("%s, round %d, %s: %v", label, round, r.Name, err)
				}
				fmt.Fprintf(b.Log, "  %s round %d %-10s %8.0f qps  CPU %5.2f s  %7.0f q/CPU-s  avg %.3f ms  p99 %.3f ms  lost %.2f%%  dnsperf CPU %.2f s  others %.2f s\n",
					label, round, r.Name, s.Perf.QPS, s.CPU.Seconds(), s.QPSPerCPU(), ms(s.Perf.AvgLatency), ms(s.Perf.P99), s.LostPercent(),
					s.Perf.CPU.Seconds(), s.Others.Seconds())
				if try == 0 || s.Others < best.Others {
					best = s
				}
				if b.MaxNoise <= 0 || best.OthersPercent() <= b.MaxNoise {
					break
				}
			}
			add(i, best)
		}
	}
	return nil
}

// warmup runs dnsperf briefly against each server, unmeasured: first touches of the
// zone data, socket buffers, and the Go runtime's heap sizing happen here.
func (b *Bench) warmup(ctx context.Context, rs []*Running, l Load) error {
	if b.Warmup <= 0 {
		return nil
	}
	l.Duration, l.Latencies = b.Warmup, false
	for _, r := range rs {
		l.Port = r.Port
		if _, err := runDNSPerf(ctx, b.DNSPerf, l); err != nil {
			return fmt.Errorf("warm-up of %s: %v", r.Name, err)
		}
	}
	return nil
}

// QuerySuite is the result of a suite on one zone and query file.
type QuerySuite struct {
	Title   string
	Gen     *Generated
	Servers []ServerRuns
}

// runQuerySuite starts every server on g's zone, checks that they answer alike
// (crossCheck), then runs the saturation rounds and the fixed-rate rounds, with DO on
// every query when g.DO.
func (b *Bench) runQuerySuite(ctx context.Context, title, dir string, g *Generated) (*QuerySuite, error) {
	fmt.Fprintf(b.Log, "%s: %d records, %d queries\n", title, g.Records, len(g.Queries))
	zones, err := zonesOf(g)
	if err != nil {
		return nil, err
	}
	rs, runs, err := b.startAll(ctx, dir, zones)
	if err != nil {
		return nil, err
	}
	defer stopAll(rs)
	if err := b.crossCheck(ctx, title, rs, g); err != nil {
		return nil, err
	}
	sat := b.saturation(g.QueryFile, g.DO)
	if err := b.warmup(ctx, rs, sat); err != nil {
		return nil, err
	}
	if err := b.rounds(ctx, title+" saturation", rs, sat, func(i int, s Sample) { runs[i].Sat = append(runs[i].Sat, s) }); err != nil {
		return nil, err
	}
	if b.Rate > 0 {
		if err := b.rounds(ctx, title+" fixed-rate", rs, b.fixed(g.QueryFile, g.DO), func(i int, s Sample) { runs[i].Fixed = append(runs[i].Fixed, s) }); err != nil {
			return nil, err
		}
	}
	return &QuerySuite{Title: title, Gen: g, Servers: runs}, nil
}

// runWithLoads runs the query suite on g's zone (runQuerySuite) and then, with
// b.LoadRounds > 0, its load rounds (runLoads), each in its own folder under dir named
// after title, and prints their tables to w; goal adds the line on the root-zone load
// goal of issue 5.
func (b *Bench) runWithLoads(ctx context.Context, w io.Writer, title, dir string, g *Generated, goal bool) error {
	s, err := b.runQuerySuite(ctx, title, filepath.Join(dir, title), g)
	if err != nil {
		return err
	}
	b.reportQuerySuite(w, s)
	if b.LoadRounds == 0 {
		return nil
	}
	l, err := b.runLoads(ctx, title+" load", filepath.Join(dir, title+"-load"), g)
	if err != nil {
		return err
	}
	l.Goal = goal
	reportLoads(w, l)
	return nil
}

// SizeRun is the result of the size series for one zone size.
type SizeRun struct {
	Delegations int
	Records     int
	Servers     []ServerRuns
}

// runSizes generates each zone size in turn, starts the servers on it (load time and
// memory), and runs the saturation rounds.
func (b *Bench) runSizes(ctx context.Context, dir string, sizes []int, seed uint64, nQueries int) ([]SizeRun, error) {
	var out []SizeRun
	for _, n := range sizes {
		t0 := time.Now()
		g, err := genSize(dir, n, seed, nQueries)
		if err != nil {
			return nil, err
		}
		title := fmt.Sprintf("sizes %d", n)
		fmt.Fprintf(b.Log, "%s: %d records generated in %v\n", title, g.Records, time.Since(t0).Round(time.Millisecond))
		zones, err := zonesOf(g)
		if err != nil {
			return nil, err
		}
		rs, runs, err := b.startAll(ctx, filepath.Join(dir, fmt.Sprintf("size%d", n)), zones)
		if err != nil {
			return nil, err
		}
		sat := b.saturation(g.QueryFile, g.DO)
		err = b.crossCheck(ctx, title, rs, g)
		if err == nil {
			err = b.warmup(ctx, rs, sat)
		}
		if err == nil {
			err = b.rounds(ctx, title, rs, sat, func(i int, s Sample) { runs[i].Sat = append(runs[i].Sat, s) })
		}
		stopAll(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, SizeRun{Delegations: n, Records: g.Records, Servers: runs})
	}
	return out, nil
}

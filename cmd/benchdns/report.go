package main

import (
	"fmt"
	"io"
	"strings"
)

// ours is the server the ratios are taken for.
const ours = "anycastdns"

// column is one column of a table of samples of type T: its heading, how the values of
// a server's samples are summed up (medianOf, minOf, maxOf), the per-sample metric, how
// the result is printed, and whether the ours/reference ratio of it is printed.
type column[T any] struct {
	head  string
	agg   func([]float64) float64
	f     func(T) float64
	fmt   string
	ratio bool
}

var satColumns = []column[Sample]{
	{"qps", medianOf, qps, "%.0f", true},
	{"avg latency ms", medianOf, avgMS, "%.3f", true},
	{"p99 ms", medianOf, p99MS, "%.3f", true},
	{"lost %", medianOf, lostPct, "%.2f", false},
	{"server CPU s", medianOf, cpuSec, "%.2f", true},
	{"queries per server CPU-s", medianOf, perCPU, "%.0f", true},
	{"NXDOMAIN %", medianOf, nxPct, "%.1f", false},
	{"rest of machine, % of a core", medianOf, othersPct, "%.0f", false},
}

var fixedColumns = []column[Sample]{
	{"qps", medianOf, qps, "%.0f", false},
	{"server CPU % of a core", medianOf, cpuPct, "%.1f", true},
	{"avg latency ms", medianOf, avgMS, "%.3f", true},
	{"p99 ms", medianOf, p99MS, "%.3f", true},
	{"lost %", medianOf, lostPct, "%.2f", false},
	{"rest of machine, % of a core", medianOf, othersPct, "%.0f", false},
}

// table prints one markdown table: a row per server with each column's value over the
// server's samples, then a row per reference server with ours/reference ratios.
func table[T any](w io.Writer, runs []ServerRuns, cols []column[T], samples func(ServerRuns) []T) {
	heads := []string{"server"}
	for _, c := range cols {
		heads = append(heads, c.head)
	}
	row(w, heads...)
	row(w, strings.Split(strings.Repeat("---,", len(heads)), ",")[:len(heads)]...)
	shown := map[string][]float64{}
	for _, r := range runs {
		cells := []string{r.Name}
		for _, c := range cols {
			m := c.agg(values(samples(r), c.f))
			shown[r.Name] = append(shown[r.Name], m)
			if c.head == "p99 ms" && m == 0 {
				cells = append(cells, "–")
				continue
			}
			cells = append(cells, fmt.Sprintf(c.fmt, m))
		}
		row(w, cells...)
	}
	mine, ok := shown[ours]
	if !ok {
		return
	}
	for _, r := range runs {
		if r.Name == ours {
			continue
		}
		cells := []string{ours + " / " + r.Name}
		for i, c := range cols {
			ref := shown[r.Name][i]
			if !c.ratio || ref == 0 || mine[i] == 0 {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.2f×", mine[i]/ref))
		}
		row(w, cells...)
	}
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

// reportQuerySuite prints the saturation and fixed-rate tables of a suite.
func (b *Bench) reportQuerySuite(w io.Writer, s *QuerySuite) {
	edns := "no EDNS"
	if s.Gen.DO {
		edns = "EDNS with DO (dnsperf -D)"
	}
	fmt.Fprintf(w, "\n### %s: %d records, %d-query file, %s\n\n", s.Title, s.Gen.Records, len(s.Gen.Queries), edns)
	if s.Gen.Note != "" {
		fmt.Fprintf(w, "%s\n\n", s.Gen.Note)
	}
	p99 := "p99 not kept at saturation (run with -sat-p99)"
	if b.SatP99 {
		p99 = "p99 from dnsperf -v per-query latencies"
	}
	fmt.Fprintf(w, "Saturation: dnsperf -c %d -T %d -q %d, %v runs, median of %d rounds (servers alternated); %s.\n\n",
		b.Clients, b.Threads, b.Outstanding, b.Duration, b.Rounds, p99)
	table(w, s.Servers, satColumns, func(r ServerRuns) []Sample { return r.Sat })
	noiseNote(w, s.Servers, func(r ServerRuns) []Sample { return r.Sat })
	if b.Rate > 0 {
		fmt.Fprintf(w, "\nFixed rate: dnsperf -Q %d, %v runs, median of %d rounds; p99 from dnsperf -v per-query latencies.\n\n",
			b.Rate, b.Duration, b.Rounds)
		table(w, s.Servers, fixedColumns, func(r ServerRuns) []Sample { return r.Fixed })
		noiseNote(w, s.Servers, func(r ServerRuns) []Sample { return r.Fixed })
	}
}

// busyMachine is the share of a core that other work may take during the runs before
// the tables say that their absolute numbers are not to be trusted.
const busyMachine = 20.0

// noiseNote says so when the rest of the machine was busy during the runs: on a shared
// machine the absolute figures drop, and only ratios within one run compare.
func noiseNote(w io.Writer, runs []ServerRuns, samples func(ServerRuns) []Sample) {
	worst := 0.0
	for _, r := range runs {
		worst = max(worst, median(samples(r), othersPct))
	}
	if worst > busyMachine {
		fmt.Fprintf(w, "\nNote: other work used up to %.0f%% of a core during these runs (median); qps and latency are lower and noisier than on an idle machine. Queries per server CPU-second and the ratios are the figures to compare.\n", worst)
	}
}

// reportSizes prints the zone-size series: load time, memory and qps per size.
func (b *Bench) reportSizes(w io.Writer, runs []SizeRun) {
	fmt.Fprintf(w, "\n### sizes: TLD-like zones of delegations with glue (NS + A + AAAA each)\n\n")
	fmt.Fprintf(w, "Load: process start to the first authoritative SOA answer (an SOA query sent every %v), one start. RSS: VmRSS of the largest process once settled after the load; PSS: proportional set size of all the server's processes. qps and q/CPU-s: saturation, %v runs, median of %d rounds.\n\n", probeInterval, b.Duration, b.Rounds)
	row(w, "delegations", "records", "server", "load s", "RSS MiB", "PSS MiB", "qps", "queries per server CPU-s", "load vs NSD", "RSS vs NSD", "qps vs NSD")
	row(w, "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---")
	for _, sr := range runs {
		var ref *ServerRuns
		for i := range sr.Servers {
			if sr.Servers[i].Name == "NSD" {
				ref = &sr.Servers[i]
			}
		}
		for _, r := range sr.Servers {
			q := median(r.Sat, qps)
			cells := []string{fmt.Sprint(sr.Delegations), fmt.Sprint(sr.Records), r.Name,
				fmt.Sprintf("%.2f", r.Load.Seconds()), fmt.Sprint(r.Mem.RSS >> 20), fmt.Sprint(r.Mem.PSS >> 20),
				fmt.Sprintf("%.0f", q), fmt.Sprintf("%.0f", median(r.Sat, perCPU))}
			if ref != nil && r.Name == ours {
				cells = append(cells, fmt.Sprintf("%.2f×", r.Load.Seconds()/ref.Load.Seconds()),
					fmt.Sprintf("%.2f×", float64(r.Mem.RSS)/float64(ref.Mem.RSS)),
					fmt.Sprintf("%.2f×", q/median(ref.Sat, qps)))
			} else {
				cells = append(cells, "", "", "")
			}
			row(w, cells...)
		}
	}
}

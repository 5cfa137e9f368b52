package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

var transferColumns = []column[TransferSample]{
	{"root AXFR ms", medianOf, rootAXFRMS, "%.0f", true},
	{"delegations AXFR ms", medianOf, zoneAXFRMS, "%.0f", true},
	{fmt.Sprintf("IXFR of %d changes ms", xfrChanges), medianOf, zoneIXFRMS, "%.0f", true},
	{"idle p99 ms", medianOf, idleP99MS, "%.3f", true},
	{"p99 during AXFR ms", medianOf, busyP99MS, "%.3f", true},
	{"p99 during AXFR / idle", medianOf, stallRatio, "%.2f", false},
	{"AXFR under load ms", medianOf, busyXFRMS, "%.0f", true},
	{"lost % during AXFR", medianOf, busyLost, "%.2f", false},
	{"rest of machine, % of a core", medianOf, busyOthers, "%.0f", false},
}

// The goals of issue 11, in the same run: each transfer takes no longer than it takes
// either peer, and the p99 at the fixed rate during an AXFR of the delegation zone is at
// most stallGoal × the idle p99.
const stallGoal = 2.0

// fasterPeer returns, for each column, the lower of the medians of the servers other
// than ours (every transfer column is a time: lower is faster), 0 where none has one.
func fasterPeer[T any](runs []ServerRuns, cols []column[T], samples func(ServerRuns) []T) []float64 {
	best := make([]float64, len(cols))
	for _, r := range runs {
		if r.Name == ours {
			continue
		}
		for i, c := range cols {
			m := c.agg(values(samples(r), c.f))
			if m > 0 && (best[i] == 0 || m < best[i]) {
				best[i] = m
			}
		}
	}
	return best
}

// fasterPeerRow prints the row of ours over the faster peer of each ratio column.
func fasterPeerRow[T any](w io.Writer, runs []ServerRuns, cols []column[T], samples func(ServerRuns) []T) {
	var mine []T
	for _, r := range runs {
		if r.Name == ours {
			mine = samples(r)
		}
	}
	best := fasterPeer(runs, cols, samples)
	if len(mine) == 0 {
		return
	}
	cells := []string{ours + " / faster peer"}
	for i, c := range cols {
		m := c.agg(values(mine, c.f))
		if !c.ratio || best[i] == 0 || m == 0 {
			cells = append(cells, "")
			continue
		}
		cells = append(cells, fmt.Sprintf("%.2f×", m/best[i]))
	}
	row(w, cells...)
}

// reportTransfer prints the transfer suite's table and where ours stands against the
// goals of issue 11.
func (b *Bench) reportTransfer(w io.Writer, ts *TransferSuite) {
	fmt.Fprintf(w, "\n### transfer: secondaries of one Knot primary on loopback, %d rounds\n\n", b.Rounds)
	fmt.Fprintf(w, "Primary: knotd on 127.0.0.1 serving the root zone (%d records) and two zones of %d delegations with glue (%d records each), "+
		"the first with a journal (zonefile-load: difference), the second without. No TSIG. Each server in turn (A B C A B C) started afresh as a secondary with no copy, "+
		"three times a round: "+
		"root AXFR and delegations AXFR: process start to the first authoritative answer with the primary's serial (an SOA query every %v); "+
		"IXFR: the primary reloads a version with %d A records changed (knotc zone-reload), then a NOTIFY to the secondary, to its first answer with the new serial; "+
		"p99: dnsperf -Q %d -v for %v on the first delegation zone, once idle and once while the second one comes in whole "+
		"(a new version on the primary, which has no journal for it and so answers the IXFR with the whole zone; the NOTIFY %v into the run), "+
		"AXFR under load being that NOTIFY to the first answer with the new serial. Medians of the rounds. Load average before and after: %s; %s.\n\n",
		ts.RootRecords, ts.Delegations, ts.ZoneRecords, probeInterval, xfrChanges, b.Rate, ts.StallDuration, stallLead, ts.LoadAvg[0], ts.LoadAvg[1])
	samples := func(r ServerRuns) []TransferSample { return r.Xfrs }
	table(w, ts.Servers, transferColumns, samples)
	fasterPeerRow(w, ts.Servers, transferColumns, samples)
	outlastedNote(w, ts.Servers)
	transferGoals(w, ts.Servers)
}

// outlastedNote names the servers whose transfer under load ended after the fixed-rate
// run did, in how many rounds: their p99 during AXFR saw only part of the transfer.
func outlastedNote(w io.Writer, runs []ServerRuns) {
	var parts []string
	for _, r := range runs {
		n := 0
		for _, x := range r.Xfrs {
			if x.Outlasted {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s in %d of %d rounds", r.Name, n, len(r.Xfrs)))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "\nNote: the AXFR under load outlasted the fixed-rate run (its p99 saw only part of the transfer): %s.\n", strings.Join(parts, "; "))
	}
}

// transferGoals prints ours against the goals of issue 11, when ours and a peer ran.
func transferGoals(w io.Writer, runs []ServerRuns) {
	var mine []TransferSample
	for _, r := range runs {
		if r.Name == ours {
			mine = r.Xfrs
		}
	}
	best := fasterPeer(runs, transferColumns, func(r ServerRuns) []TransferSample { return r.Xfrs })
	if len(mine) == 0 || best[0] == 0 {
		return
	}
	fmt.Fprintf(w, "\nGoals of issue 11 (no slower than either peer; p99 during an AXFR ≤ %.0f × idle p99):", stallGoal)
	for i, c := range transferColumns[:3] {
		r := median(mine, c.f) / best[i]
		fmt.Fprintf(w, " %s %.2f× the faster peer %s;", c.head, r, verdict(r <= 1))
	}
	s := median(mine, stallRatio)
	fmt.Fprintf(w, " p99 during AXFR %.2f× idle %s.\n", s, verdict(s <= stallGoal))
}

// stallDurationMin is the shortest stall run that leaves room for the transfer after
// stallLead.
const stallDurationMin = 3 * time.Second

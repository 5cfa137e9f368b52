package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func sample(q float64, completed int64, cpu time.Duration) Sample {
	return Sample{Perf: Perf{QPS: q, Sent: completed, Completed: completed, RunTime: 10 * time.Second}, CPU: cpu}
}

func TestSummaries(t *testing.T) {
	for _, c := range []struct {
		name          string
		in            []float64
		med, min, max float64
	}{
		{"none", nil, 0, 0, 0},
		{"one", []float64{7}, 7, 7, 7},
		{"odd", []float64{3, 1, 2}, 2, 1, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, 4},
		{"outlier", []float64{100, 1, 2}, 2, 1, 100},
		{"load times, ms", []float64{107, 98, 131, 101, 99}, 101, 98, 131},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s []Sample
			for _, v := range c.in {
				s = append(s, sample(v, 0, 0))
			}
			if got := median(s, qps); got != c.med {
				t.Errorf("median: got %v, want %v", got, c.med)
			}
			if got := minOf(values(s, qps)); got != c.min {
				t.Errorf("minOf: got %v, want %v", got, c.min)
			}
			if got := maxOf(values(s, qps)); got != c.max {
				t.Errorf("maxOf: got %v, want %v", got, c.max)
			}
		})
	}
}

func TestSampleRates(t *testing.T) {
	s := sample(100_000, 1_000_000, 5*time.Second)
	s.Others = 2 * time.Second
	s.Perf.Lost = 1000
	s.Perf.Sent = 1_001_000
	s.Perf.RCodes = map[string]int64{"NXDOMAIN": 250_000}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"queries per CPU-second", s.QPSPerCPU(), 200_000},
		{"CPU % of a core", s.CPUPercent(), 50},
		{"others % of a core", s.OthersPercent(), 20},
		{"NXDOMAIN %", s.RCodePercent("NXDOMAIN"), 25},
		{"lost %", s.LostPercent(), 100 * 1000.0 / 1_001_000},
		{"zero CPU", Sample{}.QPSPerCPU(), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestTableRatios(t *testing.T) {
	runs := []ServerRuns{
		{Name: ours, Sat: []Sample{sample(50_000, 500_000, 5*time.Second)}},
		{Name: "NSD", Sat: []Sample{sample(100_000, 1_000_000, 5*time.Second)}},
	}
	var out bytes.Buffer
	table(&out, runs, satColumns, func(r ServerRuns) []Sample { return r.Sat })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want header, rule, 2 servers and 1 ratio row:\n%s", len(lines), out.String())
	}
	for _, want := range []string{"| anycastdns | 50000 |", "| NSD | 100000 |", "| anycastdns / NSD | 0.50× |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	// 500k queries in 5 CPU-s against 1M in 5: the per-CPU ratio is 0.50 as well.
	ratio := strings.Split(lines[4], "|")
	if got := strings.TrimSpace(ratio[1+6]); got != "0.50×" {
		t.Errorf("queries per CPU-s ratio: got %q, want 0.50×", got)
	}
}

func TestMemorySettled(t *testing.T) {
	tests := []struct {
		before, after int64
		want          bool
	}{
		{100 << 20, 100 << 20, true},
		{3060 << 20, 2051 << 20, false}, // the background release of a 1M-delegation load
		{1000, 1009, true},
		{1000, 1010, false},
		{1010, 1000, true},
		{0, 0, true},
	}
	for _, tt := range tests {
		if got := memorySettled(tt.before, tt.after); got != tt.want {
			t.Errorf("memorySettled(%d, %d) = %v, want %v", tt.before, tt.after, got, tt.want)
		}
	}
	// A server marking a 10 GB heap before releasing it keeps its RSS still
	// while it works: not settled.
	for _, tt := range []struct {
		used time.Duration
		want bool
	}{{0, true}, {40 * time.Millisecond, true}, {50 * time.Millisecond, false}, {900 * time.Millisecond, false}} {
		if got := cpuQuiet(tt.used, 500*time.Millisecond); got != tt.want {
			t.Errorf("cpuQuiet(%v, 500ms) = %v, want %v", tt.used, got, tt.want)
		}
	}
}

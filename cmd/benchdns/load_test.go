package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// loads returns load samples of the given load times in ms, with CPU times half of
// those, an RSS of rss MiB each, and the rest of the machine busy a quarter of the time.
func loads(rss int64, loadMS ...int) []LoadSample {
	var out []LoadSample
	for _, v := range loadMS {
		d := time.Duration(v) * time.Millisecond
		out = append(out, LoadSample{Load: d, CPU: d / 2, Mem: Memory{RSS: rss << 20}, Others: d / 4, Span: d})
	}
	return out
}

func TestLoadTable(t *testing.T) {
	runs := []ServerRuns{
		{Name: ours, Loads: loads(60, 100, 130, 90, 95, 120)},
		{Name: "NSD", Loads: loads(40, 80, 85, 79, 200, 81)},
		{Name: "Knot", Loads: loads(15, 40, 39, 38, 41, 60)},
	}
	var out bytes.Buffer
	table(&out, runs, loadColumns, func(r ServerRuns) []LoadSample { return r.Loads })
	want := []string{
		"| server | load ms, median | load ms, min | load ms, max | CPU ms to load, median | RSS MiB, median | rest of machine, % of a core |",
		"| --- | --- | --- | --- | --- | --- | --- |",
		"| anycastdns | 100 | 90 | 130 | 50 | 60.0 | 25 |",
		"| NSD | 81 | 79 | 200 | 40 | 40.0 | 25 |", // one slow start moves the max, not the median
		"| Knot | 40 | 38 | 60 | 20 | 15.0 | 25 |",
		"| anycastdns / NSD | 1.23× |  |  | 1.23× | 1.50× |  |",
		"| anycastdns / Knot | 2.50× |  |  | 2.50× | 4.00× |  |",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i+1, got[i], want[i])
		}
	}
}

func TestLoadGoal(t *testing.T) {
	for _, c := range []struct {
		name string
		runs []ServerRuns
		want string
	}{
		{"both met", []ServerRuns{{Name: ours, Loads: loads(60, 80, 70, 90)}, {Name: "NSD", Loads: loads(40, 80, 85, 79)}},
			"load 1.00× (met), RSS 1.50× (met)."},
		{"slower", []ServerRuns{{Name: ours, Loads: loads(30, 120)}, {Name: "NSD", Loads: loads(40, 80)}},
			"load 1.50× (not met), RSS 0.75× (met)."},
		{"larger", []ServerRuns{{Name: "NSD", Loads: loads(40, 80)}, {Name: ours, Loads: loads(61, 40)}},
			"load 0.50× (met), RSS 1.52× (not met)."},
		{"no NSD", []ServerRuns{{Name: ours, Loads: loads(60, 80)}, {Name: "Knot", Loads: loads(15, 40)}}, ""},
		{"no load rounds", []ServerRuns{{Name: ours}, {Name: "NSD"}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			loadGoal(&out, c.runs)
			got := out.String()
			if c.want == "" {
				if got != "" {
					t.Errorf("got %q, want nothing", got)
				}
				return
			}
			if !strings.HasPrefix(got, "\nGoal of issue 5 (load time ≤ 1.00 × NSD's, RSS ≤ 1.50 × NSD's): ") || !strings.HasSuffix(got, c.want+"\n") {
				t.Errorf("got %q, want the goal line ending %q", got, c.want)
			}
		})
	}
}

func TestReportLoads(t *testing.T) {
	l := &LoadSuite{Title: "root load", Records: 24911, Rounds: 1, LoadAvg: [2]string{"0.50 0.40 0.30", "0.60 0.45 0.31"},
		Servers: []ServerRuns{{Name: ours, Loads: loads(38, 107)}, {Name: "NSD", Loads: loads(40, 86)}}, Goal: true}
	var out bytes.Buffer
	reportLoads(&out, l)
	for _, want := range []string{
		"### root load: 24911 records, 1 fresh starts of each server",
		"an SOA query sent every 1ms",
		`NSD with database "" (no nsd.db)`,
		"Load average before and after the starts: 0.50 0.40 0.30; 0.60 0.45 0.31.",
		"| anycastdns | 107 | 107 | 107 | 54 | 38.0 | 25 |",
		"| anycastdns / NSD | 1.24× |  |  | 1.24× | 0.95× |  |",
		"load 1.24× (not met), RSS 0.95× (met).",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestReportLoadsWithoutGoal: the nsec3 zone's load table has no goal line, which is
// the root zone's.
func TestReportLoadsWithoutGoal(t *testing.T) {
	l := &LoadSuite{Title: "nsec3 load", Records: 480025, Rounds: 1, LoadAvg: [2]string{"0.50 0.40 0.30", "0.60 0.45 0.31"},
		Servers: []ServerRuns{{Name: ours, Loads: loads(380, 3900)}, {Name: "NSD", Loads: loads(236, 3500)}}}
	var out bytes.Buffer
	reportLoads(&out, l)
	if got := out.String(); !strings.Contains(got, "### nsec3 load: 480025 records, 1 fresh starts") || strings.Contains(got, "Goal of issue 5") {
		t.Errorf("got %q, want the nsec3 load table without the root zone's goal line", got)
	}
}

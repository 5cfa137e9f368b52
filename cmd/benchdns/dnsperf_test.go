package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseDNSPerf(t *testing.T) {
	b, err := os.ReadFile("testdata/dnsperf-2.10.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseDNSPerf(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Perf{
		Sent: 311185, Completed: 310879, Lost: 306,
		RCodes:     map[string]int64{"NOERROR": 207253, "NXDOMAIN": 103626},
		RunTime:    3001587 * time.Microsecond,
		QPS:        103571.543987,
		AvgLatency: 1375 * time.Microsecond,
		MaxLatency: 14473 * time.Microsecond,
	}
	if got.Sent != want.Sent || got.Completed != want.Completed || got.Lost != want.Lost ||
		got.RunTime != want.RunTime || got.QPS != want.QPS || got.AvgLatency != want.AvgLatency || got.MaxLatency != want.MaxLatency {
		t.Errorf("got %+v,\nwant %+v", got, want)
	}
	if len(got.RCodes) != 2 || got.RCodes["NOERROR"] != 207253 || got.RCodes["NXDOMAIN"] != 103626 {
		t.Errorf("response codes: got %v, want %v", got.RCodes, want.RCodes)
	}
}

func TestParseDNSPerfErrors(t *testing.T) {
	full, err := os.ReadFile("testdata/dnsperf-2.10.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, drop, replace string
	}{
		{"no statistics", "", "Statistics:"}, // handled below: empty output
		{"no qps line", "  Queries per second:   103571.543987\n", ""},
		{"no latency line", "  Average Latency (s):  0.001375 (min 0.000013, max 0.014473)\n", ""},
		{"bad count", "Queries sent:         311185", "Queries sent:         many"},
		{"bad rcodes", "NOERROR 207253 (66.67%)", "NOERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := string(full)
			if c.drop != "" {
				out = strings.Replace(out, c.drop, c.replace, 1)
			} else {
				out = "DNS Performance Testing Tool\nError: could not open file\n"
			}
			if _, err := parseDNSPerf([]byte(out)); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}

func TestReadDNSPerfVerbose(t *testing.T) {
	f, err := os.Open("testdata/dnsperf-2.10-verbose.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	summary, lat, err := readDNSPerf(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(lat) != 12 {
		t.Fatalf("got %d latencies, want 12", len(lat))
	}
	if lat[0] != 0.013429 || lat[11] != 0.000057 {
		t.Errorf("latencies: got first %v, last %v; want 0.013429, 0.000057", lat[0], lat[11])
	}
	if strings.Contains(string(summary), "> NOERROR") {
		t.Error("summary holds the -v lines, want them taken out")
	}
	p, err := parseDNSPerf(summary)
	if err != nil {
		t.Fatal(err)
	}
	if p.Completed != 12 || p.RCodes["NXDOMAIN"] != 4 {
		t.Errorf("summary: got %d completed, %d NXDOMAIN; want 12, 4", p.Completed, p.RCodes["NXDOMAIN"])
	}
	// Of 12 latencies the 99th percentile by nearest rank is the largest.
	if got := percentile(lat, 0.99); got != 13429*time.Microsecond {
		t.Errorf("p99: got %v, want 13.429ms", got)
	}
}

func TestVerboseLatency(t *testing.T) {
	for _, c := range []struct {
		line string
		want float64
		ok   bool
	}{
		{"> NOERROR host1.bench.example. A 0.000123", 0.000123, true},
		{"> NXDOMAIN nx.bench.example. A 0.5", 0.5, true},
		{"> T host1.bench.example. A", 0, false},
		{"> I host1.bench.example. A", 0, false},
		{"> NOERROR garbled", 0, false},
	} {
		got, ok := verboseLatency([]byte(c.line))
		if got != c.want || ok != c.ok {
			t.Errorf("verboseLatency(%q): got %v, %v; want %v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100-i) / 1000 // 0.100 down to 0.001 s, unsorted
	}
	for _, c := range []struct {
		name string
		in   []float64
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.99, 0},
		{"one", []float64{0.002}, 0.99, 2 * time.Millisecond},
		{"p99 of 100", slices.Clone(hundred), 0.99, 99 * time.Millisecond},
		{"p50 of 100", slices.Clone(hundred), 0.5, 50 * time.Millisecond},
		{"max", slices.Clone(hundred), 1, 100 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := percentile(c.in, c.q)
			if d := got - c.want; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestLoadArgs(t *testing.T) {
	l := Load{Port: 5300, QueryFile: "q", Duration: 1500 * time.Millisecond, Clients: 4, Threads: 1, Outstanding: 100}
	base := "-s 127.0.0.1 -p 5300 -d q -l 1.5 -c 4 -T 1 -q 100 -t 2 -O suppress=timeouts,congestion,sendfailed,sockready,unexpected"
	for _, c := range []struct {
		name string
		l    func(Load) Load
		want string
	}{
		{"saturation", func(l Load) Load { return l }, base},
		{"fixed rate with DO and latencies", func(l Load) Load { l.Rate, l.DO, l.Latencies = 20000, true, true; return l },
			base + " -Q 20000 -D -v"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(c.l(l).args(), " "); got != c.want {
				t.Errorf("got %q,\nwant %q", got, c.want)
			}
		})
	}
}

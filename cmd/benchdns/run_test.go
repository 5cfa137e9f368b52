package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		name       string
		args       []string
		rounds     int
		duration   time.Duration
		sizes      string
		loadRounds int
		err        bool
	}{
		{"defaults", nil, 3, 10 * time.Second, "1000,100000,1000000", 5, false},
		{"quick", []string{"-quick"}, 1, 2 * time.Second, "1000,10000", 5, false},
		{"quick, explicit flags win", []string{"-quick", "-rounds", "5", "-sizes", "7"}, 5, 2 * time.Second, "7", 5, false},
		{"load rounds", []string{"-load-rounds", "9"}, 3, 10 * time.Second, "1000,100000,1000000", 9, false},
		{"no load rounds", []string{"-load-rounds", "0"}, 3, 10 * time.Second, "1000,100000,1000000", 0, false},
		{"negative load rounds", []string{"-load-rounds", "-1"}, 0, 0, "", 0, true},
		{"no load timeout", []string{"-load-timeout", "0s"}, 0, 0, "", 0, true},
		{"zero rounds", []string{"-rounds", "0"}, 0, 0, "", 0, true},
		{"too short", []string{"-duration", "10ms"}, 0, 0, "", 0, true},
		{"stray argument", []string{"mix"}, 0, 0, "", 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseFlags(c.args, io.Discard)
			if (err != nil) != c.err {
				t.Fatalf("got error %v, want error %v", err, c.err)
			}
			if err != nil {
				return
			}
			if o.rounds != c.rounds || o.duration != c.duration || o.sizes != c.sizes || o.loadRounds != c.loadRounds {
				t.Errorf("got rounds %d, duration %v, sizes %q, load rounds %d; want %d, %v, %q, %d",
					o.rounds, o.duration, o.sizes, o.loadRounds, c.rounds, c.duration, c.sizes, c.loadRounds)
			}
		})
	}
}

func TestParseFlagsNSEC3Names(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
		err  bool
	}{
		{nil, 100_000, false},
		{[]string{"-quick"}, 10_000, false},
		{[]string{"-quick", "-nsec3-names", "500"}, 500, false},
		{[]string{"-nsec3-names", "99"}, 0, true},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if (err != nil) != c.err {
			t.Fatalf("parseFlags(%q): got error %v, want error %v", c.args, err, c.err)
		}
		if err == nil && o.nsec3Names != c.want {
			t.Errorf("parseFlags(%q): got %d nsec3 names, want %d", c.args, o.nsec3Names, c.want)
		}
	}
}

func TestRunRejectsBadSelections(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-suite", "mix,speed"}, `unknown suite "speed"`},
		{[]string{"-sizes", "10,x"}, `"x" is not a positive number`},
		{[]string{"-servers", "bind"}, `unknown server "bind"`},
		{[]string{"-anycastdns", "/nonexistent/anycastdns"}, "make build"},
		{[]string{"-suite", "nsec3", "-dnssec-signzone", "/nonexistent/dnssec-signzone"}, "bind9-utils"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			if err != nil && strings.Contains(err.Error(), "dnsperf not found") {
				t.Skip("dnsperf is not installed")
			}
			t.Errorf("run(%q): got error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// TestSmoke runs the whole benchmark, every suite and server, with tiny durations. It
// is a benchmark, not a test, so it runs only with ANYCASTDNS_BENCH_SMOKE=1.
func TestSmoke(t *testing.T) {
	if os.Getenv("ANYCASTDNS_BENCH_SMOKE") != "1" {
		t.Skip("set ANYCASTDNS_BENCH_SMOKE=1 to run the benchmark smoke test")
	}
	for _, tool := range []string{"dnsperf", "nsd", "knotd", "dnssec-keygen", "dnssec-signzone"} {
		if _, err := lookTool(tool); err != nil {
			testutil.Missing(t, "%v", err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "anycastdns")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../anycastdns")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-duration", "1s", "-warmup", "0s", "-queries", "1000", "-sizes", "1000", "-nsec3-names", "1000",
		"-rate", "2000", "-load-rounds", "2", "-anycastdns", bin, "-out", filepath.Join(dir, "out"),
		"-root-zone", filepath.Join("..", "..", "zone", "testdata", "root.zone")}
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"### mix: 2000 records", "### root: 24911 records", "### sizes:",
		"### nsec3: ", "records, 1000-query file, EDNS with DO (dnsperf -D)", "NSEC3 with no salt",
		"### nsec3 load: ", "records, 2 fresh starts of each server",
		"| anycastdns / NSD |", "| anycastdns / Knot |", "| 1000 | 3003 | anycastdns |",
		"Fixed rate: dnsperf -Q 2000", "### root load: 24911 records, 2 fresh starts of each server",
		"Goal of issue 5 (load time ≤ 1.00 × NSD's, RSS ≤ 1.50 × NSD's): load ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "Goal of issue 5"); n != 1 {
		t.Errorf("got the load goal of issue 5 %d times, want once (root only)", n)
	}
	// Every server answered every run: no row with zero queries per second.
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "| anycastdns |") || strings.HasPrefix(line, "| NSD |") || strings.HasPrefix(line, "| Knot |") {
			if f := strings.Split(line, "|"); strings.TrimSpace(f[2]) == "0" {
				t.Errorf("a server answered nothing: %s", line)
			}
		}
	}
	// No server outlives the run.
	stats, err := readStats(procRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tree(stats, os.Getpid()) {
		if s.PID != os.Getpid() {
			comm, _ := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(s.PID), "comm"))
			if c := strings.TrimSpace(string(comm)); strings.Contains(c, "nsd") || strings.Contains(c, "knotd") || strings.Contains(c, "anycastdns") {
				t.Errorf("process %d (%s) still running after the benchmark", s.PID, c)
			}
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Load is how dnsperf is run against a server.
type Load struct {
	Port        int
	QueryFile   string
	Duration    time.Duration // -l, the run's length
	Clients     int           // -c, client sockets
	Threads     int           // -T
	Outstanding int           // -q, queries in flight at most
	Rate        int           // -Q, queries per second at most; 0 sends as fast as answers come
	DO          bool          // -D, EDNS(0) with the DO bit (RFC 3225)
	Latencies   bool          // -v, and the per-query latencies are kept for percentiles
}

// args returns dnsperf's command line for l.
func (l Load) args() []string {
	a := []string{
		"-s", "127.0.0.1", "-p", strconv.Itoa(l.Port), "-d", l.QueryFile,
		"-l", strconv.FormatFloat(l.Duration.Seconds(), 'f', -1, 64),
		"-c", strconv.Itoa(l.Clients), "-T", strconv.Itoa(l.Threads), "-q", strconv.Itoa(l.Outstanding),
		"-t", "2", "-O", "suppress=timeouts,congestion,sendfailed,sockready,unexpected",
	}
	if l.Rate > 0 {
		a = append(a, "-Q", strconv.Itoa(l.Rate))
	}
	if l.DO {
		a = append(a, "-D")
	}
	if l.Latencies {
		a = append(a, "-v")
	}
	return a
}

// Perf is what one dnsperf run measured.
type Perf struct {
	Sent, Completed, Lost int64
	RCodes                map[string]int64 // responses by RCODE mnemonic
	RunTime               time.Duration
	QPS                   float64
	AvgLatency            time.Duration
	MaxLatency            time.Duration
	// P99 is the 99th percentile of the latencies that -v reported; zero when the run did
	// not keep them. dnsperf 2.10 has no latency histogram of its own.
	P99 time.Duration
	// CPU is dnsperf's own CPU time (user+system), from its resource usage.
	CPU time.Duration
}

// runDNSPerf runs dnsperf with l and parses what it prints.
func runDNSPerf(ctx context.Context, bin string, l Load) (Perf, error) {
	cmd := exec.CommandContext(ctx, bin, l.args()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Perf{}, err
	}
	if err := cmd.Start(); err != nil {
		return Perf{}, err
	}
	summary, lat, perr := readDNSPerf(out)
	if werr := cmd.Wait(); werr != nil {
		return Perf{}, fmt.Errorf("dnsperf %s: %v: %s", strings.Join(l.args(), " "), werr, lastLines(stderr.String(), 5))
	}
	if perr != nil {
		return Perf{}, perr
	}
	p, err := parseDNSPerf(summary)
	if err != nil {
		return Perf{}, fmt.Errorf("dnsperf %s: %v", strings.Join(l.args(), " "), err)
	}
	if l.Latencies {
		p.P99 = percentile(lat, 0.99)
	}
	p.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return p, nil
}

// readDNSPerf reads dnsperf's standard output: it keeps the latency of each "> RCODE
// name type latency" line that -v prints, and returns the other lines as the summary.
func readDNSPerf(r io.Reader) (summary []byte, latencies []float64, err error) {
	var sum bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 2 && line[0] == '>' && line[1] == ' ' {
			if s, ok := verboseLatency(line); ok {
				latencies = append(latencies, s)
			}
			continue
		}
		sum.Write(line)
		sum.WriteByte('\n')
	}
	return sum.Bytes(), latencies, sc.Err()
}

// verboseLatency returns the latency in seconds of a -v line, "> NOERROR name A 0.000123";
// a query that timed out ("> T name A") has none.
func verboseLatency(line []byte) (float64, bool) {
	i := bytes.LastIndexByte(line, ' ')
	if i < 0 || bytes.HasPrefix(line, []byte("> T ")) || bytes.HasPrefix(line, []byte("> I ")) {
		return 0, false
	}
	s, err := strconv.ParseFloat(string(line[i+1:]), 64)
	if err != nil {
		return 0, false
	}
	return s, true
}

// percentile returns the q-quantile (0 < q ≤ 1) of latencies in seconds, by the
// nearest-rank method; it sorts latencies.
func percentile(latencies []float64, q float64) time.Duration {
	if len(latencies) == 0 {
		return 0
	}
	slices.Sort(latencies)
	rank := int(q*float64(len(latencies))+0.999999) - 1
	rank = min(max(rank, 0), len(latencies)-1)
	return seconds(latencies[rank])
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// parseDNSPerf parses the "Statistics:" block that dnsperf 2.x prints at the end:
//
//	Queries sent:         311185
//	Queries completed:    310879 (99.90%)
//	Queries lost:         306 (0.10%)
//	Response codes:       NOERROR 207253 (66.67%), NXDOMAIN 103626 (33.33%)
//	Run time (s):         3.001587
//	Queries per second:   103571.543987
//	Average Latency (s):  0.001375 (min 0.000013, max 0.014473)
func parseDNSPerf(out []byte) (Perf, error) {
	p := Perf{RCodes: map[string]int64{}}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		first, _, _ := strings.Cut(val, " ")
		var err error
		switch key {
		case "Queries sent":
			p.Sent, err = strconv.ParseInt(first, 10, 64)
		case "Queries completed":
			p.Completed, err = strconv.ParseInt(first, 10, 64)
		case "Queries lost":
			p.Lost, err = strconv.ParseInt(first, 10, 64)
		case "Response codes":
			err = parseRCodes(val, p.RCodes)
		case "Run time (s)":
			var s float64
			s, err = strconv.ParseFloat(first, 64)
			p.RunTime = seconds(s)
		case "Queries per second":
			p.QPS, err = strconv.ParseFloat(first, 64)
		case "Average Latency (s)":
			var s float64
			s, err = strconv.ParseFloat(first, 64)
			p.AvgLatency = seconds(s)
			if _, mx, ok := strings.Cut(val, "max "); ok {
				var m float64
				m, err = strconv.ParseFloat(strings.TrimSuffix(mx, ")"), 64)
				p.MaxLatency = seconds(m)
			}
		default:
			continue
		}
		if err != nil {
			return Perf{}, fmt.Errorf("%s: %v", key, err)
		}
		seen[key] = true
	}
	for _, k := range []string{"Queries sent", "Queries completed", "Queries per second"} {
		if !seen[k] {
			return Perf{}, fmt.Errorf("no %q line in dnsperf output: %s", k, lastLines(string(out), 5))
		}
	}
	if p.Completed > 0 && !seen["Average Latency (s)"] {
		return Perf{}, fmt.Errorf("no average latency in dnsperf output")
	}
	return p, nil
}

// parseRCodes parses "NOERROR 207253 (66.67%), NXDOMAIN 103626 (33.33%)" into m.
func parseRCodes(s string, m map[string]int64) error {
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Fields(part)
		if len(f) < 2 {
			return fmt.Errorf("response codes %q", s)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return fmt.Errorf("response codes %q: %v", s, err)
		}
		m[f[0]] = n
	}
	return nil
}

// lastLines returns the last n lines of s, for error messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

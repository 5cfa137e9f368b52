package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options are benchdns's flags.
type options struct {
	suites      string
	servers     string
	rounds      int
	duration    time.Duration
	warmup      time.Duration
	rate        int
	clients     int
	threads     int
	outstanding int
	satP99      bool
	rrl         int
	maxNoise    float64
	retries     int
	queries     int
	sizes       string
	nsec3Names  int
	workers     int
	seed        uint64
	out         string
	quick       bool
	anycastdns  string
	nsd         string
	knotd       string
	dnsperf     string
	keygen      string
	signzone    string
	rootZone    string
	loadTimeout time.Duration
	loadRounds  int
	knotc       string
	xfrSize     int
	stall       time.Duration
	reloads     int
	reloadFor   time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("benchdns", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.suites, "suite", "mix,root,nsec3,sizes,transfer", "suites to run, comma-separated: mix, root, nsec3, sizes, transfer, reload (anycastdns alone, not run by default)")
	fs.StringVar(&o.servers, "servers", "anycastdns,nsd,knot", "servers to measure, comma-separated, in the order of each round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of runs (servers alternated); tables show medians")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each dnsperf run (dnsperf -l)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured dnsperf run against each server before the first round")
	fs.IntVar(&o.rate, "rate", 20000, "queries per second of the fixed-rate runs (dnsperf -Q); 0 skips them")
	fs.IntVar(&o.clients, "clients", 4, "dnsperf -c: client sockets")
	fs.IntVar(&o.threads, "threads", 1, "dnsperf -T: threads")
	fs.IntVar(&o.outstanding, "outstanding", 100, "dnsperf -q: queries in flight at most")
	fs.IntVar(&o.rrl, "rrl", 0, "response rate limiting on in anycastdns and NSD at this many replies a second per class (100000, the most anycastdns takes, is more than dnsperf asks of one name: the cost of the accounting); 0: off for both, as by default")
	fs.BoolVar(&o.satP99, "sat-p99", false, "keep per-query latencies (dnsperf -v) at saturation too, for p99; -v costs dnsperf about a quarter of its throughput, so max qps drops")
	fs.Float64Var(&o.maxNoise, "max-noise", 0, "take a run again when other work used more than this percentage of a core during it (see the rest-of-machine column); 0 never does")
	fs.IntVar(&o.retries, "retries", 2, "with -max-noise: how many times a noisy run is taken again at most; the quietest attempt is kept")
	fs.IntVar(&o.queries, "queries", 100000, "lines of each generated query file")
	fs.StringVar(&o.sizes, "sizes", "1000,100000,1000000", "delegations of the size-series zones, comma-separated")
	fs.IntVar(&o.nsec3Names, "nsec3-names", nsec3Names, "owner names of the nsec3 suite's zone before signing")
	fs.IntVar(&o.workers, "workers", 0, "server workers: NSD server-count, Knot udp-workers, anycastdns GOMAXPROCS; 0 keeps each server's default")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the zone and query generators")
	fs.StringVar(&o.out, "out", "", "folder for generated zones, query files and server state, kept afterwards; default: a temporary folder, removed")
	fs.BoolVar(&o.quick, "quick", false, "a one-minute smoke run: 1 round of 2 s runs, sizes 1000 and 10000, a 10k-name nsec3 zone, 10k-query files (flags given explicitly still win)")
	fs.StringVar(&o.anycastdns, "anycastdns", "bin/anycastdns", "the anycastdns binary (make build)")
	fs.StringVar(&o.nsd, "nsd", "nsd", "the NSD binary")
	fs.StringVar(&o.knotd, "knotd", "knotd", "the Knot DNS binary")
	fs.StringVar(&o.dnsperf, "dnsperf", "dnsperf", "the dnsperf binary")
	fs.StringVar(&o.keygen, "dnssec-keygen", "dnssec-keygen", "BIND's dnssec-keygen, for the nsec3 suite's keys")
	fs.StringVar(&o.signzone, "dnssec-signzone", "dnssec-signzone", "BIND's dnssec-signzone, which signs the nsec3 suite's zone")
	fs.StringVar(&o.rootZone, "root-zone", "zone/testdata/root.zone", "the root zone of the root suite")
	fs.DurationVar(&o.loadTimeout, "load-timeout", 5*time.Minute, "how long a server may take to load its zones")
	fs.IntVar(&o.loadRounds, "load-rounds", 5, "root and nsec3 suites: fresh starts of each server on the suite's zone (servers alternated) for the load-time and memory table; 0 skips them")
	fs.StringVar(&o.knotc, "knotc", "knotc", "Knot's knotc, with which the transfer suite's primary reloads its zones")
	fs.IntVar(&o.xfrSize, "xfr-delegations", 100000, "transfer suite: delegations of the zones transferred by AXFR and IXFR")
	fs.DurationVar(&o.stall, "stall-duration", 10*time.Second, "transfer suite: length of the fixed-rate runs, idle and during an AXFR")
	fs.IntVar(&o.reloads, "reloads", 60, "reload suite: configuration reloads (SIGHUP) during the fixed-rate run")
	fs.DurationVar(&o.reloadFor, "reload-duration", 60*time.Second, "reload suite: length of the fixed-rate runs, idle and during the reloads")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]func(){
			"rounds":          func() { o.rounds = 1 },
			"duration":        func() { o.duration = 2 * time.Second },
			"warmup":          func() { o.warmup = 500 * time.Millisecond },
			"queries":         func() { o.queries = 10000 },
			"sizes":           func() { o.sizes = "1000,10000" },
			"nsec3-names":     func() { o.nsec3Names = 10_000 },
			"xfr-delegations": func() { o.xfrSize = 10_000 },
			"stall-duration":  func() { o.stall = stallDurationMin },
			"reloads":         func() { o.reloads = 5 },
			"reload-duration": func() { o.reloadFor = 3 * time.Second },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	if o.rounds < 1 || o.duration < time.Second || o.clients < 1 || o.threads < 1 || o.outstanding < 1 || o.queries < 100 || o.retries < 0 {
		return nil, errors.New("need -rounds ≥ 1, -duration ≥ 1s, -clients, -threads, -outstanding ≥ 1 and -queries ≥ 100")
	}
	if o.loadRounds < 0 || o.loadTimeout <= 0 {
		return nil, errors.New("need -load-rounds ≥ 0 and -load-timeout > 0")
	}
	if o.xfrSize < 1 || o.stall < stallDurationMin {
		return nil, fmt.Errorf("need -xfr-delegations ≥ 1 and -stall-duration ≥ %v", stallDurationMin)
	}
	if o.reloads < 1 || o.reloadFor < time.Second {
		return nil, errors.New("need -reloads ≥ 1 and -reload-duration ≥ 1s")
	}
	if o.nsec3Names < nsec3MinNames {
		return nil, fmt.Errorf("need -nsec3-names ≥ %d", nsec3MinNames)
	}
	return o, nil
}

// list splits a comma-separated flag value.
func list(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// lookTool finds a tool on PATH or in /usr/sbin (where Debian puts nsd and knotd, and
// which is not on every user's PATH).
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if !strings.Contains(name, "/") {
		if p, err := exec.LookPath(filepath.Join("/usr/sbin", name)); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found (Debian: apt-get install nsd knot dnsperf bind9-utils)", name)
}

// run is benchdns without the process: it parses args, generates the inputs, runs the
// suites and prints the tables to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	suites := list(o.suites)
	for _, s := range suites {
		if !slices.Contains([]string{"mix", "root", "nsec3", "sizes", "transfer", "reload"}, s) {
			return fmt.Errorf("unknown suite %q (want mix, root, nsec3, sizes, transfer, reload)", s)
		}
	}
	var sizes []int
	for _, s := range list(o.sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		sizes = append(sizes, n)
	}

	b := &Bench{Rounds: o.rounds, Duration: o.duration, Warmup: o.warmup, Rate: o.rate,
		Clients: o.clients, Threads: o.threads, Outstanding: o.outstanding, SatP99: o.satP99,
		MaxNoise: o.maxNoise, Retries: o.retries,
		LoadTimeout: o.loadTimeout, LoadRounds: o.loadRounds, Log: stderr}
	if b.DNSPerf, err = lookTool(o.dnsperf); err != nil {
		return err
	}
	versions := []string{toolVersion(b.DNSPerf, "-h")}
	var signer Signer
	if slices.Contains(suites, "nsec3") {
		if signer.Keygen, err = lookTool(o.keygen); err != nil {
			return err
		}
		if signer.SignZone, err = lookTool(o.signzone); err != nil {
			return err
		}
	}
	var knotd, knotc string
	if slices.Contains(suites, "transfer") {
		if knotd, err = lookTool(o.knotd); err != nil {
			return err
		}
		if knotc, err = lookTool(o.knotc); err != nil {
			return err
		}
	}
	for _, name := range list(o.servers) {
		switch name {
		case "anycastdns":
			bin, err := filepath.Abs(o.anycastdns)
			if err != nil {
				return err
			}
			if _, err := os.Stat(bin); err != nil {
				return fmt.Errorf("%v (run make build, or pass -anycastdns)", err)
			}
			b.Servers = append(b.Servers, Anycastdns{Bin: bin, GOMAXPROCS: o.workers, RRL: o.rrl})
			versions = append(versions, toolVersion(bin, "version"))
		case "nsd":
			bin, err := lookTool(o.nsd)
			if err != nil {
				return err
			}
			b.Servers = append(b.Servers, NSD{Bin: bin, Servers: o.workers, RRL: o.rrl})
			versions = append(versions, toolVersion(bin, "-v"))
		case "knot":
			bin, err := lookTool(o.knotd)
			if err != nil {
				return err
			}
			b.Servers = append(b.Servers, Knot{Bin: bin, UDPWorkers: o.workers})
			versions = append(versions, toolVersion(bin, "-V"))
		default:
			return fmt.Errorf("unknown server %q (want anycastdns, nsd, knot)", name)
		}
	}
	if len(b.Servers) == 0 {
		return errors.New("no servers")
	}

	dir := o.out
	if dir == "" {
		if dir, err = os.MkdirTemp("", "benchdns-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "## benchdns, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(stdout, "Machine: %s, %d cores, Linux %s. %s.\n", cpuModel(), runtime.NumCPU(), kernel(), strings.Join(versions, "; "))
	fmt.Fprintf(stdout, "Workers: %s. Load average at start: %s.\n", workersNote(o.workers), loadAverage())
	for _, suite := range suites {
		switch suite {
		case "mix":
			g, err := genMix(dir, o.seed, o.queries)
			if err != nil {
				return err
			}
			s, err := b.runQuerySuite(ctx, "mix", filepath.Join(dir, "mix"), g)
			if err != nil {
				return err
			}
			b.reportQuerySuite(stdout, s)
		case "root":
			g, err := genRoot(dir, o.rootZone, o.seed, o.queries)
			if err != nil {
				return err
			}
			if g.Records, err = countRecords(g.ZoneFile, g.Origin); err != nil {
				return err
			}
			if err := b.runWithLoads(ctx, stdout, "root", dir, g, true); err != nil {
				return err
			}
		case "nsec3":
			t0 := time.Now()
			g, err := genNSEC3(dir, o.nsec3Names, o.seed, o.queries)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "nsec3: %d names, %d records generated in %v; signing\n", o.nsec3Names, g.Records, time.Since(t0).Round(time.Millisecond))
			if err := signer.signNSEC3(ctx, g, stderr); err != nil {
				return err
			}
			if err := b.runWithLoads(ctx, stdout, "nsec3", dir, g, false); err != nil {
				return err
			}
		case "sizes":
			runs, err := b.runSizes(ctx, dir, sizes, o.seed, o.queries)
			if err != nil {
				return err
			}
			b.reportSizes(stdout, runs)
		case "transfer":
			ts, err := b.runTransfer(ctx, dir, knotd, knotc, o.rootZone, o.xfrSize, o.seed, o.queries, o.stall)
			if err != nil {
				return err
			}
			b.reportTransfer(stdout, ts)
		case "reload":
			i := slices.IndexFunc(b.Servers, func(s Server) bool { return s.Name() == "anycastdns" })
			if i < 0 || b.Rate <= 0 {
				return errors.New("the reload suite needs anycastdns among -servers and a -rate")
			}
			g, err := genMix(dir, o.seed, o.queries)
			if err != nil {
				return err
			}
			rr, err := b.runReload(ctx, filepath.Join(dir, "reload"), g, b.Servers[i].(Anycastdns), o.reloads, o.reloadFor)
			if err != nil {
				return err
			}
			b.reportReload(stdout, rr, o.reloadFor)
		}
	}
	return nil
}

func workersNote(n int) string {
	if n > 0 {
		return fmt.Sprintf("NSD server-count %d, Knot udp-workers %d, anycastdns GOMAXPROCS %d", n, n, n)
	}
	return fmt.Sprintf("each server's default on %d cores: NSD server-count 1, Knot udp-workers %d (one per core), anycastdns GOMAXPROCS %d",
		runtime.NumCPU(), runtime.NumCPU(), runtime.NumCPU())
}

// toolVersion returns the first line of a tool's version output that names a version.
func toolVersion(bin, flag string) string {
	out, _ := exec.Command(bin, flag).CombinedOutput()
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), "version") || strings.HasPrefix(line, "anycastdns") {
			return strings.TrimSpace(line)
		}
	}
	return filepath.Base(bin)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(bytes.TrimSpace(k)) == "model name" {
			return string(bytes.TrimSpace(v))
		}
	}
	return runtime.GOARCH
}

// loadAverage returns the 1, 5 and 15 minute load averages, a hint of other work.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/netutil"
)

// ReloadRun is the reload suite's measure (issue 14): dnsperf at the fixed rate
// against anycastdns while its configuration file is reloaded by SIGHUP, and the
// same run without reloads for comparison.
type ReloadRun struct {
	Reloads int // SIGHUPs sent during the run
	// Applied are the reloads seen to take effect: the identity answered
	// (hostname.bind) changed within reloadApplyWait of the SIGHUP.
	Applied int
	// ApplyTimes are, for each reload applied, the time from the SIGHUP to the first
	// answer with the new identity.
	ApplyTimes   []time.Duration
	Idle, Reload Sample
}

// reloadApplyWait bounds the wait for one reload to show in the answers.
const reloadApplyWait = 2 * time.Second

// runReload starts anycastdns on the mix zone and runs dnsperf at b.Rate for
// duration twice: once idle, once while the configuration is reloaded reloads
// times, evenly spread. Each reload alternates between the configuration as
// started and one with a second zone, a second listen address and another
// identity, so that every reload adds or removes a zone and a listener and
// changes the identity.
func (b *Bench) runReload(ctx context.Context, dir string, g *Generated, a Anycastdns, reloads int, duration time.Duration) (*ReloadRun, error) {
	zones := []Zone{{Origin: g.Origin, File: g.ZoneFile}}
	r, err := start(ctx, a, dir, zones, b.LoadTimeout)
	if err != nil {
		return nil, err
	}
	defer r.stop()
	conf := filepath.Join(dir, "anycastdns.yaml")
	base, err := os.ReadFile(conf)
	if err != nil {
		return nil, err
	}
	extraZone := filepath.Join(dir, "reload.test.zone")
	if err := os.WriteFile(extraZone, []byte("$ORIGIN reload.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n"), 0o644); err != nil {
		return nil, err
	}
	port2, err := netutil.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	alt := strings.Replace(string(base), "identity: bench\n", "identity: bench-reloaded\n", 1)
	alt = strings.Replace(alt, "listen:\n", fmt.Sprintf("listen:\n  - 127.0.0.1:%d\n", port2), 1)
	alt += fmt.Sprintf("  - origin: \"reload.test.\"\n    file: %q\n", extraZone)
	if alt == string(base) || !strings.Contains(alt, "bench-reloaded") {
		return nil, fmt.Errorf("reload suite: could not derive the second configuration from %s", conf)
	}
	versions := [2]struct{ text, identity string }{{string(base), "bench"}, {alt, "bench-reloaded"}}

	l := b.fixed(g.QueryFile, g.DO)
	l.Duration = duration
	fmt.Fprintf(b.Log, "reload: dnsperf at %d qps for %v, idle\n", b.Rate, duration)
	run := &ReloadRun{}
	if run.Idle, err = b.measure(ctx, r, l); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Log, "reload: dnsperf at %d qps for %v during %d reloads\n", b.Rate, duration, reloads)
	type result struct {
		s   Sample
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := b.measure(ctx, r, l)
		done <- result{s, err}
	}()
	every := duration / time.Duration(reloads+1)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port))
	var measureErr error
	finished := false
	for i := 1; i <= reloads && !finished; i++ {
		select {
		case res := <-done:
			measureErr, finished = res.err, true
			run.Reload = res.s
			continue
		case <-time.After(every):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		v := versions[i%2]
		if err := os.WriteFile(conf, []byte(v.text), 0o644); err != nil {
			return nil, err
		}
		sent := time.Now()
		if err := syscall.Kill(r.PID, syscall.SIGHUP); err != nil {
			return nil, fmt.Errorf("SIGHUP pid %d: %v", r.PID, err)
		}
		run.Reloads++
		if waitIdentity(addr, v.identity, sent.Add(reloadApplyWait)) {
			run.Applied++
			run.ApplyTimes = append(run.ApplyTimes, time.Since(sent))
		}
	}
	if !finished {
		res := <-done
		run.Reload, measureErr = res.s, res.err
	}
	if measureErr != nil {
		return nil, measureErr
	}
	// Leave the configuration as started.
	if err := os.WriteFile(conf, base, 0o644); err != nil {
		return nil, err
	}
	return run, nil
}

// waitIdentity asks addr for hostname.bind until it answers identity, or the
// deadline passes (false).
func waitIdentity(addr, identity string, deadline time.Time) bool {
	c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	m := new(dns.Msg).SetQuestion("hostname.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	for time.Now().Before(deadline) {
		if r, _, err := c.Exchange(m, addr); err == nil && len(r.Answer) == 1 {
			if txt, ok := r.Answer[0].(*dns.TXT); ok && len(txt.Txt) == 1 && txt.Txt[0] == identity {
				return true
			}
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// reportReload writes the reload suite's table.
func (b *Bench) reportReload(w io.Writer, run *ReloadRun, duration time.Duration) {
	fmt.Fprintf(w, "\n### reload: dnsperf at %d qps for %v, with and without configuration reloads\n\n", b.Rate, duration)
	fmt.Fprintf(w, "Each reload (SIGHUP) alternates the configuration between the one started with and one with a second zone, a second listen address and another identity. %d of %d reloads were seen to apply (hostname.bind changed)", run.Applied, run.Reloads)
	if len(run.ApplyTimes) > 0 {
		fmt.Fprintf(w, ", median %v from SIGHUP to the new identity answered", time.Duration(median(run.ApplyTimes, func(d time.Duration) float64 { return float64(d) })).Round(time.Microsecond))
	}
	fmt.Fprintf(w, ".\n\n| run | sent | completed | lost | qps | p99 | NOERROR | other rcodes |\n|---|---|---|---|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		s    Sample
	}{{"idle", run.Idle}, {fmt.Sprintf("%d reloads", run.Reloads), run.Reload}} {
		p := row.s.Perf
		other := int64(0)
		for rc, n := range p.RCodes {
			if rc != "NOERROR" && rc != "NXDOMAIN" {
				other += n
			}
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f | %v | %d | %d |\n", row.name, p.Sent, p.Completed, p.Lost, p.QPS,
			p.P99.Round(time.Microsecond), p.RCodes["NOERROR"], other)
	}
}

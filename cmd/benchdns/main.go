// Command benchdns measures anycastdns beside NSD and Knot DNS with dnsperf, on the same
// zones and query files, so that the UDP path can be compared before and after a change.
//
// It generates its inputs (deterministically, from a seed), starts each server by hand on
// a free 127.0.0.1 port with its own configuration in a scratch folder, and runs dnsperf
// against the servers in turn, A B C A B C, for a number of rounds. Around every run it
// reads each server's CPU time (utime+stime of the server's processes and all their
// threads, from /proc) and prints markdown tables of medians to stdout:
//
//	go build -trimpath -o bin/anycastdns ./cmd/anycastdns
//	go run ./cmd/benchdns -suite mix,root,nsec3,sizes -rounds 3 -duration 10s
//	go run ./cmd/benchdns -quick              # a one-minute smoke run
//
// The suites:
//
//   - mix: a 2,000-record zone (hosts, MX, TXT, a wildcard, delegations with glue,
//     CNAMEs) and a query file mixing hits, NXDOMAIN, wildcard, referral, MX, TXT and CNAME
//     queries; at saturation, then at a fixed rate (-rate, 20k qps by default).
//   - root: the signed root zone (zone/testdata/root.zone) and a root-server query mix:
//     TLD referrals, DS, 25 % NXDOMAIN TLDs and apex SOA, NS and DNSKEY queries, every
//     one sent with EDNS and the DO bit (dnsperf -D), as validating resolvers send them,
//     so that the answers carry RRSIGs and the NXDOMAINs their NSEC proofs; at saturation
//     and at the fixed rate. Then the load rounds (-load-rounds, 5 by default): each
//     server started afresh on the root zone that many times, servers alternated, and
//     stopped before the next start, for a table of load time (median, min, max), CPU
//     time to load and RSS, with ours/reference ratios and a line saying whether the goal
//     of issue 5 is met: the root zone loads no slower than NSD loads it, in at most
//     1.5 × NSD's resident memory.
//   - nsec3: a zone of 100,000 names (-nsec3-names; hosts, four wildcards, secure and
//     insecure delegations with glue) signed at bench time with NSEC3 (no salt, no extra
//     iterations, no opt-out) and ECDSAP256SHA256 keys by BIND's dnssec-keygen and
//     dnssec-signzone, and a query file of which half are NXDOMAIN or wildcard answers
//     and the rest positive answers, NODATA, referrals and DS queries, every one with
//     DO; at saturation, at the fixed rate, and the load rounds as for root. The signed
//     zone is kept under the -out folder and used again while the unsigned one is the
//     same (signing takes 15-40 s here).
//   - sizes: synthetic TLD-like zones of 1k, 100k and 1M delegations with glue: load time,
//     memory after load, and qps.
//   - transfer: each server as a secondary of one Knot primary on loopback (no TSIG),
//     started afresh with no copy: the time from its start to its first answer with the
//     primary's serial for the root zone and for a zone of 100k delegations (AXFR); from
//     a NOTIFY to the first answer with the serial of a version with 100 changes (IXFR,
//     from the primary's journal); and the p99 of dnsperf at the fixed rate on that zone,
//     idle and while a second zone of 100k delegations comes in whole. Each figure
//     is the median of the rounds, with ratios of ours to each peer and to the faster
//     peer, and a line on the goals of issue 11 (no slower than either peer; p99 during
//     the AXFR at most twice the idle p99).
//   - reload (not in the default list): anycastdns alone on the mix zone, dnsperf at the
//     fixed rate for -reload-duration (60 s) idle, then again while its configuration is
//     reloaded -reloads times (60, by SIGHUP, evenly spread), each reload adding or
//     removing a zone and a listen address and changing the identity; a table of sent,
//     completed and lost queries of both runs and of the reloads seen to apply (issue 14:
//     zero queries lost during reloads under load).
//
// Before measuring a suite (and each zone of sizes), benchdns sends five queries of each
// kind to every server, as dnsperf will send them, and stops with an error unless all
// the replies agree in rcode, TC and the number of NSEC3 and NSEC records in the
// authority section: a server that answers something else (an unsigned zone, a missing
// proof) is not measured.
//
// Load time is from the start of the process to the first authoritative SOA answer of
// each zone; the probe sends the SOA query every millisecond from one socket without
// waiting for answers, so the time is within about a millisecond of when the server
// could first answer. Memory is VmRSS of the server's largest process (NSD forks) read
// once it has settled after that answer (it changes by less than 1 % in half a second),
// and PSS over all its processes.
//
// What the figures mean. "queries per server CPU-second" is the answers dnsperf got
// divided by the server's CPU time during the run; on loopback part of the kernel's
// packet delivery is charged to whichever side sends, so each server pays for delivering
// its answers and dnsperf for delivering its queries, the same for every server. dnsperf
// 2.10 has no latency histogram, so p99 comes from its -v per-query lines; -v costs
// dnsperf about a quarter of its throughput, so at saturation it is off unless -sat-p99.
// Every table has a "rest of machine" column, the CPU that neither the server nor
// dnsperf used during the runs: on a shared machine, figures with a high one are noisy,
// and -max-noise takes such runs again.
//
// Progress goes to stderr; the tables go to stdout.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdns:", err)
		os.Exit(1)
	}
}

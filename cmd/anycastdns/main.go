// Command anycastdns is an authoritative DNS server for anycast fleets: one binary per
// point of presence answers from zone files over UDP and TCP and says which node
// answered.
//
// Usage:
//
//	anycastdns serve [-config FILE] [-listen ADDR:PORT]... [-zone ORIGIN=FILE]... [-identity NAME]
//	                 [-router-id IPV4] [-local-as ASN]
//	anycastdns check [-config FILE [-router-id IPV4] [-local-as ASN] | ZONEFILE ORIGIN]
//	anycastdns ctl [-addr HOST:PORT | -config FILE] [-json] status | zone-status ZONE | reload | drain | undrain
//	anycastdns version
//
// With no configuration file, serve answers for the example zones built into the binary
// on 127.0.0.1:5353 and [::1]:5353, with metrics on http://127.0.0.1:9153/metrics.
// SIGHUP reloads the configuration file and the zones whose files changed (what
// needs a restart is logged by key); SIGTERM and SIGINT stop gracefully.
//
// With bgp.prefixes and bgp.peers configured, the node probes its own listeners and
// announces each service prefix over BGP only while the probes pass; a stop drains
// first (GRACEFUL_SHUTDOWN, grace, withdraw, linger), and a maintenance file or
// POST /admin/drain on the metrics listener drains without stopping.
// The configuration keys are described in deploy/anycastdns.example.yaml.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run runs the subcommand named by args[0] until it is done or ctx is (serve stops
// gracefully then). It is main without the process: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := &command{stdout: stdout, stderr: stderr}
	return c.run(ctx, args)
}

// command holds what a subcommand writes to and the hooks tests use.
type command struct {
	stdout, stderr io.Writer
	// hup delivers reload requests to serve; nil means SIGHUP.
	hup <-chan os.Signal
	// started, when set, is called once serve's node is up (tests read its addresses).
	started func(*node)
	// env, when set, replaces os.Getenv for the ANYCASTDNS_* variables (env.go).
	env func(name string) string
}

const usage = `anycastdns: an authoritative DNS server for anycast fleets

usage:
  anycastdns serve [-config FILE] [-listen ADDR:PORT]... [-zone ORIGIN=FILE]... [-identity NAME]
                   [-router-id IPV4] [-local-as ASN]
        serve the zones over UDP and TCP (with no file: the built-in example zones on
        127.0.0.1:5353 and [::1]:5353, metrics on 127.0.0.1:9153); SIGHUP reloads the
        configuration and changed zone files, naming the keys that need a restart;
        SIGTERM and SIGINT stop gracefully (with BGP: drain, then stop); with
        bgp.peers, announce bgp.prefixes over BGP while the node's own probes pass
  anycastdns check [-config FILE [-router-id IPV4] [-local-as ASN] | ZONEFILE ORIGIN]
        load and check the configuration and its zones (or one zone file), print each
        zone's serial and record count; exit 1 with file:line errors
  anycastdns ctl [-addr HOST:PORT | -config FILE] [-json] status | zone-status ZONE | reload | drain | undrain
        ask a running node over its metrics listener: its status (prefixes, BGP, zones
        and their freshness), one zone, reload its configuration and zone files,
        drain or undrain it
  anycastdns version
        print the version

Run "anycastdns COMMAND -h" for the flags of a command.
`

func (c *command) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return usageError{errors.New("no command")}
	}
	switch args[0] {
	case "serve":
		return c.serve(ctx, args[1:])
	case "check":
		return c.check(args[1:])
	case "ctl":
		return c.ctl(ctx, args[1:])
	case "version", "-version", "--version":
		fmt.Fprintf(c.stdout, "anycastdns %s (%s)\n", version(), goVersion())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return nil
	default:
		fmt.Fprint(c.stderr, usage)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
}

// usageError is a command line that could not be understood; it exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// parseError wraps an error of FlagSet.Parse, which printed it already with the usage.
func parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{errReported}
}

// errReported is returned when the error was printed already (check does that).
var errReported = errors.New("errors reported")

// reported marks err as logged already: exitCode does not print it again.
func reported(err error) error { return reportedError{err} }

type reportedError struct{ err error }

func (e reportedError) Error() string        { return e.err.Error() }
func (e reportedError) Unwrap() error        { return e.err }
func (e reportedError) Is(target error) bool { return target == errReported }

// exitCode prints err to stderr unless it was reported already and returns the exit
// status: 0 for success or -h, 2 for a bad command line, 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if !errors.Is(err, errReported) {
			fmt.Fprintln(stderr, "anycastdns:", err)
		}
		return 2
	case errors.Is(err, errReported):
		return 1
	case errors.As(err, new(unreachableError)):
		fmt.Fprintln(stderr, "anycastdns:", err)
		return 3
	case errors.As(err, new(restartError)):
		fmt.Fprintln(stderr, "anycastdns:", err)
		return 4
	default:
		fmt.Fprintln(stderr, "anycastdns:", err)
		return 1
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/config"
)

// serve runs the serve subcommand until ctx is done: load the configuration, start the
// node, reload on each SIGHUP (or each value on c.hup in tests), stop in order.
func (c *command) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("anycastdns serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	configFile := fs.String("config", "", "configuration `file` (YAML); default: built-in defaults serving the example zones")
	var ov overrides
	ov.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: anycastdns serve [-config FILE] [-listen ADDR:PORT]... [-zone ORIGIN=FILE]... [-identity NAME]\n"+
			"                       [-router-id IPV4] [-local-as ASN]\n\n"+
			"Serves the configured zones over UDP and TCP until SIGTERM or SIGINT. SIGHUP reloads the\n"+
			"configuration file (zones added, removed or changed, listen addresses, identity, TSIG keys,\n"+
			"log level, BGP peers, prefixes and attributes; the keys that need a restart are logged by\n"+
			"name) and the zone files that changed.\n"+
			"With no configuration file it serves the built-in example zones\n"+
			"on 127.0.0.1:5353 and [::1]:5353, with metrics on http://127.0.0.1:9153/metrics.\n"+
			"With bgp.peers configured it announces bgp.prefixes while its own probes pass, and a stop\n"+
			"drains first: GRACEFUL_SHUTDOWN, bgp.drain.grace, withdraw, bgp.drain.linger, then exit.\n\n"+
			"Environment (a flag wins over its variable, a variable over the file): ANYCASTDNS_CONFIG,\n"+
			"ANYCASTDNS_IDENTITY, ANYCASTDNS_LISTEN (comma-separated), ANYCASTDNS_ROUTER_ID,\n"+
			"ANYCASTDNS_LOCAL_AS, ANYCASTDNS_BGP_PEERS (ADDRESS@AS,...), ANYCASTDNS_LOG_FORMAT,\n"+
			"ANYCASTDNS_LOG_LEVEL.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))}
	}

	cfg, err := c.config(*configFile, ov)
	if err != nil {
		return err
	}
	log, level, err := newLeveledLogger(cfg.Log, c.stdout)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }() // a terminal cannot sync; nothing to do about it
	n, err := newNode(cfg, log, level)
	if err != nil {
		return err
	}
	// A reload reads the same file, environment and flags again.
	n.loadConfig = func() (*config.Config, error) { return c.config(*configFile, ov) }
	// Catch SIGHUP before the (possibly long) zone load: its default action would kill
	// the process, and a reload asked for meanwhile is done once the node serves.
	hup := c.hup
	if hup == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		defer signal.Stop(ch)
		hup = ch
	}
	log.Info("starting", zap.String("version", version()), zap.String("identity", n.dns.Identity()),
		zap.String("config", orDefault(cfg.File(), "built-in defaults")))
	if err := n.start(); err != nil {
		log.Error("start failed", zap.Error(err))
		return reported(err)
	}
	if c.started != nil {
		c.started(n)
	}

	for stopping := false; !stopping; {
		select {
		case <-hup:
			log.Info("reload requested")
			n.reload()
		case <-ctx.Done():
			stopping = true
		}
	}

	// The stop order lives in node.drain and node.stop; here only the time limit of
	// the last part (the drain takes bgp.drain.grace + bgp.drain.linger).
	n.drain()
	sctx, cancel := context.WithTimeout(context.Background(), n.config().ShutdownTimeout)
	defer cancel()
	if err := n.stop(sctx); err != nil {
		log.Error("stop failed", zap.Error(err))
		return reported(err)
	}
	log.Info("stopped")
	return nil
}

// overrides are the command-line flags that replace configuration keys per PoP.
type overrides struct {
	listen, zones listFlag
	identity      string
	routerID      string
	localAS       string
}

// register adds the override flags to fs.
func (o *overrides) register(fs *flag.FlagSet) {
	fs.StringVar(&o.identity, "identity", "", "node `name` for NSID, hostname.bind and id.server (default: config identity, else the host name)")
	fs.Var(&o.listen, "listen", "DNS `address` host:port, UDP and TCP; repeatable; replaces the configured listen list")
	fs.Var(&o.zones, "zone", "serve `ORIGIN=FILE`; repeatable; replaces the configured zones")
	fs.StringVar(&o.routerID, "router-id", "", "BGP router id, an `IPv4` address; replaces bgp.router-id")
	fs.StringVar(&o.localAS, "local-as", "", "this node's BGP `AS` number; replaces bgp.local-as")
}

// config returns the configuration of the file (or of ANYCASTDNS_CONFIG, or the
// defaults) with the environment variables and then the flags applied, validated.
func (c *command) config(file string, ov overrides) (*config.Config, error) {
	if file == "" {
		file = c.getenv(config.EnvConfig)
	}
	flags, err := ov.flags()
	if err != nil {
		return nil, err
	}
	return config.Load(config.Sources{File: file, Getenv: c.getenv, Flags: flags, Version: defaultVersion()})
}

// flags returns the keys the flags replace.
func (o *overrides) flags() (config.Flags, error) {
	f := config.Flags{Listen: o.listen, Identity: o.identity, RouterID: o.routerID}
	for _, z := range o.zones {
		origin, path, ok := strings.Cut(z, "=")
		if !ok {
			return f, usageError{fmt.Errorf("-zone %q: want ORIGIN=FILE, e.g. example.org.=example.org.zone", z)}
		}
		f.Zones = append(f.Zones, config.FlagZone(origin, path))
	}
	if o.localAS != "" {
		as, err := strconv.ParseUint(o.localAS, 10, 32)
		if err != nil || as == 0 {
			return f, usageError{fmt.Errorf("-local-as %q: want an AS number, 1 to 4294967295", o.localAS)}
		}
		f.LocalAS = uint32(as)
	}
	return f, nil
}

// getenv returns the value of the environment variable name ("" when unset).
func (c *command) getenv(name string) string {
	if c.env != nil {
		return c.env(name)
	}
	return os.Getenv(name)
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

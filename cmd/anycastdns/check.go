package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/zone"
)

// check runs the check subcommand, the project's named-checkzone: it loads and checks
// the configuration and every zone (or one zone file), prints each zone's serial and
// record count, and reports every problem as file:line on stderr.
func (c *command) check(args []string) error {
	fs := flag.NewFlagSet("anycastdns check", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	configFile := fs.String("config", "", "check this configuration `file` and its zones")
	var ov overrides
	fs.StringVar(&ov.routerID, "router-id", "", "with -config: the BGP router id `IPv4` serve would be given")
	fs.StringVar(&ov.localAS, "local-as", "", "with -config: the BGP `AS` number serve would be given")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: anycastdns check [-config FILE [-router-id IPV4] [-local-as ASN] | ZONEFILE ORIGIN]\n\n"+
			"Loads and checks the configuration and its zones, or one zone file as the zone ORIGIN,\n"+
			"and prints each zone's serial and record count. With neither, checks the file named by\n"+
			"ANYCASTDNS_CONFIG, else the built-in defaults; the ANYCASTDNS_* variables serve reads\n"+
			"apply too. Exits 1 when something does not load, naming file:line.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	if *configFile == "" && fs.NArg() == 0 {
		*configFile = c.getenv(config.EnvConfig)
	}

	var cfg *config.Config
	switch {
	case *configFile != "" && fs.NArg() > 0:
		fs.Usage()
		return usageError{errors.New("check: give -config FILE or ZONEFILE ORIGIN, not both")}
	case *configFile != "":
		var err error
		if cfg, err = c.config(*configFile, ov); err != nil {
			if errors.As(err, new(usageError)) {
				return err
			}
			fmt.Fprintln(c.stderr, err)
			fmt.Fprintf(c.stderr, "config %s: not loaded due to errors\n", *configFile)
			return errReported
		}
	case fs.NArg() == 2:
		var err error
		flags := config.Flags{Zones: []config.Zone{config.FlagZone(fs.Arg(1), fs.Arg(0))}}
		if cfg, err = config.Load(config.Sources{Flags: flags, Version: defaultVersion()}); err != nil {
			return usageError{err}
		}
	case fs.NArg() == 0:
		cfg = config.Default(defaultVersion())
	default:
		fs.Usage()
		return usageError{errors.New("check: want ZONEFILE ORIGIN")}
	}
	return c.checkZones(cfg)
}

// checkZones loads every zone of cfg and prints the outcome of each.
func (c *command) checkZones(cfg *config.Config) error {
	var store zone.Store
	loader, err := zone.NewLoader(&store, cfg.ZoneFiles(), zone.LoaderOptions{TuneGC: true})
	if err != nil {
		return err
	}
	results, err := loader.LoadAll()
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintln(c.stderr, r.Err)
			fmt.Fprintf(c.stderr, "zone %s: not loaded due to errors\n", r.Origin)
			continue
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(c.stderr, "warning: %v\n", w)
		}
		dups := ""
		if r.Duplicates > 0 {
			dups = fmt.Sprintf(", %d duplicates dropped", r.Duplicates)
		}
		fmt.Fprintf(c.stdout, "zone %s: loaded serial %d, %d records%s (%s)\n", r.Origin, r.Serial, r.Records, dups, r.Path)
	}
	if failed > 0 {
		return errReported
	}
	if err != nil { // not a zone's failure: building the set
		return err
	}
	fmt.Fprintln(c.stdout, "OK")
	return nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/transfer"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
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
	at := fs.String("time", "", "check the signatures as at this `moment` (RFC 3339 or YYYYMMDDhhmmss UTC, as kzonecheck -t) instead of now")
	verify := fs.Bool("verify", true, "verify every signature of a signed zone with its key; false: check the chains, keys and validity windows only, as serve does at each load")
	expiryWarning := fs.Duration("expiry-warning", zone.DefaultExpiryWarning, "warn about a signature that expires within this `duration` of the check time; 0: never")
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: anycastdns check [-time T] [-expiry-warning D] [-verify=false] [-config FILE [-router-id IPV4] [-local-as ASN] | ZONEFILE ORIGIN]\n\n"+
			"Loads and checks the configuration and its zones, or one zone file as the zone ORIGIN,\n"+
			"and prints each zone's serial and record count. With neither, checks the file named by\n"+
			"ANYCASTDNS_CONFIG, else the built-in defaults; the ANYCASTDNS_* variables serve reads\n"+
			"apply too. A signed zone's NSEC or NSEC3 chain is checked and every signature verified,\n"+
			"like dnssec-verify and kzonecheck. Exits 1 when something does not load, or a signed\n"+
			"zone has DNSSEC errors, naming file:line.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	dnssec := zone.DNSSECOptions{ExpiryWarning: *expiryWarning, Verify: *verify}
	if *expiryWarning == 0 {
		dnssec.ExpiryWarning = -1
	}
	if *at != "" {
		t, err := parseCheckTime(*at)
		if err != nil {
			fs.Usage()
			return usageError{err}
		}
		dnssec.Now = t
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
	return c.checkZones(cfg, dnssec)
}

// checkZones loads every zone of cfg, checking the signed ones with dnssec, and
// prints the outcome of each.
func (c *command) checkZones(cfg *config.Config, dnssec zone.DNSSECOptions) error {
	var store zone.Store
	files := cfg.ZoneFiles()
	for _, z := range cfg.Zones {
		if !z.Secondary() {
			continue
		}
		// A secondary zone is checked in the copy its transfers keep, when there
		// is one yet.
		path := transfer.CopyPath(cfg.Transfer.StateDir, z.Path(), z.Origin)
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(c.stdout, "zone %s: secondary, no copy yet (%s)\n", canonicalName(z.Origin), path)
			continue
		}
		files = append(files, zone.ZoneFile{Origin: z.Origin, Source: zonefile.FileSource(path)})
	}
	loader, err := zone.NewLoader(&store, files, zone.LoaderOptions{TuneGC: true, DNSSEC: dnssec})
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
		if !c.printDNSSEC(r) {
			failed++
		}
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

// printDNSSEC prints what the DNSSEC checks found in the zone of r, if it is
// signed: each warning and error on stderr, a summary on stdout. It returns false
// when there are errors: the zone would serve (as Knot DNS and NSD serve it), but
// validating resolvers would find some of its answers bogus.
func (c *command) printDNSSEC(r zone.LoadResult) bool {
	d := r.DNSSEC
	if d == nil {
		return true
	}
	for _, w := range d.Warnings {
		fmt.Fprintf(c.stderr, "warning: %v\n", w)
	}
	for _, e := range d.Errors {
		fmt.Fprintf(c.stderr, "error: %v\n", e)
	}
	expiry := "none"
	if !d.Expiry.IsZero() {
		expiry = d.Expiry.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(c.stdout, "zone %s: signed, %s, %d signatures verified of %d, earliest expiry %s\n",
		r.Origin, d.Denial, d.Verified, d.Signatures, expiry)
	if len(d.Errors) > 0 {
		fmt.Fprintf(c.stderr, "zone %s: %d DNSSEC errors\n", r.Origin, len(d.Errors))
		return false
	}
	return true
}

// checkTimeLayouts are the forms -time takes: RFC 3339, and the YYYYMMDDhhmmss of
// RRSIG fields (RFC 4034 section 3.2) in UTC, as kzonecheck -t and ldns-verify-zone
// -t take it.
var checkTimeLayouts = []string{time.RFC3339, "20060102150405"}

// parseCheckTime parses the value of -time.
func parseCheckTime(s string) (time.Time, error) {
	for _, layout := range checkTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("check: -time %q is neither RFC 3339 (2023-05-12T00:00:00Z) nor YYYYMMDDhhmmss", s)
}

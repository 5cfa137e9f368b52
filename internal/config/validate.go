package config

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/internal/config/field"
	"github.com/anycastdns/anycastdns/server"
)

// Validate checks every value, returning one error per problem, each naming where the
// value was set and the key: "c.yaml:3: health.timeout: 2s; want ...",
// "flag -listen: listen[0]: ...". Each section checks its own keys; this adds the
// checks that span sections.
func (c *Config) Validate() error {
	var errs field.Errors
	errs.Merge("", c.Server.Validate())
	errs.Merge("metrics", c.Metrics.Validate())
	errs.Merge("log", c.Log.Validate())
	if c.ShutdownTimeout <= 0 {
		errs.Add("shutdown-timeout", "%v; want a positive duration", c.ShutdownTimeout)
	}
	keys := c.validateKeys(&errs)
	errs.Merge("", validateZones(c.Zones, keys))
	errs.Merge("transfer", c.Transfer.Validate())
	errs.Merge("health", c.Health.Validate())
	errs.Merge("bgp", c.BGP.Validate())
	c.validateProbeTargets(&errs)
	list := field.List(errs.Err())
	for i, err := range list {
		var fe *field.Error
		if errors.As(err, &fe) {
			list[i] = fmt.Errorf("%s: %w", c.where(string(fe.Key)), err)
		}
	}
	return errors.Join(list...)
}

// validateProbeTargets checks that the probes can reach every service prefix: some
// listen address lies inside it, or listens on every address of its family.
func (c *Config) validateProbeTargets(errs *field.Errors) {
	seen := map[netip.Prefix]bool{}
	for i, p := range c.BGP.Prefixes {
		if !p.IsValid() || p != p.Masked() || seen[p] {
			continue // reported by announce.Config.Validate
		}
		seen[p] = true
		if len(health.TargetAddrs(c.Server.Listen, nil, p)) == 0 {
			errs.Add(field.Join("bgp", field.Index("prefixes", i)), "%s has no probe target: no listen address lies inside it, and no wildcard listen address (0.0.0.0, [::] or empty host) of its family", p)
		}
	}
}

// Validate checks the bgp section: the speaker's keys (announce.Config.Validate) and
// the drain's.
func (b BGP) Validate() error {
	var errs field.Errors
	errs.Merge("", b.Config.Validate())
	errs.Merge("drain", b.Drain.Validate())
	return errs.Err()
}

// Validate checks the metrics listener's address.
func (m Metrics) Validate() error {
	var errs field.Errors
	if m.Listen != "" {
		if err := server.CheckAddr(m.Listen); err != nil {
			errs.Add("listen", "%v", err)
		}
	}
	return errs.Err()
}

// Validate checks the logger settings.
func (l Log) Validate() error {
	var errs field.Errors
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, l.Level) {
		errs.Add("level", "%q; want debug, info, warn or error", l.Level)
	}
	if !slices.Contains([]string{"console", "json"}, l.Format) {
		errs.Add("format", "%q; want console or json", l.Format)
	}
	return errs.Err()
}

package config

import (
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/config/field"
	"github.com/anycastdns/anycastdns/transfer"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/anycastdns/anycastdns/zones"
)

// Zone is one zone served, an item of the zones list. The list is the file's own: it
// comes from the file, the -zone flag or the examples built into the binary, and
// names files relative to the file that lists them.
type Zone struct {
	// Origin is the zone's name, e.g. "example.org." (the final dot may be left out).
	Origin string `yaml:"origin"`
	// File is the master file, relative to the configuration file's folder. For a
	// secondary zone (primaries set) it is where the transferred copy is kept;
	// default: the zone's name under transfer.state-dir.
	File string `yaml:"file"`
	// ZoneConfig holds the zone's transfer keys: primaries, allow-notify,
	// allow-transfer, notify, catalog and required.
	transfer.ZoneConfig `yaml:",inline"`

	path string // File as opened: joined to the folder of the file that named it
}

// FlagZone returns a zone given on the command line: its file is relative to the
// current folder.
func FlagZone(origin, file string) Zone { return Zone{Origin: origin, File: file, path: file} }

// Path returns the master file as opened: File joined to the folder of the
// configuration file when it is relative.
func (z Zone) Path() string { return z.path }

// resolvePaths sets the path of each zone of the file named file, and makes the
// cookie secret's file, relative to the file's folder, a path.
func (c *Config) resolvePaths(file string) {
	dir := filepath.Dir(file)
	if f := c.Server.Cookies.SecretFile; f != "" && !filepath.IsAbs(f) {
		c.Server.Cookies.SecretFile = filepath.Join(dir, f)
	}
	for i := range c.Zones {
		if f := c.Zones[i].File; f != "" && !filepath.IsAbs(f) {
			c.Zones[i].path = filepath.Join(dir, f)
		} else {
			c.Zones[i].path = f
		}
	}
}

// Secondary reports whether the zone is transferred from primaries.
func (z Zone) Secondary() bool { return len(z.Primaries) > 0 }

// ZoneFiles returns the zones to load from master files: the configured zones that
// are not secondaries, or the built-in examples.
func (c *Config) ZoneFiles() []zone.ZoneFile {
	if c.Zones == nil {
		var zfs []zone.ZoneFile
		for _, z := range zones.All() {
			zfs = append(zfs, zone.ZoneFile{Origin: z.Origin, Source: zonefile.Source{
				FS: zones.FS, Name: z.File, Path: "zones/" + z.File}})
		}
		return zfs
	}
	zfs := make([]zone.ZoneFile, 0, len(c.Zones))
	for _, z := range c.Zones {
		if z.Secondary() {
			continue
		}
		zfs = append(zfs, zone.ZoneFile{Origin: z.Origin, Source: zonefile.FileSource(z.path)})
	}
	return zfs
}

// validateZones checks the zones list: nil (the built-in examples) or at least one
// zone, each with a domain name for origin (no origin twice), a file or primaries,
// and transfer keys that name defined TSIG keys.
func validateZones(zs []Zone, keys map[string]bool) error {
	var errs field.Errors
	if zs != nil && len(zs) == 0 {
		errs.Add("zones", "empty list; remove the key to serve the built-in examples")
	}
	origins := map[string]int{}
	for i, z := range zs {
		key := field.Index("zones", i)
		origin := strings.ToLower(dns.Fqdn(z.Origin))
		switch _, ok := dns.IsDomainName(origin); {
		case z.Origin == "":
			errs.Add(field.Join(key, "origin"), "missing; want the zone's name, e.g. example.org.")
		case !ok:
			errs.Add(field.Join(key, "origin"), "%q is not a domain name", z.Origin)
		default:
			if j, dup := origins[origin]; dup {
				errs.Add(field.Join(key, "origin"), "zone %s is also %s", origin, field.Index("zones", j))
			}
			origins[origin] = i
		}
		if z.File == "" && !z.Secondary() {
			errs.Add(field.Join(key, "file"), "missing; want the zone's master file, or primaries to transfer it from")
		}
		errs.Merge(key, z.ZoneConfig.Validate(keys))
	}
	return errs.Err()
}

package transfer

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
	"github.com/anycastdns/anycastdns/internal/secret"
)

// Defaults of the transfer section, applied by WithDefaults to zero fields. The
// timer bounds are Knot DNS's (refresh-min-interval and the like), which keep a
// fleet from polling every second on a zone with a tiny SOA refresh and from
// waiting weeks on one with a huge refresh.
const (
	DefaultStateDir    = "/var/lib/anycastdns"
	DefaultTimeout     = 10 * time.Second
	DefaultMaxZoneSize = 1 << 30 // bytes of transfer messages; as Knot's zone-max-size, 1 GiB
	DefaultRefreshMin  = 2 * time.Second
	DefaultRefreshMax  = 7 * 24 * time.Hour
	DefaultRetryMin    = 2 * time.Second
	DefaultRetryMax    = 7 * 24 * time.Hour
	DefaultExpireMin   = 3 * time.Second
	DefaultExpireMax   = 14 * 24 * time.Hour
	DefaultJitter      = 0.1
	DefaultIXFRHistory = 16
)

// Config is the transfer section of the configuration file: where transfers,
// SOA checks and NOTIFYs leave from, the bounds on the SOA timers, and where the
// copies of secondary zones are kept. The yaml tags are the keys.
type Config struct {
	// SourceIPv4 and SourceIPv6 are the unicast addresses transfers, SOA checks
	// and NOTIFYs leave from (Knot's via, NSD's outgoing-interface), never the
	// anycast address: a reply to an anycast source would be routed to
	// whichever node is nearest the primary. Default: the kernel's choice.
	SourceIPv4 netip.Addr `yaml:"source-ipv4"`
	SourceIPv6 netip.Addr `yaml:"source-ipv6"`
	// StateDir holds the copy of each secondary zone that names no file, and the
	// saved timers of every copy. Default /var/lib/anycastdns.
	StateDir string `yaml:"state-dir"`
	// Timeout bounds an SOA query and the silence between two messages of a
	// transfer. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxZoneSize caps the bytes of one transfer's messages. Default 1 GiB.
	MaxZoneSize int64 `yaml:"max-zone-size"`
	// The SOA timers (RFC 1035 section 3.3.13) are clamped to these bounds.
	RefreshMin time.Duration `yaml:"refresh-min"`
	RefreshMax time.Duration `yaml:"refresh-max"`
	RetryMin   time.Duration `yaml:"retry-min"`
	RetryMax   time.Duration `yaml:"retry-max"`
	ExpireMin  time.Duration `yaml:"expire-min"`
	ExpireMax  time.Duration `yaml:"expire-max"`
	// Jitter spreads the SOA checks of a fleet: each interval is shortened by a
	// random fraction of at most Jitter, 0 to 0.5. Default 0.1.
	Jitter float64 `yaml:"jitter"`
	// IXFRHistory is how many versions of each zone are kept as differences to
	// answer IXFR (RFC 1995) from; older clients get the whole zone. 1 to 1024;
	// default 16.
	IXFRHistory int `yaml:"ixfr-history"`
}

// DefaultConfig returns the transfer section with every key at its default.
func DefaultConfig() Config {
	return Config{
		StateDir: DefaultStateDir, Timeout: DefaultTimeout, MaxZoneSize: DefaultMaxZoneSize,
		RefreshMin: DefaultRefreshMin, RefreshMax: DefaultRefreshMax,
		RetryMin: DefaultRetryMin, RetryMax: DefaultRetryMax,
		ExpireMin: DefaultExpireMin, ExpireMax: DefaultExpireMax,
		Jitter: DefaultJitter, IXFRHistory: DefaultIXFRHistory,
	}
}

// Validate checks every key of the section, naming it.
func (c Config) Validate() error {
	var errs field.Errors
	if c.SourceIPv4.IsValid() && !c.SourceIPv4.Unmap().Is4() {
		errs.Add("source-ipv4", "%v is not an IPv4 address", c.SourceIPv4)
	}
	if c.SourceIPv6.IsValid() && (!c.SourceIPv6.Is6() || c.SourceIPv6.Is4In6()) {
		errs.Add("source-ipv6", "%v is not an IPv6 address", c.SourceIPv6)
	}
	if c.StateDir == "" {
		errs.Add("state-dir", "empty; want a folder for the copies of secondary zones")
	}
	if c.Timeout <= 0 {
		errs.Add("timeout", "%v; want a positive duration", c.Timeout)
	}
	if c.MaxZoneSize < 1<<16 {
		errs.Add("max-zone-size", "%d; want at least 65536 bytes", c.MaxZoneSize)
	}
	for _, b := range []struct {
		min, max   time.Duration
		kMin, kMax field.Key
	}{
		{c.RefreshMin, c.RefreshMax, "refresh-min", "refresh-max"},
		{c.RetryMin, c.RetryMax, "retry-min", "retry-max"},
		{c.ExpireMin, c.ExpireMax, "expire-min", "expire-max"},
	} {
		if b.min < time.Second {
			errs.Add(b.kMin, "%v; want at least 1s", b.min)
		}
		if b.max < b.min {
			errs.Add(b.kMax, "%v; want at least %s (%v)", b.max, b.kMin, b.min)
		}
	}
	if c.Jitter < 0 || c.Jitter > 0.5 {
		errs.Add("jitter", "%v; want 0 to 0.5", c.Jitter)
	}
	if c.IXFRHistory < 1 || c.IXFRHistory > 1024 {
		errs.Add("ixfr-history", "%d; want 1 to 1024", c.IXFRHistory)
	}
	return errs.Err()
}

// KeyConfig is one TSIG key of the tsig-keys list. The secret comes from exactly
// one of Secret, SecretFile and SecretEnv; it is never logged.
type KeyConfig struct {
	// Name is the key's name, the same on both ends. Required.
	Name string `yaml:"name"`
	// Algorithm is hmac-sha256 (default), hmac-sha384, hmac-sha512 or hmac-sha1.
	Algorithm string `yaml:"algorithm"`
	// Secret is the shared secret in base64, as tsig-keygen, keymgr and
	// ldns-keygen print it.
	Secret string `yaml:"secret"`
	// SecretFile names a file holding the base64 secret (only its first line is
	// read), relative to the configuration file's folder.
	SecretFile string `yaml:"secret-file"`
	// SecretEnv names an environment variable holding the base64 secret.
	SecretEnv string `yaml:"secret-env"`
}

// Key reads the secret from where the KeyConfig says and returns the key; dir is
// the folder relative file names are read from. Errors never show the secret.
func (k KeyConfig) Key(dir string) (Key, error) {
	s, err := secret.Read(secret.Text(k.Secret), k.SecretFile, k.SecretEnv, dir)
	if err != nil {
		return Key{}, err
	}
	return NewKey(k.Name, k.Algorithm, s)
}

// RemoteConfig is a server this node talks to: a primary, or a target of NOTIFY.
type RemoteConfig struct {
	// Address is "address" or "address:port" ("[v6]:port"); port 53 by default.
	Address string `yaml:"address"`
	// Key names the TSIG key (tsig-keys) that signs every message to and from it.
	// Default: none.
	Key string `yaml:"key"`
}

// AddrPort returns the address and port of r.
func (r RemoteConfig) AddrPort() (netip.AddrPort, error) {
	return ParseAddrPort(r.Address)
}

// ParseAddrPort reads "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" or
// "[2001:db8::1]:5353"; the port is 53 when absent.
func ParseAddrPort(s string) (netip.AddrPort, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, 53), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an address or address:port", s)
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(host, port))
	if err != nil || ap.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q is not an address or address:port", s)
	}
	return ap, nil
}

// ZoneConfig holds a zone's keys about transfers, inline in an item of the zones
// list: a zone with Primaries is a secondary; any zone may allow transfers and
// notify others (a tier of nodes, monitoring, dig axfr).
type ZoneConfig struct {
	// Primaries are the servers the zone is transferred from, tried in order.
	// Without them the zone is read from its file.
	Primaries []RemoteConfig `yaml:"primaries"`
	// AllowNotify admits NOTIFY messages (RFC 1996): addresses, prefixes,
	// "key NAME" or both. Default: nobody (the primaries are not implied).
	AllowNotify []string `yaml:"allow-notify"`
	// AllowTransfer admits AXFR and IXFR requests, written as AllowNotify.
	// Default: nobody.
	AllowTransfer []string `yaml:"allow-transfer"`
	// Notify lists the servers sent a NOTIFY after each new version.
	Notify []RemoteConfig `yaml:"notify"`
	// Catalog marks a catalog zone (RFC 9432): its members become secondary
	// zones of the same primaries, with the same allow and notify lists.
	Catalog bool `yaml:"catalog"`
	// CatalogGroups gives the members of a catalog whose group property (RFC 9432
	// section 4.4.2) names a group other primaries than the catalog's.
	CatalogGroups []CatalogGroup `yaml:"catalog-groups"`
	// Required zones withdraw the node's prefixes while they are not fresh.
	// Default true.
	Required *bool `yaml:"required"`
}

// CatalogGroup is one item of catalog-groups: the primaries of the members of a
// group.
type CatalogGroup struct {
	// Group is the group property's value, e.g. "signed".
	Group string `yaml:"group"`
	// Primaries replace the catalog's for the group's members.
	Primaries []RemoteConfig `yaml:"primaries"`
}

// IsRequired reports Required, true when not set.
func (z ZoneConfig) IsRequired() bool { return z.Required == nil || *z.Required }

// Validate checks the zone's transfer keys against the keys defined in keys;
// the caller checks that a zone has a file or primaries.
func (z ZoneConfig) Validate(keys map[string]bool) error {
	var errs field.Errors
	checkKey := func(key field.Key, name string) {
		if name != "" && !keys[canonical(name)] {
			errs.Add(key, "key %q is not defined in tsig-keys", name)
		}
	}
	for _, list := range []struct {
		key     field.Key
		remotes []RemoteConfig
	}{{"primaries", z.Primaries}, {"notify", z.Notify}} {
		for i, r := range list.remotes {
			k := field.Index(list.key, i)
			if _, err := r.AddrPort(); err != nil {
				errs.Add(field.Join(k, "address"), "%v", err)
			}
			checkKey(field.Join(k, "key"), r.Key)
		}
	}
	for _, list := range []struct {
		key   field.Key
		rules []string
	}{{"allow-notify", z.AllowNotify}, {"allow-transfer", z.AllowTransfer}} {
		for i, rule := range list.rules {
			acl, err := ParseACL([]string{rule})
			if err != nil {
				errs.Add(field.Index(list.key, i), "%v", err)
				continue
			}
			for _, name := range acl.Keys() {
				checkKey(field.Index(list.key, i), name)
			}
		}
	}
	if z.Catalog && len(z.Primaries) == 0 {
		errs.Add("catalog", "a catalog zone needs primaries")
	}
	if len(z.CatalogGroups) > 0 && !z.Catalog {
		errs.Add("catalog-groups", "set on a zone that is not a catalog (catalog: true)")
	}
	seen := map[string]bool{}
	for i, g := range z.CatalogGroups {
		key := field.Index("catalog-groups", i)
		if g.Group == "" || seen[g.Group] {
			errs.Add(field.Join(key, "group"), "%q: want a group name, once", g.Group)
		}
		seen[g.Group] = true
		if len(g.Primaries) == 0 {
			errs.Add(field.Join(key, "primaries"), "missing; want the group's primaries")
		}
		for j, r := range g.Primaries {
			k := field.Index(field.Join(key, "primaries"), j)
			if _, err := r.AddrPort(); err != nil {
				errs.Add(field.Join(k, "address"), "%v", err)
			}
			checkKey(field.Join(k, "key"), r.Key)
		}
	}
	return errs.Err()
}

package server

import (
	"net/netip"
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
)

// Defaults of the rate-limit section. The rates and the slip are those of
// Debian's NSD (rrl-ratelimit: 200, rrl-slip: 2); the window and the prefix
// lengths those of BIND (window 15, ipv4-prefix-length 24, ipv6-prefix-length
// 56).
const (
	DefaultRateLimitResponses = 200
	DefaultRateLimitWindow    = 15 * time.Second
	DefaultRateLimitSlip      = 2
	DefaultRateLimitIPv4Len   = 24
	DefaultRateLimitIPv6Len   = 56
	// DefaultRateLimitTableSize is the number of buckets: 8 MiB of memory, a
	// million sources and classes tracked at once (NSD's rrl-size is a
	// million too).
	DefaultRateLimitTableSize = 1 << 20
)

// Bounds of the rate-limit section: a bucket's balance lies in
// [-window*rate, rate] and is stored in 32 signed bits (rrl.go), which hold
// 100,000 a second for an hour.
const (
	maxRateLimitRate      = 100_000
	maxRateLimitWindow    = time.Hour // BIND's bound
	maxRateLimitTableSize = 1 << 30
)

// RateLimitConfig is the rate-limit section of the configuration file: Response
// Rate Limiting (RRL) of UDP replies, as NSD, Knot DNS and BIND do it after the
// design of Vixie and Schryver (ISC-TN-2012-1). Replies are accounted per source
// prefix and per response class (the answer's name, NXDOMAIN by zone, referrals
// by delegation point, errors); over its budget, every Slip-th reply is sent
// truncated (TC set, no records) so that a real client retries over TCP, and
// the others are dropped. The victim of a reflection attack then gets at most
// about as many octets as the attacker sent, however large the answers.
//
// Never limited: TCP (a source that completes a handshake is not spoofed), a
// query with a valid server cookie (RFC 9018 section 1: the client proved its
// address), the transfer and NOTIFY messages handed to Options.Transfers, and
// the sources of Exempt and of Options.RateLimitExempt.
//
// The zero value is off. Unlike the other sections, a zero rate means "no
// limit for that class" and a zero slip "never slip", as in BIND, so the
// defaults of the file (DefaultConfig) are set there, not applied by New.
type RateLimitConfig struct {
	// Enabled turns rate limiting on. The zero value is false; DefaultConfig,
	// the configuration file's default, sets true (as Debian's NSD runs it).
	Enabled bool `yaml:"enabled"`
	// ResponsesPerSecond is the budget of a source prefix for one name and type
	// (positive answers, NODATA, referrals). 0: not limited. File default 200.
	ResponsesPerSecond int `yaml:"responses-per-second"`
	// ErrorsPerSecond is the budget for error replies (REFUSED, FORMERR,
	// SERVFAIL, NOTIMP...), per source prefix and zone. 0: not limited. File
	// default 200.
	ErrorsPerSecond int `yaml:"errors-per-second"`
	// NXDomainsPerSecond is the budget for NXDOMAIN replies, per source prefix
	// and zone (a random-subdomain flood is one class). 0: not limited. File
	// default 200.
	NXDomainsPerSecond int `yaml:"nxdomains-per-second"`
	// Window is how far a bucket may go into debt: at most window times its
	// rate, so a source limited for good is answered again at most Window after
	// its flood stops. 1s to 1h; default 15s.
	Window time.Duration `yaml:"window"`
	// Slip: every Slip-th reply over budget is sent truncated, the others
	// dropped; 0 drops them all, 1 truncates them all. File default 2.
	Slip int `yaml:"slip"`
	// IPv4PrefixLength and IPv6PrefixLength group the sources that share a
	// budget: 1 to 32, default 24; 1 to 128, default 56.
	IPv4PrefixLength int `yaml:"ipv4-prefix-length"`
	IPv6PrefixLength int `yaml:"ipv6-prefix-length"`
	// DryRun accounts and counts the replies that would be limited
	// (anycastdns_rrl_responses_total{action="dry-run"}) but sends them all.
	DryRun bool `yaml:"dry-run"`
	// TableSize is the number of buckets, rounded up to a power of two, 8
	// octets each. Default 1048576 (8 MiB).
	TableSize int `yaml:"table-size"`
	// Exempt are the source prefixes never limited (monitoring, a known
	// resolver). The addresses that the zones' allow-transfer and allow-notify
	// lists admit are exempt too. Default: none.
	Exempt []netip.Prefix `yaml:"exempt"`
}

// defaultRateLimit returns the rate-limit section of the configuration file's
// default: on, with NSD's and BIND's defaults.
func defaultRateLimit() RateLimitConfig {
	return RateLimitConfig{
		Enabled:            true,
		ResponsesPerSecond: DefaultRateLimitResponses,
		ErrorsPerSecond:    DefaultRateLimitResponses,
		NXDomainsPerSecond: DefaultRateLimitResponses,
		Window:             DefaultRateLimitWindow,
		Slip:               DefaultRateLimitSlip,
		IPv4PrefixLength:   DefaultRateLimitIPv4Len,
		IPv6PrefixLength:   DefaultRateLimitIPv6Len,
		TableSize:          DefaultRateLimitTableSize,
	}
}

// withDefaults fills the zero window, prefix lengths and table size.
func (c RateLimitConfig) withDefaults() RateLimitConfig {
	if c.Window <= 0 {
		c.Window = DefaultRateLimitWindow
	}
	if c.IPv4PrefixLength <= 0 || c.IPv4PrefixLength > 32 {
		c.IPv4PrefixLength = DefaultRateLimitIPv4Len
	}
	if c.IPv6PrefixLength <= 0 || c.IPv6PrefixLength > 128 {
		c.IPv6PrefixLength = DefaultRateLimitIPv6Len
	}
	if c.TableSize <= 0 {
		c.TableSize = DefaultRateLimitTableSize
	}
	c.TableSize = min(c.TableSize, maxRateLimitTableSize)
	c.Window = min(c.Window, maxRateLimitWindow)
	c.Slip = max(c.Slip, 0)
	return c
}

// Validate reports every value of the section the configuration file must not
// hold, naming each key.
func (c RateLimitConfig) Validate() error {
	var errs field.Errors
	for _, r := range []struct {
		key  field.Key
		rate int
	}{
		{"responses-per-second", c.ResponsesPerSecond},
		{"errors-per-second", c.ErrorsPerSecond},
		{"nxdomains-per-second", c.NXDomainsPerSecond},
	} {
		if r.rate < 0 || r.rate > maxRateLimitRate {
			errs.Add(r.key, "%d; want 0 (no limit) to %d", r.rate, maxRateLimitRate)
		}
	}
	if c.Window < time.Second || c.Window > maxRateLimitWindow || c.Window%time.Second != 0 {
		errs.Add("window", "%v; want whole seconds from 1s to 1h", c.Window)
	}
	if c.Slip < 0 || c.Slip > 10 {
		errs.Add("slip", "%d; want 0 (drop all) to 10 (1 truncates all)", c.Slip)
	}
	if c.IPv4PrefixLength < 1 || c.IPv4PrefixLength > 32 {
		errs.Add("ipv4-prefix-length", "%d; want 1 to 32", c.IPv4PrefixLength)
	}
	if c.IPv6PrefixLength < 1 || c.IPv6PrefixLength > 128 {
		errs.Add("ipv6-prefix-length", "%d; want 1 to 128", c.IPv6PrefixLength)
	}
	if c.TableSize < 1 || c.TableSize > maxRateLimitTableSize {
		errs.Add("table-size", "%d; want 1 to %d", c.TableSize, maxRateLimitTableSize)
	}
	for i, p := range c.Exempt {
		if !p.IsValid() {
			errs.Add(field.Index("exempt", i), "not a prefix")
		}
	}
	return errs.Err()
}

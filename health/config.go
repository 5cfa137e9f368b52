package health

import (
	"time"

	"github.com/anycastdns/anycastdns/internal/config/field"
)

// Defaults applied by [Config.WithDefaults] to zero-valued fields.
const (
	DefaultRise           = 2
	DefaultFall           = 3
	DefaultInterval       = time.Second
	DefaultStallIntervals = 3
	DefaultTimeout        = 500 * time.Millisecond
	DefaultTCPEvery       = 5
)

// Config holds the health-checking parameters, the health section of the
// configuration file (deploy/anycastdns.example.yaml) whose yaml tags they carry.
// Every zero field takes the default documented on it (WithDefaults).
type Config struct {
	// Interval is the time between probe rounds. Default 1s.
	Interval time.Duration `yaml:"interval"`
	// Rise is the number of consecutive passing probe rounds needed to
	// become Healthy. Default 2.
	Rise int `yaml:"rise"`
	// Fall is the number of consecutive failing probe rounds needed to
	// leave Healthy. Default 3.
	Fall int `yaml:"fall"`
	// Timeout bounds one probe query. It must not exceed Interval.
	// Default 500ms (or Interval, when Interval is shorter).
	Timeout time.Duration `yaml:"timeout"`
	// TCPEvery makes every TCPEvery-th probe round also query over TCP;
	// the other rounds query over UDP only. 1 probes TCP every round.
	// Default 5.
	TCPEvery int `yaml:"tcp-every"`
	// StallIntervals bounds the silence of the probe loop: when no probe
	// result has arrived for more than StallIntervals × Interval, the probe
	// loop itself is considered stuck and the prefix becomes Unhealthy.
	// Default 3.
	StallIntervals int `yaml:"stall-intervals"`
	// MaintenanceFile, when not empty, is a path whose presence drains every
	// prefix (the operator's maintenance switch). It is checked once per
	// Interval. Default: no file.
	MaintenanceFile string `yaml:"maintenance-file"`
	// Freshness says when a zone stops being fresh enough to keep the node
	// announced (max-lag, min-signature-validity). Zero fields take
	// defaults computed per zone from its SOA refresh.
	Freshness FreshnessPolicy `yaml:",inline"`
}

// DefaultConfig returns the configuration with every field at its default.
func DefaultConfig() Config { return Config{}.WithDefaults() }

// WithDefaults returns c with every zero field replaced by its default.
func (c Config) WithDefaults() Config {
	if c.Rise == 0 {
		c.Rise = DefaultRise
	}
	if c.Fall == 0 {
		c.Fall = DefaultFall
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.StallIntervals == 0 {
		c.StallIntervals = DefaultStallIntervals
	}
	if c.Timeout == 0 {
		c.Timeout = min(DefaultTimeout, c.Interval)
	}
	if c.TCPEvery == 0 {
		c.TCPEvery = DefaultTCPEvery
	}
	return c
}

// Validate reports every invalid field of c, naming its key; it applies no
// defaults (NewMonitor applies them first).
func (c Config) Validate() error {
	var errs field.Errors
	if c.Interval <= 0 {
		errs.Add("interval", "%v; want a positive duration", c.Interval)
	}
	if c.Rise < 1 {
		errs.Add("rise", "%d; want at least 1", c.Rise)
	}
	if c.Fall < 1 {
		errs.Add("fall", "%d; want at least 1", c.Fall)
	}
	if c.Timeout <= 0 || (c.Interval > 0 && c.Timeout > c.Interval) {
		errs.Add("timeout", "%v; want a positive duration, at most %s (%v)", c.Timeout, field.Key("interval"), c.Interval)
	}
	if c.TCPEvery < 1 {
		errs.Add("tcp-every", "%d; want at least 1 (1 probes TCP every round)", c.TCPEvery)
	}
	if c.StallIntervals < 1 {
		errs.Add("stall-intervals", "%d; want at least 1", c.StallIntervals)
	}
	if c.Freshness.MaxLag < 0 {
		errs.Add("max-lag", "%v; want a positive duration, or 0 for 2 × refresh + 5m", c.Freshness.MaxLag)
	}
	if c.Freshness.MinSignatureValidity < 0 {
		errs.Add("min-signature-validity", "%v; want a positive duration, or 0 for max(2 × refresh, 1h)", c.Freshness.MinSignatureValidity)
	}
	return errs.Err()
}

// StallAfter is the silence after which the probe loop counts as stalled.
func (c Config) StallAfter() time.Duration {
	c = c.WithDefaults()
	return time.Duration(c.StallIntervals) * c.Interval
}

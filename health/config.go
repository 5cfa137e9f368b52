package health

import (
	"errors"
	"fmt"
	"time"
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

// Config holds the health-checking parameters. The zero value is valid: every
// zero field takes the default documented on it.
type Config struct {
	// Rise is the number of consecutive passing probe rounds needed to
	// become Healthy. Default 2.
	Rise int
	// Fall is the number of consecutive failing probe rounds needed to
	// leave Healthy. Default 3.
	Fall int
	// Interval is the time between probe rounds. Default 1s.
	Interval time.Duration
	// StallIntervals bounds the silence of the probe loop: when no probe
	// result has arrived for more than StallIntervals × Interval, the probe
	// loop itself is considered stuck and the prefix becomes Unhealthy.
	// Default 3.
	StallIntervals int
	// Timeout bounds one probe query. It must not exceed Interval.
	// Default 500ms (or Interval, when Interval is shorter).
	Timeout time.Duration
	// TCPEvery makes every TCPEvery-th probe round also query over TCP;
	// the other rounds query over UDP only. 1 probes TCP every round.
	// Default 5.
	TCPEvery int
	// MaintenanceFile, when not empty, is a path whose presence drains every
	// prefix (the operator's maintenance switch). It is checked once per
	// Interval. Default: no file.
	MaintenanceFile string
}

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

// Validate reports the first invalid field of c after defaults are applied.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Rise < 1:
		return fmt.Errorf("health: rise %d: must be at least 1", c.Rise)
	case c.Fall < 1:
		return fmt.Errorf("health: fall %d: must be at least 1", c.Fall)
	case c.Interval < 0:
		return errors.New("health: interval must be positive")
	case c.StallIntervals < 1:
		return fmt.Errorf("health: stall intervals %d: must be at least 1", c.StallIntervals)
	case c.Timeout < 0 || c.Timeout > c.Interval:
		return fmt.Errorf("health: timeout %v: must be positive and at most the interval %v", c.Timeout, c.Interval)
	case c.TCPEvery < 1:
		return fmt.Errorf("health: tcp every %d: must be at least 1", c.TCPEvery)
	}
	return nil
}

// StallAfter is the silence after which the probe loop counts as stalled.
func (c Config) StallAfter() time.Duration {
	c = c.WithDefaults()
	return time.Duration(c.StallIntervals) * c.Interval
}

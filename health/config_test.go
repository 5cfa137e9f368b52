package health

import (
	"strings"
	"testing"
	"time"
)

// Each problem names its key in the health section; a zero written in the file is
// a problem, since Validate applies no defaults.
func TestConfigValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"interval 0", func(c *Config) { c.Interval = 0 }, "interval: 0s; want a positive duration"},
		{"rise 0", func(c *Config) { c.Rise = 0 }, "rise: 0; want at least 1"},
		{"fall 0", func(c *Config) { c.Fall = 0 }, "fall: 0; want at least 1"},
		{"timeout above interval", func(c *Config) { c.Timeout = 2 * time.Second }, "timeout: 2s; want a positive duration, at most interval (1s)"},
		{"tcp-every 0", func(c *Config) { c.TCPEvery = 0 }, "tcp-every: 0; want at least 1 (1 probes TCP every round)"},
		{"stall-intervals 0", func(c *Config) { c.StallIntervals = 0 }, "stall-intervals: 0; want at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.change(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

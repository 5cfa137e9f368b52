package config

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestRateLimitConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"negative rate", "rate-limit:\n  responses-per-second: -1\n", []string{"c.yaml:2: rate-limit.responses-per-second: -1; want 0 (no limit) to 100000"}},
		{"window", "rate-limit: {window: 0s}\n", []string{"rate-limit.window: 0s; want whole seconds from 1s to 1h"}},
		{"slip", "rate-limit:\n  slip: 20\n", []string{"c.yaml:2: rate-limit.slip: 20"}},
		{"prefix length", "rate-limit:\n  ipv6-prefix-length: 129\n", []string{"rate-limit.ipv6-prefix-length: 129; want 1 to 128"}},
		{"exempt not a prefix", "rate-limit:\n  exempt: [192.0.2.1]\n", []string{"c.yaml:2: rate-limit.exempt[0]: \"192.0.2.1\" is not a prefix"}},
		{"unknown key", "rate-limit: {rate: 5}\n", []string{`unknown key "rate-limit.rate"`}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantConfigError(t, tc.yaml, tc.want) })
	}
}

// The defaults turn rate limiting on at NSD's rate, BIND's window; a file sets
// every key.
func TestRateLimitConfigValues(t *testing.T) {
	r := Default(testVersion).Server.RateLimit
	if !r.Enabled || r.ResponsesPerSecond != 200 || r.NXDomainsPerSecond != 200 || r.ErrorsPerSecond != 200 ||
		r.Slip != 2 || r.Window != 15*time.Second || r.IPv4PrefixLength != 24 || r.IPv6PrefixLength != 56 {
		t.Errorf("defaults: got %+v", r)
	}
	c, err := Parse([]byte("rate-limit:\n  enabled: false\n  responses-per-second: 50\n  window: 5s\n  slip: 0\n  dry-run: true\n  exempt: [192.0.2.0/24, \"2001:db8::/32\"]\n"), "c.yaml", testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r = c.Server.RateLimit
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	if r.Enabled || r.ResponsesPerSecond != 50 || r.NXDomainsPerSecond != 200 || r.Window != 5*time.Second ||
		r.Slip != 0 || !r.DryRun || !slices.Equal(r.Exempt, want) {
		t.Errorf("got %+v", r)
	}
}

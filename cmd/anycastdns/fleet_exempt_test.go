package main

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/config"
)

// The peers of the zones' access lists and their notify targets are exempt from
// response rate limiting; a key alone names no address.
func TestFleetRateLimitExempt(t *testing.T) {
	cfg, err := config.Parse([]byte(`tsig-keys:
  - {name: xfr, algorithm: hmac-sha256, secret: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}
zones:
  - origin: a.example.
    file: a.zone
    allow-transfer: ["192.0.2.0/28", "key xfr"]
    notify: [{address: "198.51.100.9"}]
  - origin: b.example.
    file: b.zone
    allow-notify: ["2001:db8::53"]
`), "c.yaml", "test")
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFleet(cfg, zap.NewNop(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range f.exempt {
		got = append(got, p.String())
	}
	want := []string{"192.0.2.0/28", "198.51.100.9/32", "2001:db8::53/128"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if slices.Contains(f.exempt, netip.Prefix{}) {
		t.Error("an invalid prefix is exempt")
	}
}

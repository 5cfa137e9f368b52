package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/config"
)

// registeredMetrics returns the names of every metric a node registers, BGP and
// health included (a node configured with a peer and a prefix), series or not.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	cfg, err := config.Parse([]byte(`
listen: ["192.0.2.53:5353"]
bgp:
  local-as: 65010
  router-id: 10.255.0.2
  peers: [{address: 127.0.0.1, as: 65000}]
  prefixes: ["192.0.2.53/32"]
`), "monitoring.yaml", "test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := newNode(cfg, zap.NewNop(), zap.NewAtomicLevel())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newAnycast(cfg, anycastDeps{store: &n.store, ports: []int{5353},
		freshness: n.fleet.freshness(nil), log: zap.NewNop(), reg: n.reg}); err != nil {
		t.Fatal(err)
	}
	descs := make(chan *prometheus.Desc)
	go func() {
		n.reg.Describe(descs)
		close(descs)
	}()
	names := map[string]bool{}
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// Every anycastdns metric the alert rules and the dashboard of deploy/monitoring
// use is one a node exports (a histogram's _bucket, _sum and _count series
// included): a metric renamed or dropped fails here, not silently in Grafana.
func TestMonitoringMetricsExist(t *testing.T) {
	names := registeredMetrics(t)
	if !names["anycastdns_bgp_peer_state"] || !names["anycastdns_dns_queries_total"] {
		t.Fatalf("the node registered %d metrics, not the BGP and DNS ones: %v", len(names), names)
	}
	used := regexp.MustCompile(`\banycastdns_[a-z0-9_]+[a-z0-9]`)
	for _, f := range []string{"alerts.yml", "alerts_test.yml", "dashboard.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "monitoring", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllString(string(b), -1) {
			base := m
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(m, suffix); ok && names[b] {
					base = b
				}
			}
			if !names[base] {
				t.Errorf("%s uses %s, which no node exports", f, m)
			}
		}
	}
}

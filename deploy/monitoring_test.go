package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// grafanaDashboard is the part of a Grafana dashboard the tests read.
type grafanaDashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func readDashboard(t *testing.T) grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("monitoring", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	return d
}

// promtool runs promtool with args in monitoring/ and fails the test with its
// output when it fails.
func promtool(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "promtool"), args...)
	cmd.Dir = "monitoring"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// The alert rules are valid (promtool check rules) and each fires on the series
// that should raise it and not on its near miss (promtool test rules with
// alerts_test.yml, which names every alert of the file).
func TestAlertRules(t *testing.T) {
	promtool(t, "check", "rules", "alerts.yml")
	promtool(t, "test", "rules", "alerts_test.yml")
	rules, err := os.ReadFile(filepath.Join("monitoring", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("monitoring", "alerts_test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		name, ok := strings.CutPrefix(strings.TrimSpace(line), "- alert: ")
		if ok && !strings.Contains(string(tests), "alertname: "+name+"\n") {
			t.Errorf("alert %s has no unit test in alerts_test.yml", name)
		}
	}
}

// Every panel of the dashboard queries the selected data source and nodes with
// PromQL that parses (each expression checked by promtool as a recording rule,
// Grafana's variables replaced), and the dashboard shows what an operator looks
// at first: traffic, latency, announcements, health, BGP sessions, zone serials,
// freshness, reloads and signatures.
func TestDashboard(t *testing.T) {
	d := readDashboard(t)
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	if !vars["datasource"] || !vars["instance"] || d.UID == "" {
		t.Errorf("dashboard: uid %q, variables %v; want a uid and the variables datasource and instance", d.UID, vars)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	all := ""
	n := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: data source %q, want ${datasource}", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, `instance=~"$instance"`) {
				t.Errorf("panel %q: %q does not select the nodes of $instance", p.Title, q.Expr)
			}
			expr := strings.NewReplacer("$__rate_interval", "5m", "$instance", ".*").Replace(q.Expr)
			n++
			fmt.Fprintf(&rules, "      - record: dashboard:q%d\n        expr: %q\n", n, expr)
			all += expr + "\n"
		}
	}
	promtool(t, "check", "rules", testutil.WriteFile(t, t.TempDir(), "dashboard-rules.yml", rules.String()))
	for _, m := range []string{
		"anycastdns_dns_queries_total", "anycastdns_dns_query_duration_seconds_bucket",
		"anycastdns_bgp_prefix_announced", "anycastdns_health_state", "anycastdns_bgp_peer_state",
		"anycastdns_zone_serial", "anycastdns_transfer_expiry_timestamp_seconds",
		"anycastdns_transfer_lag_seconds", "anycastdns_zone_reloads_total",
		"anycastdns_zone_reload_failing", "anycastdns_zone_signature_expiry_timestamp_seconds",
	} {
		if !strings.Contains(all, m) {
			t.Errorf("no panel shows %s", m)
		}
	}
}

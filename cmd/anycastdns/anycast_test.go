package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/health"
)

// The start order: the prefix is announced only after its probes passed, and a real
// fault (the DNS listener closed, so the probes over the network fail) withdraws it.
func TestAnycastAnnouncesWhenHealthyWithdrawsOnFault(t *testing.T) {
	r := startTestRouter(t)
	s := startAnycastNode(t, r, "")
	r.waitRoute(t, s, routePresent, 10*time.Second)

	s.waitLog(2*time.Second, "bgp announce", `"prefix": "127.0.0.1/32"`, `"reason": "rise"`)
	logs := s.logs.String()
	healthy := logIndex(logs, "health transition", `"to": "healthy"`, `"reason": "rise"`)
	announced := logIndex(logs, "bgp announce", `"prefix": "127.0.0.1/32"`, `"reason": "rise"`)
	if healthy < 0 || announced < 0 || announced < healthy {
		t.Errorf("log offsets: healthy transition %d, announce %d; want both, the announce after\nlogs:\n%s", healthy, announced, logs)
	}
	if logIndex(logs[:max(healthy, 0)], "bgp announce") >= 0 {
		t.Errorf("an announcement was logged before the prefix became healthy\nlogs:\n%s", logs)
	}
	if rt, _ := r.Lookup(t, testPrefix); len(rt.Communities) != 1 || rt.Communities[0] != 65001<<16|53 {
		t.Errorf("communities: got %x, want only 65001:53 (no GRACEFUL_SHUTDOWN)", rt.Communities)
	}
	if code, body := s.httpGet(t, "/readyz"); code != 200 {
		t.Errorf("/readyz while healthy: got %d %q, want 200", code, body)
	}
	_, metrics := s.httpGet(t, "/metrics")
	for _, want := range []string{
		`anycastdns_health_state{prefix="127.0.0.1/32",state="healthy"} 1`,
		`anycastdns_bgp_prefix_announced{prefix="127.0.0.1/32"} 1`,
		`anycastdns_bgp_decisions_total{action="announce",prefix="127.0.0.1/32",reason="rise"} 1`,
		`anycastdns_bgp_peer_state{peer="127.0.0.1"} 6`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics: want a line with %q", want)
		}
	}

	// The fault: the node stops listening; probes get "connection refused".
	faultAt := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.node.dns.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	gone := r.waitRoute(t, s, routeAbsent, 5*time.Second)
	// fall (3) failing rounds at 100ms, plus scheduling slack.
	if took := gone.Sub(faultAt); took > 2*time.Second {
		t.Errorf("withdrawn %v after the fault, want within about fall x interval", took)
	}
	if st, _ := s.node.anycast.mon.State(testPrefix); st != health.Unhealthy {
		t.Errorf("health state after the fault: got %v, want unhealthy", st)
	}
	code, body := s.httpGet(t, "/readyz")
	if code != 503 || !strings.Contains(body, "prefix 127.0.0.1/32: unhealthy") {
		t.Errorf("/readyz after the fault: got %d %q, want 503 naming the unhealthy prefix", code, body)
	}
	if s.waitLog(2*time.Second, "bgp withdraw", `"reason": "fall"`) < 0 {
		t.Errorf("no withdrawal with reason fall logged\nlogs:\n%s", s.logs)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("stop: got %v, want nil", err)
	}
}

// The maintenance switch, from the file and from the admin endpoint: GRACEFUL_SHUTDOWN
// first, the withdrawal after the grace period, answers all along, and back after rise
// passing rounds when the switch is off.
func TestAnycastMaintenanceDrains(t *testing.T) {
	r := startTestRouter(t)
	maint := filepath.Join(t.TempDir(), "maintenance")
	s := startAnycastNode(t, r, "  maintenance-file: "+maint+"\n")
	r.waitRoute(t, s, routePresent, 10*time.Second)

	if err := os.WriteFile(maint, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	drainAt := r.waitRoute(t, s, routeDraining, 3*time.Second)
	code, body := s.httpGet(t, "/readyz")
	if code != 503 || !strings.Contains(body, "maintenance: file "+maint+" present") {
		t.Errorf("/readyz in maintenance: got %d %q, want 503 naming the file", code, body)
	}
	goneAt := r.waitRoute(t, s, routeAbsent, 3*time.Second)
	// The grace period is 300ms; polling sees both ends within a few ms.
	if d := goneAt.Sub(drainAt); d < 200*time.Millisecond {
		t.Errorf("withdrawn %v after GRACEFUL_SHUTDOWN, want about the 300ms grace", d)
	}
	if serial, err := s.soaSerial(t, "udp", "example.org."); err != nil || serial == 0 {
		t.Errorf("SOA while in maintenance: got %d, %v, want an answer", serial, err)
	}
	if err := os.Remove(maint); err != nil {
		t.Fatal(err)
	}
	r.waitRoute(t, s, routePresent, 3*time.Second)
	if logIndex(s.logs.String(), "health transition", `"reason": "undrain"`) < 0 {
		t.Errorf("no undrain transition logged\nlogs:\n%s", s.logs)
	}

	// The same through the admin endpoint on the metrics listener.
	code, body = s.post(t, "/admin/drain")
	var st health.AdminState
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || !st.Maintenance.Admin || st.Ready {
		t.Errorf("POST /admin/drain: got %d %q (%v), want 200 and the admin switch on, not ready", code, body, err)
	}
	r.waitRoute(t, s, routeDraining, 3*time.Second)
	r.waitRoute(t, s, routeAbsent, 3*time.Second)
	if code, body := s.httpGet(t, "/readyz"); code != 503 || !strings.Contains(body, "maintenance: drained by the admin endpoint") {
		t.Errorf("/readyz after /admin/drain: got %d %q, want 503 naming the admin switch", code, body)
	}
	if code, _ := s.post(t, "/admin/undrain"); code != 200 {
		t.Errorf("POST /admin/undrain: got %d, want 200", code)
	}
	r.waitRoute(t, s, routePresent, 3*time.Second)
	_, metrics := s.httpGet(t, "/metrics")
	for _, want := range []string{
		`anycastdns_bgp_decisions_total{action="drain",prefix="127.0.0.1/32",reason="maintenance"} 2`,
		`anycastdns_health_transitions_total{prefix="127.0.0.1/32",reason="maintenance",to="draining"} 2`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics: want a line with %q", want)
		}
	}
}

// The stop (SIGTERM): GRACEFUL_SHUTDOWN, withdrawal after the grace period, answers
// during the linger period after the withdrawal, then the listeners close and serve
// returns nil (exit 0).
func TestAnycastStopDrainsThenLingers(t *testing.T) {
	r := startTestRouter(t)
	s := startAnycastNode(t, r, "")
	r.waitRoute(t, s, routePresent, 10*time.Second)

	s.cancel() // what SIGTERM does
	drainAt := r.waitRoute(t, s, routeDraining, 3*time.Second)
	if code, body := s.httpGet(t, "/readyz"); code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining: got %d %q, want 503 shutting down", code, body)
	}
	goneAt := r.waitRoute(t, s, routeAbsent, 3*time.Second)
	if d := goneAt.Sub(drainAt); d < 200*time.Millisecond {
		t.Errorf("withdrawn %v after GRACEFUL_SHUTDOWN, want about the 300ms grace", d)
	}
	// Lingering: the route is gone, the node still answers.
	if serial, err := s.soaSerial(t, "udp", "example.org."); err != nil || serial == 0 {
		t.Errorf("SOA during linger: got %d, %v, want an answer", serial, err)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Errorf("serve: got %v, want nil (exit 0)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("serve did not return 5s after the withdrawal\nlogs:\n%s", s.logs)
	}
	if d := time.Since(goneAt); d < 200*time.Millisecond {
		t.Errorf("serve returned %v after the withdrawal, want after the 300ms linger", d)
	}
	if _, err := s.soaSerial(t, "udp", "example.org."); err == nil {
		t.Error("SOA after the stop: got an answer, want the listener closed")
	}
	logs := s.logs.String()
	order := []int{
		logIndex(logs, "bgp drain", `"reason": "shutdown"`, "65535:0"),
		logIndex(logs, "bgp withdraw", `"reason": "shutdown"`),
		logIndex(logs, "bgp stopped"),
		logIndex(logs, "stopped listening"),
	}
	for i := range order {
		if order[i] < 0 || (i > 0 && order[i] < order[i-1]) {
			t.Errorf("log offsets of drain, withdraw, bgp stopped, stopped listening: got %v, want all, in order\nlogs:\n%s", order, logs)
			break
		}
	}
}

// Without peers, the prefixes are still probed (readiness follows their health), and a
// stop has nothing to drain, so it does not wait.
func TestAnycastHealthWithoutBGP(t *testing.T) {
	path := writeFile(t, t.TempDir(), "c.yaml", `metrics: {listen: 127.0.0.1:0}
listen: ["127.0.0.1:0"]
health: {interval: 100ms, stall-intervals: 10}
bgp:
  prefixes: [127.0.0.1/32]
  drain: {grace: 3s, linger: 3s}
`)
	s := startServeArgs(t, "-config", path)
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := s.httpGet(t, "/readyz")
		if code == 200 {
			break
		}
		if !strings.Contains(body, "prefix 127.0.0.1/32: starting") || time.Now().After(deadline) {
			t.Fatalf("/readyz: got %d %q, want 503 naming the starting prefix, then 200 within 5s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.node.anycast.sp != nil {
		t.Error("a BGP speaker runs without bgp.peers")
	}
	start := time.Now()
	if err := s.stop(t); err != nil {
		t.Errorf("stop: got %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stop took %v with nothing announced, want no drain wait (grace and linger are 3s)", d)
	}
}

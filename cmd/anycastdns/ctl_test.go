package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// ctlRun runs `anycastdns ctl -addr <the node's metrics listener> args...` in
// process and returns its output and exit status.
func (s *served) ctlRun(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	return ctlAt(t, s.node.metricsAddr().String(), args...)
}

func ctlAt(t *testing.T, addr string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut testutil.Buffer
	c := &command{stdout: &out, stderr: &errOut}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := c.run(ctx, append([]string{"ctl", "-addr", addr}, args...))
	status = exitCode(err, &errOut)
	return out.String(), errOut.String(), status
}

// hasLine reports whether a line of out holds the words of want, in order, as its
// first words (the columns of ctl's tables, whatever their padding).
func hasLine(out, want string) bool {
	w := strings.Fields(want)
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(w) && strings.Join(f[:len(w)], " ") == strings.Join(w, " ") {
			return true
		}
	}
	return false
}

// ctl status, zone-status and reload against a running node, human and JSON, and
// the exit statuses a script reads: 0 done, 1 refused or failed, 2 bad command
// line, 3 node unreachable.
func TestCtl(t *testing.T) {
	dir := t.TempDir()
	zf := writeFile(t, dir, "example.com.zone", fleetZone("example.com.", 7, 3, slowTimers).Text)
	s := startServeArgs(t, "-config", writeFile(t, dir, "node.yaml", fmt.Sprintf(`identity: ctl-node
metrics: {listen: "127.0.0.1:0"}
listen: ["127.0.0.1:0"]
zones:
  - {origin: example.com., file: %s}
`, zf)))

	out, errOut, status := s.ctlRun(t, "status")
	for _, want := range []string{"identity ctl-node", "ready yes", "anycast none (no bgp.prefixes)",
		"example.com. file 7 7 -"} {
		if status != 0 || !hasLine(out, want) {
			t.Errorf("ctl status: exit %d, want 0 and %q in\n%s%s", status, want, out, errOut)
		}
	}
	out, _, status = s.ctlRun(t, "-json", "status")
	var st nodeStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || status != 0 || st.Identity != "ctl-node" ||
		len(st.Zones) != 1 || st.Zones[0].Serial != 7 || st.Zones[0].Records != 7 || !st.Ready {
		t.Errorf("ctl -json status: exit %d, %+v (%v), want ctl-node, ready, example.com. serial 7 with 7 records", status, st, err)
	}

	if out, errOut, status := s.ctlRun(t, "zone-status", "EXAMPLE.com"); status != 0 || !hasLine(out, "example.com. file 7") {
		t.Errorf("ctl zone-status EXAMPLE.com: exit %d, want 0 and serial 7 in\n%s%s", status, out, errOut)
	}
	if _, errOut, status := s.ctlRun(t, "zone-status", "example.net"); status != 1 || !strings.Contains(errOut, "example.net. is not served") {
		t.Errorf("ctl zone-status of a zone not served: exit %d, %q, want 1 and why", status, errOut)
	}

	// A changed file: reload takes it and says so; the node answers the new serial.
	writeFile(t, dir, "example.com.zone", fleetZone("example.com.", 8, 3, slowTimers).Text)
	bumpMtime(t, zf)
	if out, errOut, status := s.ctlRun(t, "reload"); status != 0 || !strings.Contains(out, "reloaded 1 zone(s), 0 failed") || !hasLine(out, "example.com. serial 8") {
		t.Errorf("ctl reload: exit %d, want 0 and example.com. at serial 8 in\n%s%s", status, out, errOut)
	}
	if serial, err := s.soaSerial(t, "udp", "example.com."); err != nil || serial != 8 {
		t.Errorf("SOA after ctl reload: %d, %v, want 8", serial, err)
	}
	// A broken file: exit 1, the error with file:line, the old serial serving.
	writeFile(t, dir, "example.com.zone", "$ORIGIN example.com.\n@ 300 SOA ns admin 9 1 1 1 1\nbad 300 A 999.1.1.1\n")
	bumpMtime(t, zf)
	out, errOut, status = s.ctlRun(t, "reload")
	if status != 1 || !strings.Contains(out, "1 failed") || !strings.Contains(out, "failed, serial 8 keeps serving") || !strings.Contains(out, "example.com.zone:3") {
		t.Errorf("ctl reload of a broken file: exit %d, want 1, serial 8 kept and file:line in\n%s%s", status, out, errOut)
	}

	if _, _, status := s.ctlRun(t, "drain"); status != 1 {
		t.Errorf("ctl drain without bgp.prefixes: exit %d, want 1", status)
	}
	if _, _, status := s.ctlRun(t, "frobnicate"); status != 2 {
		t.Errorf("ctl frobnicate: exit %d, want 2", status)
	}
	if _, errOut, status := ctlAt(t, fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t, "127.0.0.1")), "status"); status != 3 {
		t.Errorf("ctl status of no node: exit %d (%s), want 3", status, errOut)
	}
}

// ctl drain and undrain move the prefix as the admin endpoint does, and ctl status
// shows the prefix, the maintenance switch and the BGP session.
func TestCtlDrain(t *testing.T) {
	r := startTestRouter(t)
	s := startAnycastNode(t, r, "")
	r.waitRoute(t, s, routePresent, 10*time.Second)
	waitFor := func(what string, cond func(string) bool) string {
		t.Helper()
		var out string
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if out, _, _ = s.ctlRun(t, "status"); cond(out) {
				return out
			}
		}
		t.Errorf("ctl status: want %s, got\n%s", what, out)
		return out
	}
	waitFor("the prefix healthy and the session established", func(out string) bool {
		return hasLine(out, "maintenance off") && hasLine(out, "prefix "+testPrefix.String()+" healthy") &&
			hasLine(out, "bgp peer 127.0.0.1 established")
	})
	if out, errOut, status := s.ctlRun(t, "drain"); status != 0 || !hasLine(out, "maintenance on (admin: anycastdns ctl drain)") {
		t.Errorf("ctl drain: exit %d, want 0 and the admin switch on in\n%s%s", status, out, errOut)
	}
	r.waitRoute(t, s, routeDraining, 3*time.Second)
	r.waitRoute(t, s, routeAbsent, 3*time.Second)
	waitFor("the prefix draining", func(out string) bool {
		return hasLine(out, "prefix "+testPrefix.String()+" draining") && hasLine(out, "ready no:")
	})
	if _, _, status := s.ctlRun(t, "undrain"); status != 0 {
		t.Errorf("ctl undrain: exit %d, want 0", status)
	}
	r.waitRoute(t, s, routePresent, 3*time.Second)
}

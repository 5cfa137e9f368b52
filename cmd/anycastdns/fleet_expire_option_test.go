package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// A chain primary → node → secondary keeps the primary's expire (RFC 7314): the
// node, a secondary whose copy expires sooner than its SOA says (transfer
// expire-max 1h below the SOA's 1 day), answers kdig's EDNS EXPIRE with the time
// left on its copy, not the SOA's EXPIRE, and a Knot secondary transferring from
// the node takes that as its own expire.
func TestFleetExpireOptionChain(t *testing.T) {
	const origin = "example.com."
	p := peers.StartKnot(t, peers.Options{Key: &fleetKey}, fleetZone(origin, 1, 20, slowTimers))
	port, node := nodePort(t)
	s := startFleetNode(t, port, nodeKeyYAML(fleetKey)+fmt.Sprintf("transfer: {state-dir: %q, expire-max: 1h}\nzones:\n", t.TempDir())+
		secondaryYAML(origin, p.Addr, `    allow-transfer: ["127.0.0.1 key xfr-key"]
`))
	s.waitSerial(t, origin, 1, 20*time.Second)

	host, dnsPort, err := net.SplitHostPort(s.dnsAddr(t, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testutil.Tool(t, "kdig"), "@"+host, "-p", dnsPort, "+expire", "SOA", origin).CombinedOutput()
	if err != nil {
		t.Fatalf("kdig: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`EXPIRE: (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("kdig +expire SOA: no EXPIRE in the reply:\n%s", out)
	}
	if v, _ := strconv.Atoi(string(m[1])); v > 3600 || v < 3500 {
		t.Errorf("kdig +expire SOA: EXPIRE %d, want the time left on the copy, 3500 to 3600 (not the SOA's 86400)", v)
	}

	// ctl shows the zone as a secondary's, with its freshness.
	if out, errOut, status := s.ctlRun(t, "zone-status", origin); status != 0 || !hasLine(out, origin+" transfer 1 24") ||
		!strings.Contains(out, "refreshed ") || !strings.Contains(out, "expires in ") {
		t.Errorf("ctl zone-status %s: exit %d, want 0, the transferred serial 1 and its freshness in\n%s%s", origin, status, out, errOut)
	}

	knot := peers.StartKnotSecondary(t, peers.SecondaryOptions{Primary: node, Key: &fleetKey}, origin)
	if err := knot.WaitSerial(origin, 1, 20*time.Second); err != nil {
		t.Fatalf("%v\nlog:\n%s\nnode:\n%s", err, knot.Log, s.logs)
	}
	// Knot prints the time left rounded to its largest unit: +1h or +59m..., and
	// +1D had it taken the SOA's EXPIRE.
	status := knot.Knotc(t, "zone-status", origin)
	if !regexp.MustCompile(`expiration: \+(1h|5\dm)`).MatchString(status) {
		t.Errorf("knotc zone-status: %q, want an expiration within the hour the node has left", status)
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// A node restarted while its primary is down serves its persisted copy at once
// and stays announced while the copy is fresh; before the SOA expire, by the
// time it needs to leave (2 × health.interval + bgp.drain.grace), the prefix is
// drained, then withdrawn, while the copy still serves; past the expire the zone
// answers SERVFAIL with EDE 24, Invalid Data (RFC 8914 section 4.25, as NSD and
// Knot do), /readyz naming the zone; the primary back, the next retry transfers
// the zone and the prefix is announced again.
func TestFleetExpireWithdrawsAndReturns(t *testing.T) {
	const origin = "example.com."
	timers := fleetTimers{refresh: 2, retry: 2, expire: 8}
	p := peers.StartKnot(t, peers.Options{Key: &fleetKey}, fleetZone(origin, 1, 50, timers))
	zones := nodeKeyYAML(fleetKey) + fmt.Sprintf("transfer: {state-dir: %q}\nzones:\n", t.TempDir()) +
		secondaryYAML(origin, p.Addr, "")

	// A first run takes the zone and leaves its copy in the state-dir.
	port, _ := nodePort(t)
	first := startFleetNode(t, port, zones)
	first.waitSerial(t, origin, 1, 20*time.Second)
	if err := first.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p.Stop(t)

	// A fresh router: the first one's session would take seconds to come back.
	r := startTestRouter(t)
	cfg := writeFile(t, t.TempDir(), "node.yaml", anycastConfig(r, "")+zones)
	// The primary down: the copy serves at once, with the saved timers.
	s := startServeArgs(t, "-config", cfg)
	if serial, err := s.soaSerial(t, "udp", origin); err != nil || serial != 1 {
		t.Fatalf("restarted with the primary down: serial %d, %v, want 1 from the copy\nlogs:\n%s", serial, err, s.logs)
	}
	r.waitRoute(t, s, routePresent, 10*time.Second)

	// Before the expire: drained 2 × 100ms + 300ms ahead of it, then withdrawn.
	drained := r.waitRoute(t, s, routeDraining, 15*time.Second)
	expiry := s.metric(t, fmt.Sprintf("anycastdns_transfer_expiry_timestamp_seconds{zone=%q}", origin))
	expires := time.Unix(0, int64(expiry*1e9))
	if !drained.Before(expires) {
		t.Errorf("drained %v after the expire, want before it", drained.Sub(expires).Round(time.Millisecond))
	}
	if code, body := s.httpGet(t, "/readyz"); code == 200 || !strings.Contains(body, "freshness: zone "+origin+": expire") {
		t.Errorf("/readyz while draining: %d %q, want not ready with \"freshness: zone %s: expires in ...\"", code, body, origin)
	}
	withdrawn := r.waitRoute(t, s, routeAbsent, 10*time.Second)
	t.Logf("drained %v before the expire, then withdrawn %v later", expires.Sub(drained).Round(time.Millisecond),
		withdrawn.Sub(drained).Round(time.Millisecond))

	// Past the expire.
	resp := s.waitRcode(t, origin, dns.RcodeServerFailure, 15*time.Second)
	if got := ede(resp); got != int(dns.ExtendedErrorCodeInvalidData) {
		t.Errorf("expired zone: EDE %d, want %d (Invalid Data)", got, dns.ExtendedErrorCodeInvalidData)
	}
	// The next freshness check, one interval later at most, names the expire.
	code, body := s.httpGet(t, "/readyz")
	for end := time.Now().Add(2 * time.Second); !strings.Contains(body, "expired") && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
		code, body = s.httpGet(t, "/readyz")
	}
	if code == 200 || !strings.Contains(body, "freshness: zone "+origin+": expired") {
		t.Errorf("/readyz while expired: %d %q, want not ready with \"freshness: zone %s: expired ...\"", code, body, origin)
	}
	if got := s.metric(t, fmt.Sprintf("anycastdns_transfer_expired{zone=%q}", origin)); got != 1 {
		t.Errorf("anycastdns_transfer_expired = %v, want 1", got)
	}

	// The primary back.
	p.Restart(t)
	up := time.Now()
	back := s.waitSerial(t, origin, 1, 15*time.Second)
	announced := r.waitRoute(t, s, routePresent, 10*time.Second)
	t.Logf("primary back: serving %v later, announced %v after that", back.Sub(up).Round(time.Millisecond), announced.Sub(back).Round(time.Millisecond))
	if code, _ := s.httpGet(t, "/readyz"); code != 200 {
		t.Errorf("/readyz after the refresh: %d, want 200", code)
	}
}

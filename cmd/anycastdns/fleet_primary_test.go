package main

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
	"github.com/miekg/dns"
)

// The node as a secondary of real primaries that journal their changes and
// NOTIFY it, over TSIG: it takes the zone by AXFR at start, and each change by
// IXFR within seconds of the primary's reload.

// primaryStarter starts a real primary of zones.
type primaryStarter func(t testing.TB, opts peers.Options, zones ...peers.Zone) *peers.Peer

func TestFleetKnotPrimary(t *testing.T) { testFleetPrimary(t, peers.StartKnot, "ixfr") }
func TestFleetBINDPrimary(t *testing.T) { testFleetPrimary(t, peers.StartBIND, "ixfr") }

// NSD keeps no differences: it answers an IXFR with the whole zone, which the
// node takes as an AXFR (RFC 1995 section 4).
func TestFleetNSDPrimary(t *testing.T) { testFleetPrimary(t, peers.StartNSD, "axfr") }

// testFleetPrimary checks the node against the primary start gives, whose
// changes arrive as kind (ixfr, or axfr for a primary without a journal).
func testFleetPrimary(t *testing.T, start primaryStarter, kind string) {
	const origin = "example.com."
	port, node := nodePort(t)
	p := start(t, peers.Options{Key: &fleetKey, Notify: []netip.AddrPort{node}}, fleetZone(origin, 1, 200, slowTimers))
	s := startFleetNode(t, port, nodeKeyYAML(fleetKey)+
		fmt.Sprintf("transfer: {state-dir: %q}\nzones:\n", t.TempDir())+secondaryYAML(origin, p.Addr, ""))
	s.waitSerial(t, origin, 1, 20*time.Second)
	// The counter follows the publication: wait for it.
	s.waitMetric(t, transfers(origin, "axfr", "success"), 1, 5*time.Second)

	for serial := uint32(2); serial <= 3; serial++ {
		changed := time.Now()
		p.SetZone(t, fleetZone(origin, serial, 200, slowTimers))
		reloaded := time.Now()
		answered := s.waitSerial(t, origin, serial, 10*time.Second)
		t.Logf("%s: serial %d answered %v after the change (%v after %s served it)",
			p.Name, serial, answered.Sub(changed).Round(time.Millisecond), answered.Sub(reloaded).Round(time.Millisecond), p.Name)
		r, err := s.ask(t, "v."+origin, dns.TypeTXT)
		if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != fmt.Sprint(serial) {
			t.Errorf("v.%s TXT after serial %d: %v, %v", origin, serial, r, err)
		}
	}
	if kind == "ixfr" {
		s.waitMetric(t, transfers(origin, "ixfr", "success"), 2, 5*time.Second)
	} else {
		// Each IXFR was answered with the whole zone: AXFRs, none failed.
		s.waitMetric(t, transfers(origin, "axfr", "success"), 3, 5*time.Second)
		if got := s.metric(t, transfers(origin, "ixfr", "success")) + s.metric(t, transfers(origin, "ixfr", "failure")); got != 0 {
			t.Errorf("IXFRs from %s counted: %v, want 0 (it has no journal)", p.Name, got)
		}
	}
	if got := s.metric(t, `anycastdns_transfer_notifies_total{direction="in",result="accepted"}`); got < 2 {
		t.Errorf("NOTIFYs accepted: %v, want at least 2", got)
	}
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
	"github.com/anycastdns/anycastdns/transfer"
)

// A node configured with only a catalog zone (RFC 9432) that Knot generates
// serves every member; a member added on Knot is answered within seconds, a
// member removed stops being answered (REFUSED: not ours, RFC 9432 section
// 5.3) and its copy is deleted.
func TestFleetKnotCatalog(t *testing.T) {
	const catalog = "catalog.test."
	member := func(origin string) peers.Zone { return fleetZone(origin, 1, 10, slowTimers) }
	a, b, c := member("a.test."), member("b.test."), member("c.test.")
	port, node := nodePort(t)
	p := peers.StartKnot(t, peers.Options{Key: &fleetKey, Notify: []netip.AddrPort{node}, Catalog: catalog}, a, b)
	stateDir := t.TempDir()
	s := startFleetNode(t, port, nodeKeyYAML(fleetKey)+fmt.Sprintf("transfer: {state-dir: %q}\nzones:\n", stateDir)+
		secondaryYAML(catalog, p.Addr, "    catalog: true\n"))
	for _, z := range []peers.Zone{a, b} {
		s.waitSerial(t, z.Origin, 1, 20*time.Second)
	}

	added := time.Now()
	p.SetZones(t, a, b, c)
	answered := s.waitSerial(t, c.Origin, 1, 10*time.Second)
	t.Logf("member added on Knot: answered %v later", answered.Sub(added).Round(time.Millisecond))

	removed := time.Now()
	p.SetZones(t, a, c)
	s.waitRcode(t, b.Origin, dns.RcodeRefused, 10*time.Second)
	t.Logf("member removed on Knot: REFUSED %v later", time.Since(removed).Round(time.Millisecond))
	copyFile := transfer.CopyPath(stateDir, "", b.Origin)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := os.Stat(copyFile)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("copy of the removed member %s: %v, want it deleted", copyFile, err)
		}
	}
	for _, z := range []peers.Zone{a, c} {
		if serial, err := s.soaSerial(t, "udp", z.Origin); err != nil || serial != 1 {
			t.Errorf("member %s after a removal: serial %d, %v, want 1", z.Origin, serial, err)
		}
		if _, err := os.Stat(transfer.CopyPath(stateDir, "", z.Origin)); err != nil {
			t.Errorf("copy of member %s: %v", z.Origin, err)
		}
	}
}

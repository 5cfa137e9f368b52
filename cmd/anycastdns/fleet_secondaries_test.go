package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// The node as the primary of real secondaries (NSD, Knot) for a zone read from a
// file: they take it by AXFR; after a reload of the changed file the node
// NOTIFYs them (RFC 1996) and they take the new serial, Knot by IXFR from the
// node's journal (RFC 1995); kdig's AXFR with the TSIG key gets the file's
// records, one for one.
func TestFleetNodeAsPrimary(t *testing.T) {
	const origin = "example.com."
	port, node := nodePort(t)
	knotPort, nsdPort := testutil.FreePort(t, "127.0.0.1"), testutil.FreePort(t, "127.0.0.1")
	dir := t.TempDir()
	v1 := fleetZone(origin, 1, 100, slowTimers)
	zf := writeFile(t, dir, "example.com.zone", v1.Text)
	s := startFleetNode(t, port, nodeKeyYAML(fleetKey)+fmt.Sprintf(`zones:
  - origin: %s
    file: %s
    allow-transfer: ["127.0.0.1 key %s"]
    notify: [{address: "127.0.0.1:%d", key: %s}, {address: "127.0.0.1:%d", key: %s}]
`, origin, zf, fleetKey.Name, knotPort, fleetKey.Name, nsdPort, fleetKey.Name))

	opts := peers.SecondaryOptions{Primary: node, Key: &fleetKey}
	opts.Port = knotPort
	knot := peers.StartKnotSecondary(t, opts, origin)
	opts.Port = nsdPort
	nsd := peers.StartNSDSecondary(t, opts, origin)
	secondaries := []*peers.Peer{knot, nsd}
	for _, p := range secondaries {
		if err := p.WaitSerial(origin, 1, 20*time.Second); err != nil {
			t.Fatalf("%v\nlog:\n%s\nnode:\n%s", err, p.Log, s.logs)
		}
	}

	v2 := fleetZone(origin, 2, 100, slowTimers)
	writeFile(t, dir, "example.com.zone", v2.Text)
	bumpMtime(t, zf)
	changed := time.Now()
	s.reload(t)
	for _, p := range secondaries {
		if err := p.WaitSerial(origin, 2, 10*time.Second); err != nil {
			t.Fatalf("%v\nlog:\n%s\nnode:\n%s", err, p.Log, s.logs)
		}
		t.Logf("%s answers serial 2 %v after the reload", p.Name, time.Since(changed).Round(time.Millisecond))
	}
	if l := knot.Log.String(); !strings.Contains(l, "AXFR, incoming") || !strings.Contains(l, "IXFR, incoming") {
		t.Errorf("Knot's log: want an AXFR then an IXFR in:\n%s", l)
	}
	if got := s.metric(t, `anycastdns_transfer_served_total{kind="ixfr",result="success"}`); got < 1 {
		t.Errorf("IXFRs served: %v, want at least 1", got)
	}

	got := kdigAXFR(t, s.dnsAddr(t, "tcp"), origin, fleetKey)
	want := zoneText(t, v2)
	if !slices.Equal(got, want) {
		t.Errorf("kdig AXFR: %d records, want the file's %d:\ngot  %q\nwant %q", len(got), len(want), got, want)
	}
}

// kdigAXFR transfers origin from addr with kdig, signed with key, and returns
// the records, the closing SOA left out, canonical and sorted.
func kdigAXFR(t *testing.T, addr, origin string, key peers.Key) []string {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testutil.Tool(t, "kdig"), "@"+host, "-p", port,
		"-y", key.Algorithm+":"+key.Name+":"+key.Secret, origin, "AXFR", "+noall", "+answer").CombinedOutput()
	if err != nil {
		t.Fatalf("kdig AXFR: %v\n%s", err, out)
	}
	var rrs []dns.RR
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == ';' {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("kdig line %q: %v\n%s", line, err, out)
		}
		rrs = append(rrs, rr)
	}
	if len(rrs) < 2 || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("kdig AXFR: not a whole zone:\n%s", out)
	}
	return canonicalRecords(rrs[:len(rrs)-1])
}

// zoneText returns the records of z's master file, canonical and sorted.
func zoneText(t *testing.T, z peers.Zone) []string {
	t.Helper()
	return canonicalRecords(zoneRecords(t, z))
}

// zoneRecords parses z's master file.
func zoneRecords(t *testing.T, z peers.Zone) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(z.Text), z.Origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

// canonicalRecords writes rrs as lower-case text, sorted.
func canonicalRecords(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.ToLower(rr.String()))
	}
	slices.Sort(out)
	return out
}

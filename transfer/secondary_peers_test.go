package transfer

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
	"github.com/anycastdns/anycastdns/zone"
)

// TestKnotSecondary: Knot takes the zone from us by AXFR, then, told by our
// NOTIFY of a new version whose delta the journal holds, by IXFR.
func TestKnotSecondary(t *testing.T) {
	z1, _ := compileZone(t, "example.", zoneText(1, 50))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "127.0.0.1 key xfr-key")}, z1)
	ap := netip.MustParseAddrPort(p.addr)
	knot := peers.StartKnotSecondary(t, peers.SecondaryOptions{Primary: ap, Key: peerKey(xfrKey)}, "example.")
	waitSerial(t, knot, "example.", 1)

	z2, _ := compileZone(t, "example.", zoneText(2, 50))
	v := func(s uint32) dns.RR { rr, _ := dns.NewRR(fmt.Sprintf("v.example. 300 IN TXT \"%d\"", s)); return rr }
	p.update(t, z2, zone.Diff{Removed: []dns.RR{z1.SOA(), v(1)}, Added: []dns.RR{z2.SOA(), v(2)}})
	keys, _ := NewKeyring(xfrKey)
	n := &Notifier{Keys: keys, Zone: p.zone, Retry: 200 * time.Millisecond, Tries: 5}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Notify(ctx, "example.", 2, []Remote{{Addr: knot.Addr, Key: xfrKey.Name}})
	waitSerial(t, knot, "example.", 2)
	// Knot logs the kind of each transfer in.
	if l := knot.Log.String(); !strings.Contains(l, "IXFR, incoming") || !strings.Contains(l, "AXFR, incoming") {
		t.Errorf("want an AXFR then an IXFR in Knot's log:\n%s", l)
	}
	c := &dns.Client{Timeout: time.Second}
	if r, _, err := c.Exchange(new(dns.Msg).SetQuestion("v.example.", dns.TypeTXT), knot.Addr.String()); err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "2" {
		t.Errorf("Knot answers v.example. TXT: %v %v, want \"2\"", r, err)
	}
}

// waitSerial waits, for 15 s at most, until p answers the SOA of origin with
// serial.
func waitSerial(t *testing.T, p *peers.Peer, origin string, serial uint32) {
	t.Helper()
	if err := p.WaitSerial(origin, serial, 15*time.Second); err != nil {
		t.Fatalf("%v; log:\n%s", err, p.Log)
	}
}

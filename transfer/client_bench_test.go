package transfer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
	"github.com/anycastdns/anycastdns/zone"
)

// delegationZone is a zone of n delegations with the A and AAAA glue of their
// name servers, the shape of the benchmark's (cmd/benchdns, transfer suite).
func delegationZone(n int) peers.Zone {
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n@ 86400 IN SOA a.nic hostmaster.nic 1 1800 900 604800 86400\n@ 86400 IN NS a.nic\na.nic 86400 IN A 192.0.2.53\n")
	for i := range n {
		fmt.Fprintf(&b, "name%d 172800 IN NS ns1.name%d\nns1.name%d 172800 IN A 10.%d.%d.%d\nns1.name%d 172800 IN AAAA 2001:db8:%x:%x::1\n",
			i, i, i, i>>16&255, i>>8&255, i&255, i, i>>16, i&0xffff)
	}
	return peers.Zone{Origin: "example.", Text: b.String()}
}

// BenchmarkAXFRFromKnot takes in a zone of 100,000 delegations from Knot DNS: the
// transfer (Client.AXFR: reading and checking the messages), then the build of
// the version (zone.Build), the two steps before a secondary answers it.
func BenchmarkAXFRFromKnot(b *testing.B) {
	p := peers.StartKnot(b, peers.Options{}, delegationZone(100_000))
	c := &Client{Timeout: time.Minute}
	remote := Remote{Addr: p.Addr}
	ctx := context.Background()
	got, err := c.AXFR(ctx, remote, "example.")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("receive", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.AXFR(ctx, remote, "example."); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := zone.Build("example.", got.Full, zone.DNSSECOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

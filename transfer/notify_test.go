package transfer

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestNotifyOut sends NOTIFYs to our own Responder: signed and unsigned, from
// the source address set, and retried while a target does not answer.
func TestNotifyOut(t *testing.T) {
	z, _ := compileZone(t, "example.", zoneText(7, 0))
	p := startPrimary(t, Policy{AllowNotify: mustACL(t, "key xfr-key", "127.0.0.1")}, z)
	keys, _ := NewKeyring(xfrKey)
	n := &Notifier{Keys: keys, Source4: netip.MustParseAddr("127.0.0.1"), Zone: p.zone, Retry: 100 * time.Millisecond, Tries: 3}
	addr := netip.MustParseAddrPort(p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Notify(ctx, "example.", 7, []Remote{{Addr: addr, Key: "xfr-key"}, {Addr: addr}})
	got := p.notified()
	slices.Sort(got)
	if want := []string{"example.  7", "example. xfr-key. 7"}; !slices.Equal(got, want) {
		t.Errorf("the primary was notified %q, want %q", got, want)
	}

	// A target that never answers: tried Tries times, then given up.
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start := time.Now()
	n.Notify(ctx, "example.", 7, []Remote{{Addr: silent.LocalAddr().(*net.UDPAddr).AddrPort()}})
	silent.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	seen := 0
	buf := make([]byte, 512)
	for range 5 {
		if _, err := silent.Read(buf); err != nil {
			break
		}
		seen++
	}
	if seen != 3 {
		t.Errorf("the silent target got %d NOTIFYs, want 3", seen)
	}
	if took := time.Since(start); took < 600*time.Millisecond || took > 3*time.Second {
		t.Errorf("gave up after %v, want the backoff 100+200+400 ms", took)
	}
}

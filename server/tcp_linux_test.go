//go:build linux

package server

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A connection that has sent nothing takes no place among max-connections: the
// kernel hands it over only once the client speaks (TCP_DEFER_ACCEPT).
func TestTCPDeferAccept(t *testing.T) {
	s, addr := startTCPServer(t, testConfig(), Options{})
	c := dialTCP(t, addr)
	time.Sleep(300 * time.Millisecond)
	if got := s.conns.open.Load(); got != 0 {
		t.Fatalf("got %d connections open for a silent client, want 0", got)
	}
	writeMsg(t, c, newQuery("www.example.", dns.TypeA))
	if _, err := readMsg(c); err != nil {
		t.Fatal(err)
	}
	if got := s.conns.open.Load(); got != 1 {
		t.Errorf("got %d connections open, want 1", got)
	}
}

package main

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// TSIG against Knot (RFC 8945): a node holding a wrong secret gets no zone (the
// primary answers its SOA checks BADSIG; the zone, never loaded, answers
// SERVFAIL with EDE 14, Not Ready, RFC 8914 section 4.15) and counts the
// failures; a NOTIFY signed with a key the node does not know is answered
// NOTAUTH with the TSIG error BADKEY (RFC 8945 section 5.2.2).
func TestFleetTSIGErrors(t *testing.T) {
	const origin = "example.com."
	p := peers.StartKnot(t, peers.Options{Key: &fleetKey}, fleetZone(origin, 1, 10, slowTimers))
	wrong := fleetKey
	wrong.Secret = "d3Jvbmcgc2VjcmV0IG9mIHRoZSByaWdodCBsZW5ndGgh"
	port, _ := nodePort(t)
	s := startFleetNode(t, port, nodeKeyYAML(wrong)+fmt.Sprintf("transfer: {state-dir: %q}\nzones:\n", t.TempDir())+
		secondaryYAML(origin, p.Addr, ""))

	s.waitMetric(t, fmt.Sprintf(`anycastdns_transfer_soa_checks_total{result="failure",zone=%q}`, origin), 1, 10*time.Second)
	r := s.waitRcode(t, origin, dns.RcodeServerFailure, 5*time.Second)
	if got := ede(r); got != int(dns.ExtendedErrorCodeNotReady) {
		t.Errorf("zone never transferred: EDE %d, want %d (Not Ready)", got, dns.ExtendedErrorCodeNotReady)
	}
	if got := s.metric(t, transfers(origin, "axfr", "success")); got != 0 {
		t.Errorf("AXFRs with a wrong secret: %v, want 0", got)
	}

	// A NOTIFY signed with a key the node does not know.
	n := new(dns.Msg).SetNotify(origin)
	n.SetTsig("unknown-key.", dns.HmacSHA256, 300, time.Now().Unix())
	wire, _, err := dns.TsigGenerate(n, fleetKey.Secret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	reply := exchangeRaw(t, s.dnsAddr(t, "udp"), wire)
	if reply.Rcode != dns.RcodeNotAuth || reply.IsTsig() == nil || reply.IsTsig().Error != dns.RcodeBadKey {
		t.Errorf("NOTIFY with an unknown key: got\n%v\nwant NOTAUTH with TSIG error BADKEY", reply)
	}
	if got := s.metric(t, `anycastdns_transfer_notifies_total{direction="in",result="refused"}`); got < 1 {
		t.Errorf("NOTIFYs refused: %v, want at least 1", got)
	}
}

// exchangeRaw sends the message wire over UDP to addr and returns the reply.
func exchangeRaw(t *testing.T, addr string, wire []byte) *dns.Msg {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(wire); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no reply from %s: %v", addr, err)
	}
	m := new(dns.Msg)
	if err := m.Unpack(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return m
}

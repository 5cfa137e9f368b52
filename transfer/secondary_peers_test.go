package transfer

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone"
)

// startSecondaryDaemon runs a secondary server (knotd, nsd) with args on
// loopback until the test ends, its log in the returned buffer, and stops it by
// its PID.
func startSecondaryDaemon(t *testing.T, path string, args ...string) *testutil.Buffer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, path, args...)
	log := new(testutil.Buffer)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		cancel()
	})
	return log
}

// waitSerial asks addr for the SOA of origin until it answers serial, for 15 s
// at most.
func waitSerial(t *testing.T, addr, origin string, serial uint32, log *testutil.Buffer) {
	t.Helper()
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	var last string
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		r, _, err := c.Exchange(new(dns.Msg).SetQuestion(origin, dns.TypeSOA), addr)
		if err == nil && len(r.Answer) == 1 {
			if soa, ok := r.Answer[0].(*dns.SOA); ok && soa.Serial == serial {
				return
			}
		}
		last = fmt.Sprint(r, err)
	}
	t.Fatalf("%s never served serial %d (last answer %s); log:\n%s", addr, serial, last, log.String())
}

// knotSecondary starts knotd as a secondary of origin from primary, with TSIG
// key, on a free port; NOTIFY from 127.0.0.1 signed with key is allowed.
func knotSecondary(t *testing.T, primary netip.AddrPort, origin string, key Key) (string, *testutil.Buffer) {
	t.Helper()
	knotd := testutil.Tool(t, "knotd")
	dir := t.TempDir()
	for _, sub := range []string{"run", "db", "zones"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	port := testutil.FreePort(t, "127.0.0.1")
	conf := fmt.Sprintf(`server:
    rundir: %q
    listen: 127.0.0.1@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: %q
log:
  - target: stderr
    any: info
key:
  - id: %s
    algorithm: hmac-sha256
    secret: %s
remote:
  - id: primary
    address: %s@%d
    key: %s
acl:
  - id: notify
    address: 127.0.0.1
    key: %s
    action: notify
template:
  - id: default
    storage: %q
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: %s
    master: primary
    acl: notify
`, filepath.Join(dir, "run"), port, filepath.Join(dir, "db"), key.Name, key.Secret,
		primary.Addr(), primary.Port(), key.Name, key.Name, filepath.Join(dir, "zones"), origin)
	log := startSecondaryDaemon(t, knotd, "-c", testutil.WriteFile(t, dir, "knot.conf", conf))
	return fmt.Sprintf("127.0.0.1:%d", port), log
}

// TestKnotSecondary: Knot takes the zone from us by AXFR, then, told by our
// NOTIFY of a new version whose delta the journal holds, by IXFR.
func TestKnotSecondary(t *testing.T) {
	z1, _ := compileZone(t, "example.", zoneText(1, 50))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "127.0.0.1 key xfr-key")}, z1)
	ap := netip.MustParseAddrPort(p.addr)
	addr, log := knotSecondary(t, ap, "example.", xfrKey)
	waitSerial(t, addr, "example.", 1, log)

	z2, _ := compileZone(t, "example.", zoneText(2, 50))
	v := func(s uint32) dns.RR { rr, _ := dns.NewRR(fmt.Sprintf("v.example. 300 IN TXT \"%d\"", s)); return rr }
	p.update(t, z2, zone.Diff{Removed: []dns.RR{z1.SOA(), v(1)}, Added: []dns.RR{z2.SOA(), v(2)}})
	keys, _ := NewKeyring(xfrKey)
	n := &Notifier{Keys: keys, Zone: p.zone, Retry: 200 * time.Millisecond, Tries: 5}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Notify(ctx, "example.", 2, []Remote{{Addr: netip.MustParseAddrPort(addr), Key: xfrKey.Name}})
	waitSerial(t, addr, "example.", 2, log)
	// Knot logs the kind of each transfer in.
	if l := log.String(); !strings.Contains(l, "IXFR, incoming") || !strings.Contains(l, "AXFR, incoming") {
		t.Errorf("want an AXFR then an IXFR in Knot's log:\n%s", l)
	}
	c := &dns.Client{Timeout: time.Second}
	if r, _, err := c.Exchange(new(dns.Msg).SetQuestion("v.example.", dns.TypeTXT), addr); err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "2" {
		t.Errorf("Knot answers v.example. TXT: %v %v, want \"2\"", r, err)
	}
}

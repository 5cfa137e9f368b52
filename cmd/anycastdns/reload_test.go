package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// reloadZoneText is a small zone of origin with serial.
func reloadZoneText(origin string, serial int) string {
	return fmt.Sprintf(`$ORIGIN %s
$TTL 300
@    IN SOA ns1 hostmaster %d 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.2
`, origin, serial)
}

// reloadSetup is a folder with the zones a., b., c. and d.example and a
// configuration file the test rewrites.
type reloadSetup struct {
	dir, file string
	addr1     string // a listen address, free at the start
	addr2     string
}

func newReloadSetup(t *testing.T) *reloadSetup {
	t.Helper()
	dir := t.TempDir()
	for i, o := range []string{"a", "b", "c", "d"} {
		writeFile(t, dir, o+".example.zone", reloadZoneText(o+".example.", 100+i))
	}
	port := func() string {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(testutil.FreePort(t, "127.0.0.1")))
	}
	return &reloadSetup{dir: dir, file: filepath.Join(dir, "anycastdns.yaml"), addr1: port(), addr2: port()}
}

// write writes the configuration file: listen addresses, identity, zones (by
// letter) and any more lines.
func (rs *reloadSetup) write(t *testing.T, listen []string, identity string, zones []string, more string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "metrics: {listen: \"127.0.0.1:0\"}\nidentity: %s\nlisten: [%s]\nzones:\n", identity, `"`+strings.Join(listen, `", "`)+`"`)
	for _, z := range zones {
		fmt.Fprintf(&b, "  - {origin: %s.example., file: %s.example.zone}\n", z, z)
	}
	b.WriteString(more)
	if err := os.WriteFile(rs.file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// soaAt asks addr over network for the SOA of origin and returns the rcode, and
// the serial when answered; err is a query that got no reply.
func soaAt(network, addr, origin string) (rcode int, serial uint32, err error) {
	c := &dns.Client{Net: network, Timeout: time.Second}
	r, _, err := c.Exchange(new(dns.Msg).SetQuestion(origin, dns.TypeSOA), addr)
	if err != nil {
		return -1, 0, err
	}
	if len(r.Answer) > 0 {
		if soa, ok := r.Answer[0].(*dns.SOA); ok {
			serial = soa.Serial
		}
	}
	return r.Rcode, serial, nil
}

// identityAt returns the hostname.bind answer and the NSID of a query to addr.
func identityAt(t *testing.T, addr string) (hostname, nsid string) {
	t.Helper()
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	m := new(dns.Msg).SetQuestion("hostname.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	m.SetEdns0(1232, false)
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("hostname.bind at %s: %v", addr, err)
	}
	if len(r.Answer) == 1 {
		if txt, ok := r.Answer[0].(*dns.TXT); ok && len(txt.Txt) == 1 {
			hostname = txt.Txt[0]
		}
	}
	if opt := r.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if n, ok := o.(*dns.EDNS0_NSID); ok {
				b, _ := hex.DecodeString(n.Nsid)
				nsid = string(b)
			}
		}
	}
	return hostname, nsid
}

// postReload asks the node to reload over POST /admin/reload and returns the
// status code and the report.
func (s *served) postReload(t *testing.T) (int, reloadReport) {
	t.Helper()
	c := &http.Client{Timeout: 20 * time.Second}
	resp, err := c.Post("http://"+s.node.metricsAddr().String()+"/admin/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep reloadReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, rep
}

// A reload of the configuration file adds and removes zones, listen addresses
// and changes the identity, checked with real queries; a configuration that does
// not validate changes nothing and names the key; keys that need a restart are
// named, and the rest applies.
func TestReloadConfig(t *testing.T) {
	rs := newReloadSetup(t)
	rs.write(t, []string{rs.addr1}, "pop1", []string{"a", "b"}, "")
	s := startServeArgs(t, "-config", rs.file)

	want := func(addr, origin string, rcode int, serial uint32) {
		t.Helper()
		for _, network := range []string{"udp", "tcp"} {
			gotRcode, gotSerial, err := soaAt(network, addr, origin)
			if err != nil || gotRcode != rcode || gotSerial != serial {
				t.Errorf("%s %s SOA %s: got %s serial %d (%v), want %s serial %d", network, addr, origin,
					dns.RcodeToString[gotRcode], gotSerial, err, dns.RcodeToString[rcode], serial)
			}
		}
	}
	want(rs.addr1, "a.example.", dns.RcodeSuccess, 100)
	want(rs.addr1, "b.example.", dns.RcodeSuccess, 101)
	want(rs.addr1, "c.example.", dns.RcodeRefused, 0)

	// Zone b removed, c added, a second listen address, another identity:
	// SIGHUP, as an operator would.
	rs.write(t, []string{rs.addr1, rs.addr2}, "pop2", []string{"a", "c"}, "")
	s.reload(t)
	for _, addr := range []string{rs.addr1, rs.addr2} {
		want(addr, "a.example.", dns.RcodeSuccess, 100)
		want(addr, "b.example.", dns.RcodeRefused, 0)
		want(addr, "c.example.", dns.RcodeSuccess, 102)
		if host, nsid := identityAt(t, addr); host != "pop2" || nsid != "pop2" {
			t.Errorf("%s: hostname.bind %q, NSID %q; want pop2", addr, host, nsid)
		}
	}
	if s.node.dns.Identity() != "pop2" {
		t.Errorf("the node's identity: %q, want pop2", s.node.dns.Identity())
	}

	// The first address removed: it stops answering; the second serves on. The
	// report, from POST /admin/reload as from ctl, lists what was applied.
	rs.write(t, []string{rs.addr2}, "pop2", []string{"a", "c"}, "")
	code, rep := s.postReload(t)
	if code != http.StatusOK || rep.Config == nil || strings.Join(rep.Config.Applied, ",") != "listen" || rep.Config.Error != "" {
		t.Errorf("POST /admin/reload: %d %+v, want 200 with listen applied", code, rep.Config)
	}
	want(rs.addr2, "c.example.", dns.RcodeSuccess, 102)
	if _, _, err := soaAt("udp", rs.addr1, "a.example."); err == nil {
		t.Errorf("%s still answers after its removal", rs.addr1)
	}
	if _, _, err := soaAt("tcp", rs.addr1, "a.example."); err == nil {
		t.Errorf("%s still accepts TCP after its removal", rs.addr1)
	}

	// A configuration that does not validate: nothing changes, the key is named,
	// ctl exits 1.
	rs.write(t, []string{rs.addr1, rs.addr2}, "pop3", []string{"a", "b", "c"}, "udp-size: 100\n")
	out, errOut, status := s.ctlRun(t, "reload")
	if status != 1 || !strings.Contains(out+errOut, "udp-size") || !strings.Contains(out, "refused, nothing changed") {
		t.Errorf("ctl reload of a bad configuration: exit %d, want 1 naming udp-size:\n%s%s", status, out, errOut)
	}
	want(rs.addr2, "b.example.", dns.RcodeRefused, 0)
	if _, _, err := soaAt("udp", rs.addr1, "a.example."); err == nil {
		t.Errorf("%s answers: a refused configuration opened it", rs.addr1)
	}
	if host, _ := identityAt(t, rs.addr2); host != "pop2" {
		t.Errorf("hostname.bind after a refused reload: %q, want pop2", host)
	}
	// Unparsable YAML too.
	if err := os.WriteFile(rs.file, []byte("zones: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, rep := s.postReload(t); code != http.StatusUnprocessableEntity || rep.Config == nil || !strings.Contains(rep.Config.Error, rs.file) {
		t.Errorf("POST /admin/reload of broken YAML: %d %+v, want 422 naming the file", code, rep.Config)
	}

	// Keys that need a restart, beside changes that do not: zone d is added and
	// served; metrics and tcp are named, ctl exits 4, and every reload names them
	// again until a restart.
	rs.write(t, []string{rs.addr2}, "pop2", []string{"a", "c", "d"}, "tcp: {idle-timeout: 3s}\n")
	if err := os.WriteFile(rs.file, []byte(strings.Replace(mustRead(t, rs.file), `"127.0.0.1:0"`, `"127.0.0.1:1"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		out, errOut, status = s.ctlRun(t, "reload")
		if status != 4 || !strings.Contains(errOut, "tcp, metrics") || !strings.Contains(out, "restart required for: tcp, metrics") {
			t.Errorf("ctl reload with keys that need a restart: exit %d, want 4 naming metrics and tcp:\n%s%s", status, out, errOut)
		}
	}
	want(rs.addr2, "d.example.", dns.RcodeSuccess, 103)
	if !strings.Contains(s.logs.String(), `"keys": ["tcp", "metrics"]`) {
		t.Errorf("logs: want the keys that need a restart named\n%s", s.logs)
	}

	// A new zone whose file does not load is not served, reported; the rest
	// applies, and the next reload tries it again.
	writeFile(t, rs.dir, "e.example.zone", "$ORIGIN e.example.\n@ 300 IN SOA ns1 hostmaster 1 2 3 4 5\nns1 IN A 192.0.2.999\n")
	rs.write(t, []string{rs.addr2}, "pop2", []string{"a", "e"}, "")
	code, rep = s.postReload(t)
	if code != http.StatusUnprocessableEntity || rep.Failed != 1 || !strings.Contains(rep.Zones[0].Error, "e.example.zone:3") {
		t.Errorf("a new zone that does not load: %d %+v, want 422 with e.example.zone:3", code, rep)
	}
	want(rs.addr2, "c.example.", dns.RcodeRefused, 0)
	want(rs.addr2, "e.example.", dns.RcodeRefused, 0)
	writeFile(t, rs.dir, "e.example.zone", reloadZoneText("e.example.", 7))
	if code, rep := s.postReload(t); code != http.StatusOK || rep.Reloaded != 1 {
		t.Errorf("the fixed zone: %d %+v, want 200 and e.example. loaded", code, rep)
	}
	want(rs.addr2, "e.example.", dns.RcodeSuccess, 7)

	// Cookies turned off and rate limiting retuned at run time.
	hasCookie := func() bool {
		t.Helper()
		m := new(dns.Msg).SetQuestion("a.example.", dns.TypeSOA)
		m.SetEdns0(1232, false)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, rs.addr2)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range r.IsEdns0().Option {
			if o.Option() == dns.EDNS0COOKIE {
				return true
			}
		}
		return false
	}
	if !hasCookie() {
		t.Error("no server cookie before the reload (cookies are on by default)")
	}
	rs.write(t, []string{rs.addr2}, "pop2", []string{"a", "e"}, "cookies: {enabled: false}\nrate-limit: {slip: 1}\n")
	if code, rep := s.postReload(t); code != http.StatusOK || rep.Config == nil || strings.Join(rep.Config.Applied, ",") != "cookies,rate-limit" {
		t.Errorf("reload of cookies and rate-limit: %d %+v", code, rep.Config)
	}
	if hasCookie() {
		t.Error("a server cookie after cookies were turned off")
	}
}

// mustRead returns the content of the file path.
func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noRRL turns response rate limiting off: the clients of the load tests ask the
// same question from one address thousands of times a second, which it would
// (rightly) drop.
const noRRL = "rate-limit: {enabled: false}\n"

// Queries keep being answered, every one, while the configuration is reloaded 20
// times, each reload adding or removing a zone, a listen address and changing the
// identity: the zones and the address the clients use stay.
func TestReloadLosesNoQuery(t *testing.T) {
	rs := newReloadSetup(t)
	configs := [2]func(){
		func() { rs.write(t, []string{rs.addr1}, "pop1", []string{"a", "b"}, noRRL) },
		func() { rs.write(t, []string{rs.addr1, rs.addr2}, "pop2", []string{"a", "c", "d"}, noRRL) },
	}
	configs[0]()
	s := startServeArgs(t, "-config", rs.file)

	const reloads = 20
	var sent, lost atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, network := range []string{"udp", "udp", "tcp"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: network, Timeout: 2 * time.Second}
			deadline := time.Now().Add(60 * time.Second)
			for i := 0; i < 200000 && time.Now().Before(deadline); i++ { // bounded
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				r, _, err := c.Exchange(new(dns.Msg).SetQuestion("a.example.", dns.TypeSOA), rs.addr1)
				if err == nil && r.Rcode != dns.RcodeSuccess {
					err = fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])
				}
				if err != nil {
					lost.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %v", network, err))
				}
			}
		}()
	}
	for i := range reloads {
		configs[(i+1)%2]()
		code, rep := s.postReload(t)
		if code != http.StatusOK || rep.Config == nil || len(rep.Config.Applied) < 3 {
			t.Errorf("reload %d: %d %+v, want zones, listen and identity applied", i, code, rep.Config)
		}
		time.Sleep(20 * time.Millisecond) // queries between reloads too
	}
	time.Sleep(50 * time.Millisecond) // queries after the last reload too
	close(stop)
	wg.Wait()
	t.Logf("%d queries during %d configuration reloads, %d lost", sent.Load(), reloads, lost.Load())
	if sent.Load() < 100 || lost.Load() != 0 {
		t.Errorf("%d of %d queries lost during %d reloads (first: %v)", lost.Load(), sent.Load(), reloads, firstErr.Load())
	}
}

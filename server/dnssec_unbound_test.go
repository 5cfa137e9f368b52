package server_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// This file is the validating resolver of the DNSSEC tests: a real Unbound (Debian
// package unbound, tested with 1.17.1) on a free loopback port, with the validator
// module, a stub zone for each zone the server under test serves, and the zones' trust
// anchors. It is stopped by PID when the test ends.

// unboundSetup is what one Unbound resolves and trusts.
type unboundSetup struct {
	server  string   // the authoritative server under test, "127.0.0.1:port" (UDP and TCP)
	zones   []string // the stub zones, each served by server
	anchors []dns.RR // DNSKEY or DS records: the trust anchors
	// date is Unbound's val-override-date, YYYYMMDDHHMMSS, for zones whose signatures
	// are valid only in the past; "" validates against the clock.
	date string
}

// unboundConfig renders an Unbound configuration for s, listening on 127.0.0.1@port,
// with every file under dir. Unbound runs in the foreground as the test's user,
// without chroot; it may query the loopback server (do-not-query-localhost: no);
// qname minimisation and aggressive use of NSEC (RFC 8198) are off so that each query
// of a test reaches the server under test and is validated on its own; the hardening
// options keep their defaults. Extended DNS errors (RFC 8914) and val-log-level 2 say
// why an answer is bogus.
func unboundConfig(dir string, port int, s unboundSetup) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
    interface: 127.0.0.1
    port: %d
    do-ip6: no
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: %q
    pidfile: %q
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    log-servfail: yes
    ede: yes
    do-not-query-localhost: no
    module-config: "validator iterator"
    trust-anchor-file: %q
    trust-anchor-signaling: no
    root-key-sentinel: no
    qname-minimisation: no
    aggressive-nsec: no
    prefetch: no
    access-control: 127.0.0.0/8 allow
`, port, dir, filepath.Join(dir, "unbound.pid"), filepath.Join(dir, "anchors"))
	if s.date != "" {
		fmt.Fprintf(&b, "    val-override-date: %q\n", s.date)
	}
	// Unbound answers the special-use names of RFC 6761 itself (test., invalid.,
	// onion.); nodefault lets the stub zones below them through.
	for _, z := range s.zones {
		if tld := lastLabel(z); specialUse[tld] {
			fmt.Fprintf(&b, "    local-zone: %q nodefault\n", tld)
		}
	}
	host, port2, _ := net.SplitHostPort(s.server)
	for _, z := range s.zones {
		fmt.Fprintf(&b, "stub-zone:\n    name: %q\n    stub-addr: %s@%s\n", z, host, port2)
	}
	return b.String()
}

// specialUse are the top-level domains whose names Unbound answers by default.
var specialUse = map[string]bool{"test.": true, "invalid.": true, "onion.": true}

// lastLabel returns the top-level domain of name, fully qualified ("test." for
// "a.b.test.").
func lastLabel(name string) string {
	labels := dns.SplitDomainName(name)
	if len(labels) == 0 {
		return "."
	}
	return labels[len(labels)-1] + "."
}

// unbound is a running validating Unbound.
type unbound struct {
	*daemon
	addr string // "127.0.0.1:port"
}

// startUnbound starts Unbound for s on a free 127.0.0.1 port and waits until it
// answers. It is stopped by PID (SIGTERM, then SIGKILL) when the test ends.
func startUnbound(t testing.TB, s unboundSetup) *unbound {
	t.Helper()
	path := requireTool(t, "unbound", "/usr/sbin/unbound")
	var lastErr error
	for attempt := range 3 { // the free port may be taken before Unbound binds it
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("unbound%d", attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var anchors strings.Builder
		for _, rr := range s.anchors {
			anchors.WriteString(rr.String() + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, "anchors"), []byte(anchors.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		port := testutil.FreePort(t, "127.0.0.1")
		conf := filepath.Join(dir, "unbound.conf")
		if err := os.WriteFile(conf, []byte(unboundConfig(dir, port, s)), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := startDaemon(path, "-d", "-c", conf)
		if err != nil {
			t.Fatalf("start unbound: %v", err)
		}
		t.Cleanup(func() { d.stop(t) })
		u := &unbound{daemon: d, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		if lastErr = u.waitReady(30 * time.Second); lastErr == nil {
			return u
		}
		d.stop(t)
		t.Logf("unbound attempt %d on port %d: %v\nunbound log:\n%s", attempt, port, lastErr, d.log)
	}
	t.Fatalf("unbound did not become ready: %v", lastErr)
	return nil
}

// waitReady polls until Unbound answers localhost. (a name it answers itself), the
// process exits, or timeout passes.
func (u *unbound) waitReady(timeout time.Duration) error {
	c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
	deadline := time.Now().Add(timeout)
	for !time.Now().After(deadline) {
		if u.exited() {
			return fmt.Errorf("unbound exited: %v", u.cmd.ProcessState)
		}
		q := new(dns.Msg)
		q.SetQuestion("localhost.", dns.TypeA)
		if r, _, err := c.Exchange(q, u.addr); err == nil && r.Rcode == dns.RcodeSuccess {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %v", timeout)
}

// resolve asks Unbound for name/qtype over TCP with RD and DO set, as a stub resolver
// that wants the AD bit would (RFC 4035 section 3.2.3 sets AD only for secure data).
func (u *unbound) resolve(name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(4096, true)
	c := &dns.Client{Net: "tcp", Timeout: 15 * time.Second}
	r, _, err := c.Exchange(q, u.addr)
	return r, err
}

// logFor returns the lines of Unbound's log that mention name (its validation
// failures and SERVFAIL reasons), at most 10.
func (u *unbound) logFor(name string) string {
	var lines []string
	for _, l := range strings.Split(u.log.String(), "\n") {
		if strings.Contains(strings.ToLower(l), strings.ToLower(strings.TrimSuffix(name, "."))) && len(lines) < 10 {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// extendedErrors returns the extended DNS errors of r (RFC 8914) as text.
func extendedErrors(r *dns.Msg) string {
	var out []string
	if o := r.IsEdns0(); o != nil {
		for _, e := range o.Option {
			if ede, ok := e.(*dns.EDNS0_EDE); ok {
				out = append(out, fmt.Sprintf("EDE %d (%s) %q", ede.InfoCode, dns.ExtendedErrorCodeToString[ede.InfoCode], ede.ExtraText))
			}
		}
	}
	return strings.Join(out, "; ")
}

package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// This file is the Knot DNS harness of the differential test: it starts a real knotd
// (Debian package knot, tested with 3.2.6) on a free loopback port, serving zone files
// read in place, and stops it by PID when the test ends.

// zoneSpec names a master file and the origin it is served as.
type zoneSpec struct {
	Origin string // fully qualified, e.g. "example.com."
	File   string // absolute path to the master file
}

// requireTool returns the path of an external tool. When it is missing the test fails
// if CI=true (CI must install it) and is skipped otherwise.
func requireTool(t testing.TB, name string, fallbacks ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range fallbacks {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	testutil.Missing(t, "tool %s not found in PATH or %v", name, fallbacks)
	return ""
}

// sharedData returns the path of rel inside ../shared/data beside the repository (see
// its README.md), failing on CI and skipping elsewhere when it is absent. go test runs
// in the package folder, <repo>/server, so the data is at ../../shared/data.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		testutil.Missing(t, "shared test data missing: %v", err)
	}
	return p
}

// knotConfig renders a knotd configuration serving zones on 127.0.0.1@port, with every
// file it writes under dir. The zone files are only read: zonefile-sync -1 and
// journal-content none keep knotd from ever writing them back, and no zone is signed.
// Semantic checks are off: the differential test compares answers, and the checks of
// our own loader are tested elsewhere.
func knotConfig(dir string, port int, zones []zoneSpec) string {
	var b strings.Builder
	b.WriteString(peers.KnotServerConfig(dir, port, "    tcp-idle-timeout: 60s\n"))
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
zone:
`, filepath.Join(dir, "zones"))
	for _, z := range zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", z.Origin, z.File)
	}
	return b.String()
}

// startKnot starts knotd serving zones on a free 127.0.0.1 port, waits until it answers
// the SOA of every zone with AA set, and returns its "127.0.0.1:port" address (UDP and
// TCP). knotd is stopped by PID (SIGTERM, then SIGKILL) when the test ends.
func startKnot(t testing.TB, zones []zoneSpec) string {
	t.Helper()
	knotd := requireTool(t, "knotd", "/usr/sbin/knotd")
	return startZoneDaemon(t, knotd, zones, func(dir string, port int) []string {
		for _, sub := range []string{"run", "db", "zones"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"-c", testutil.WriteFile(t, dir, "knot.conf", knotConfig(dir, port, zones))}
	})
}

// TestKnotHarness proves the harness: knotd starts on a free port, serves the zones it
// is given (its answers carry the records of the files) and is reachable over UDP and
// TCP.
func TestKnotHarness(t *testing.T) {
	root := sharedData(t, "root.zone")
	flags := sharedData(t, "knot-tests-extra/data_flags.zone")
	addr := startKnot(t, []zoneSpec{{".", root}, {"flags.", flags}})

	tests := []struct {
		net, qname string
		qtype      uint16
		want       string // one record the answer must hold
	}{
		{"udp", ".", dns.TypeSOA, ".\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2023051100 1800 900 604800 86400"},
		{"tcp", "flags.", dns.TypeSOA, "flags.\t3600\tIN\tSOA\tdns1.flags. hostmaster.flags. 2010111213 10800 3600 1209600 1800"},
		{"tcp", "cname.flags.", dns.TypeA, "dns1.flags.\t3600\tIN\tA\t192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.net+"/"+tt.qname, func(t *testing.T) {
			c := &dns.Client{Net: tt.net, Timeout: 2 * time.Second}
			q := new(dns.Msg)
			q.SetQuestion(tt.qname, tt.qtype)
			r, _, err := c.Exchange(q, addr)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			var got []string
			for _, rr := range r.Answer {
				got = append(got, rr.String())
			}
			found := false
			for _, g := range got {
				found = found || g == tt.want
			}
			if !found || !r.Authoritative {
				t.Errorf("got aa=%v answer %q, want aa=true and %q among it", r.Authoritative, got, tt.want)
			}
		})
	}
}

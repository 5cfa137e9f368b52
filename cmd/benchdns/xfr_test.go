package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestAnswersSerial(t *testing.T) {
	soa, err := dns.NewRR(probeOrigin + " 3600 IN SOA ns.bench.example. admin.bench.example. 7 3600 600 86400 300")
	if err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetQuestion(probeOrigin, dns.TypeSOA)
	m.Response, m.Authoritative, m.Answer = true, true, []dns.RR{soa}
	if got, ok := soaSerial(m); !ok || got != 7 {
		t.Errorf("soaSerial: got %d, %v; want 7, true", got, ok)
	}
	if !answersSerial(m, probeOrigin, 7) {
		t.Error("answersSerial(7): got false for an authoritative SOA with serial 7")
	}
	if answersSerial(m, probeOrigin, 8) {
		t.Error("answersSerial(8): got true for serial 7")
	}
	m.Authoritative = false
	if answersSerial(m, probeOrigin, 7) {
		t.Error("answersSerial: got true for an answer that is not authoritative")
	}
	m.Answer = nil
	if _, ok := soaSerial(m); ok {
		t.Error("soaSerial: got a serial from an answer without SOA")
	}
}

// recordSet reads a master file into its records in presentation form.
func recordSet(t *testing.T, path, origin string) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, rr := range readZone(t, path, origin) {
		set[rr.String()] = true
	}
	return set
}

// TestWriteDelegationsVersions checks that version 0 is the sizes suite's zone and
// that each version differs from the one before in its serial and exactly perVersion
// A records.
func TestWriteDelegationsVersions(t *testing.T) {
	dir := t.TempDir()
	const n, per = 1000, 100
	g, err := genSize(dir, n, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	v0 := filepath.Join(dir, "v0.zone")
	if _, err := writeDelegations(v0, sizeOrigin, n, 0, per); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(g.ZoneFile)
	b, _ := os.ReadFile(v0)
	if !bytes.Equal(a, b) {
		t.Error("version 0 differs from genSize's zone")
	}
	prev := recordSet(t, v0, sizeOrigin)
	for v := 1; v <= 3; v++ {
		path := filepath.Join(dir, "v.zone")
		records, err := writeDelegations(path, sizeOrigin, n, v, per)
		if err != nil {
			t.Fatal(err)
		}
		next := recordSet(t, path, sizeOrigin)
		if records != 3*n+3 || len(next) != records {
			t.Fatalf("version %d: %d records written, %d distinct; want %d", v, records, len(next), 3*n+3)
		}
		var removed, added []string
		for r := range prev {
			if !next[r] {
				removed = append(removed, r)
			}
		}
		for r := range next {
			if !prev[r] {
				added = append(added, r)
			}
		}
		if len(removed) != per+1 || len(added) != per+1 {
			t.Fatalf("version %d: %d removed, %d added; want %d each (the SOA and %d A records)", v, len(removed), len(added), per+1, per)
		}
		soas := 0
		for _, r := range append(removed, added...) {
			switch {
			case strings.Contains(r, "\tSOA\t"):
				soas++
			case !strings.Contains(r, "\tA\t"):
				t.Errorf("version %d: changed record %q is neither the SOA nor an A record", v, r)
			}
		}
		if soas != 2 {
			t.Errorf("version %d: %d SOA records among the changes, want the old and the new", v, soas)
		}
		prev = next
	}
}

// xfrRun is a server's transfer samples with the given medians.
func xfrRun(name string, root, zone, ixfr, idle, busy time.Duration) ServerRuns {
	s := TransferSample{RootAXFR: root, ZoneAXFR: zone, ZoneIXFR: ixfr, BusyXFR: zone}
	s.Idle.Perf.P99, s.Busy.Perf.P99 = idle, busy
	return ServerRuns{Name: name, Xfrs: []TransferSample{s}}
}

func TestTransferTable(t *testing.T) {
	ms := time.Millisecond
	runs := []ServerRuns{
		xfrRun(ours, 300*ms, 1000*ms, 100*ms, 2*ms, 3*ms),
		xfrRun("NSD", 600*ms, 800*ms, 400*ms, 4*ms, 4*ms),
		xfrRun("Knot", 150*ms, 2000*ms, 50*ms, 1*ms, 1*ms),
	}
	samples := func(r ServerRuns) []TransferSample { return r.Xfrs }
	best := fasterPeer(runs, transferColumns, samples)
	if best[0] != 150 || best[1] != 800 || best[2] != 50 || best[3] != 1 {
		t.Errorf("faster peer: got %v, want the lower of NSD and Knot in each column", best)
	}
	var out bytes.Buffer
	fasterPeerRow(&out, runs, transferColumns, samples)
	if want := "| anycastdns / faster peer | 2.00× | 1.25× | 2.00× | 2.00× | 3.00× |  |"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("faster-peer row:\n got %s\nwant %s...", out.String(), want)
	}
	out.Reset()
	transferGoals(&out, runs)
	for _, want := range []string{"root AXFR ms 2.00× the faster peer (not met)", "p99 during AXFR 1.50× idle (met)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("goals lack %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	outlastedNote(&out, runs)
	if out.Len() != 0 {
		t.Errorf("no transfer outlasted its run, got the note %q", out.String())
	}
	runs[2].Xfrs[0].Outlasted = true
	outlastedNote(&out, runs)
	if !strings.Contains(out.String(), "Knot in 1 of 1 rounds") {
		t.Errorf("outlasted note: got %q, want Knot named", out.String())
	}
	out.Reset()
	transferGoals(&out, runs[1:])
	if out.Len() != 0 {
		t.Errorf("goals without ours: got %q, want nothing", out.String())
	}
	if got := stallRatio(TransferSample{}); got != 0 {
		t.Errorf("stallRatio with no idle p99: got %v, want 0", got)
	}
}

// TestSecondaryConfigs checks the configuration of each server as a secondary, and of
// the primary, with the server's own checker where it has one.
func TestSecondaryConfigs(t *testing.T) {
	secondary := []Zone{{Origin: ".", Primary: "127.0.0.1:5301"}, {Origin: sizeOrigin, Primary: "127.0.0.1:5301"}}
	file := filepath.Join(t.TempDir(), "tld.zone")
	if _, err := writeDelegations(file, sizeOrigin, 10, 0, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		server  Server
		zones   []Zone
		check   func(conf string) *exec.Cmd
		conf    string
		require []string
	}{
		{
			name:    "NSD",
			server:  NSD{Bin: "nsd"},
			zones:   secondary,
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "nsd-checkconf"), conf) },
			conf:    "nsd.conf",
			require: []string{"request-xfr: 127.0.0.1@5301 NOKEY", "allow-notify: 127.0.0.1 NOKEY", "root.zone", "tld.zone"},
		},
		{
			name:    "Knot",
			server:  Knot{Bin: "knotd"},
			zones:   secondary,
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "knotc"), "-c", conf, "conf-check") },
			conf:    "knot.conf",
			require: []string{"address: 127.0.0.1@5301", "master: primary", "action: notify", "zonefile-sync: 0"},
		},
		{
			name:    "anycastdns",
			server:  Anycastdns{Bin: "anycastdns"},
			zones:   secondary,
			conf:    "anycastdns.yaml",
			require: []string{`primaries: [{address: "127.0.0.1:5301"}]`, `allow-notify: ["127.0.0.1"]`, "state-dir:"},
		},
		{
			name:    "Knot primary",
			server:  KnotPrimary{Bin: "knotd", Journaled: []string{sizeOrigin}},
			zones:   []Zone{{Origin: sizeOrigin, File: file}},
			check:   func(conf string) *exec.Cmd { return exec.Command(needTool(t, "knotc"), "-c", conf, "conf-check") },
			conf:    "knot.conf",
			require: []string{"action: transfer", "zonefile-load: difference", "journal-content: changes", "knot.sock"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := c.server.Command(dir, 5399, c.zones); err != nil {
				t.Fatal(err)
			}
			checkConf(t, filepath.Join(dir, c.conf), c.require, c.check)
			if _, err := os.Stat(filepath.Join(dir, "state")); (err == nil) != (c.name == "anycastdns") {
				t.Errorf("state folder: %v; want one for anycastdns only (it does not make its state-dir)", err)
			}
		})
	}
}

func TestSplitHostPortAndFiles(t *testing.T) {
	if h, p := splitHostPort("127.0.0.1:5301"); h != "127.0.0.1" || p != "5301" {
		t.Errorf("splitHostPort: got %q %q", h, p)
	}
	if h, p := splitHostPort("127.0.0.1"); h != "127.0.0.1" || p != "53" {
		t.Errorf("splitHostPort without a port: got %q %q", h, p)
	}
	if got := secondaryFile("."); got != "root.zone" {
		t.Errorf("secondaryFile(.): got %q", got)
	}
	if got := secondaryFile("tld."); got != "tld.zone" {
		t.Errorf("secondaryFile(tld.): got %q", got)
	}
	if got := primaryOf([]Zone{{Origin: "a."}, {Origin: "b.", Primary: "127.0.0.1:1"}}); got != "127.0.0.1:1" {
		t.Errorf("primaryOf: got %q", got)
	}
}

// notifyServer answers every NOTIFY with rcode on a free loopback port.
func notifyServer(t *testing.T, rcode int) *net.UDPAddr {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, rcode)
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().(*net.UDPAddr)
}

func TestSendNotify(t *testing.T) {
	before := time.Now()
	sent, err := sendNotify(notifyServer(t, dns.RcodeSuccess), sizeOrigin)
	if err != nil {
		t.Fatalf("acknowledged NOTIFY: %v", err)
	}
	if sent.Before(before) || time.Since(sent) > 2*time.Second {
		t.Errorf("sent at %v, not within the call", sent)
	}
	if _, err := sendNotify(notifyServer(t, dns.RcodeRefused), sizeOrigin); err == nil || !strings.Contains(err.Error(), "REFUSED") {
		t.Errorf("refused NOTIFY: got %v, want an error naming REFUSED", err)
	}
}

func TestParseFlagsTransfer(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		size  int
		stall time.Duration
		err   bool
	}{
		{"defaults", nil, 100000, 10 * time.Second, false},
		{"quick", []string{"-quick"}, 10000, stallDurationMin, false},
		{"quick, explicit flags win", []string{"-quick", "-xfr-delegations", "500", "-stall-duration", "4s"}, 500, 4 * time.Second, false},
		{"stall run too short", []string{"-stall-duration", "1s"}, 0, 0, true},
		{"no delegations", []string{"-xfr-delegations", "0"}, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseFlags(c.args, io.Discard)
			if (err != nil) != c.err {
				t.Fatalf("got error %v, want error %v", err, c.err)
			}
			if err == nil && (o.xfrSize != c.size || o.stall != c.stall) {
				t.Errorf("got %d delegations, stall runs of %v; want %d, %v", o.xfrSize, o.stall, c.size, c.stall)
			}
		})
	}
	o, err := parseFlags(nil, io.Discard)
	if err != nil || !slices.Contains(list(o.suites), "transfer") {
		t.Errorf("default suites %q: the full bench lacks the transfer suite (%v)", o.suites, err)
	}
}

func TestIsQuiet(t *testing.T) {
	if !isQuiet(10*time.Millisecond, time.Second) {
		t.Error("1 % of a core: got busy")
	}
	if isQuiet(100*time.Millisecond, time.Second) {
		t.Error("10 % of a core: got quiet")
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// served is a serve command running in-process on free loopback ports.
type served struct {
	node   *node
	hup    chan os.Signal
	logs   *testutil.Buffer
	cancel context.CancelFunc
	done   chan error // run's result
}

// startServe runs "serve args..." with the DNS and metrics listeners on free loopback
// ports and returns once it serves. It stops the server at the end of the test.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	cfg := writeFile(t, t.TempDir(), "ports.yaml", "metrics:\n  listen: 127.0.0.1:0\n")
	return startServeArgs(t, append([]string{"-config", cfg, "-listen", "127.0.0.1:0"}, args...)...)
}

// startServeArgs runs "serve args..." and returns once it serves. It stops the server
// at the end of the test.
func startServeArgs(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{hup: make(chan os.Signal, 1), logs: &testutil.Buffer{}, done: make(chan error, 1)}
	started := make(chan *node, 1)
	c := &command{stdout: s.logs, stderr: s.logs, hup: s.hup, started: func(n *node) { started <- n }}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- c.run(ctx, append([]string{"serve"}, args...)) }()
	select {
	case s.node = <-started:
	case err := <-s.done:
		cancel()
		t.Fatalf("serve stopped before serving: %v\nlogs:\n%s", err, s.logs)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("serve not started after 10s\nlogs:\n%s", s.logs)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.done:
			s.done <- err
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop 10s after cancel")
		}
	})
	return s
}

// stop cancels serve's context and returns run's result.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop 10s after cancel")
		return nil
	}
}

// dnsAddr returns the bound address of the transport ("udp" or "tcp").
func (s *served) dnsAddr(t *testing.T, network string) string {
	t.Helper()
	for _, a := range s.node.dns.Addrs() {
		if a.Network() == network {
			return a.String()
		}
	}
	t.Fatalf("no %s listener in %v", network, s.node.dns.Addrs())
	return ""
}

// soaSerial asks the node for the SOA of origin over network.
func (s *served) soaSerial(t *testing.T, network, origin string) (uint32, error) {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	m := new(dns.Msg).SetQuestion(origin, dns.TypeSOA)
	r, _, err := c.Exchange(m, s.dnsAddr(t, network))
	if err != nil {
		return 0, err
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return 0, fmt.Errorf("SOA %s: rcode %s, %d answers", origin, dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	soa, ok := r.Answer[0].(*dns.SOA)
	if !ok {
		return 0, fmt.Errorf("SOA %s: first answer is %v", origin, r.Answer[0])
	}
	return soa.Serial, nil
}

// httpGet fetches path from the node's metrics listener.
func (s *served) httpGet(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.node.metricsAddr().String() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// reload sends a reload request, as SIGHUP does, and waits until it is logged as done.
func (s *served) reload(t *testing.T) {
	t.Helper()
	before := strings.Count(s.logs.String(), "reload done")
	s.hup <- syscall.SIGHUP
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(s.logs.String(), "reload done") == before {
		if time.Now().After(deadline) {
			t.Fatalf("reload not done after 10s\nlogs:\n%s", s.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServeBuiltInZones(t *testing.T) {
	s := startServe(t, "-identity", "test-node")
	for _, network := range []string{"udp", "tcp"} {
		for _, origin := range []string{"example.org.", "EXAMPLE.net."} {
			serial, err := s.soaSerial(t, network, origin)
			if err != nil || serial != 2026112601 {
				t.Errorf("%s SOA %s: got serial %d, %v, want 2026112601", network, origin, serial, err)
			}
		}
	}
	if code, body := s.httpGet(t, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: got %d %q, want 200 ok", code, body)
	}
	if code, body := s.httpGet(t, "/readyz"); code != 200 {
		t.Errorf("/readyz: got %d %q, want 200", code, body)
	}
	_, metrics := s.httpGet(t, "/metrics")
	for _, want := range []string{
		`anycastdns_zone_serial{zone="example.org."} 2.026112601e+09`,
		`anycastdns_zone_records{zone="example.org."} 24`,
		`anycastdns_zone_reloads_total{result="failure",zone="example.org."} 0`,
		`anycastdns_build_info{`,
		`go_goroutines `,
		`process_start_time_seconds `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics: want a line with %q", want)
		}
	}
	logs := s.logs.String()
	for _, want := range []string{`"identity": "test-node"`, `zone loaded`, `"zone": "example.org.", "file": "zones/example.org.zone", "serial": 2026112601, "records": 24`, `udp/127.0.0.1:`, `tcp/127.0.0.1:`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs: want %q in\n%s", want, logs)
		}
	}
	if err := s.stop(t); err != nil {
		t.Errorf("run after cancel: got %v, want nil (a graceful stop)", err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "stopped") {
		t.Errorf("logs: want a stopped line in\n%s", logs)
	}
	if strings.Count(s.logs.String(), "\n") > 20 {
		t.Errorf("logs: got %d lines for a start and a few queries, want no line per query:\n%s", strings.Count(s.logs.String(), "\n"), s.logs)
	}
}

// A reload (SIGHUP) swaps a changed zone in, and keeps the old version serving when
// the new file is broken; the failure is logged and counted.
func TestServeReload(t *testing.T) {
	dir := t.TempDir()
	zf := writeFile(t, dir, "example.com.zone", goodZone)
	s := startServe(t, "-zone", "example.com.="+zf)

	if serial, err := s.soaSerial(t, "udp", "example.com."); err != nil || serial != 2024010101 {
		t.Fatalf("before reload: got serial %d, %v, want 2024010101", serial, err)
	}

	// Unchanged: nothing is reloaded.
	s.reload(t)
	if logs := s.logs.String(); strings.Contains(logs, "zone reloaded") {
		t.Errorf("unchanged zone was reloaded:\n%s", logs)
	}

	// Changed: the new serial serves.
	writeFile(t, dir, "example.com.zone", strings.Replace(goodZone, "2024010101", "2024010199", 1))
	bumpMtime(t, zf)
	s.reload(t)
	if serial, err := s.soaSerial(t, "udp", "example.com."); err != nil || serial != 2024010199 {
		t.Errorf("after a good reload: got serial %d, %v, want 2024010199", serial, err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, `zone reloaded	{"zone": "example.com.", "file": "`+zf+`", "serial": 2024010199`) {
		t.Errorf("logs: want the reloaded zone with its serial in\n%s", logs)
	}

	// Broken: the old version keeps serving, the error names file:line.
	writeFile(t, dir, "example.com.zone", brokenZone)
	bumpMtime(t, zf)
	s.reload(t)
	if serial, err := s.soaSerial(t, "tcp", "example.com."); err != nil || serial != 2024010199 {
		t.Errorf("after a failed reload: got serial %d, %v, want 2024010199 (the old version)", serial, err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "zone reload failed") || !strings.Contains(logs, zf+":6:") {
		t.Errorf("logs: want the failure with %s:6 in\n%s", zf, logs)
	}
	_, metrics := s.httpGet(t, "/metrics")
	for _, want := range []string{
		`anycastdns_zone_reloads_total{result="failure",zone="example.com."} 1`,
		`anycastdns_zone_reloads_total{result="success",zone="example.com."} 1`,
		`anycastdns_zone_reload_failing{zone="example.com."} 1`,
		`anycastdns_zone_serial{zone="example.com."} 2.024010199e+09`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics: want a line with %q", want)
		}
	}
	if code, _ := s.httpGet(t, "/readyz"); code != 200 {
		t.Errorf("/readyz after a failed reload: got %d, want 200 (the old zone serves)", code)
	}
}

// bumpMtime moves the file's modification time forward, as a later edit would, so
// that the test does not depend on the file system's time resolution.
func bumpMtime(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	next := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, next, next); err != nil {
		t.Fatal(err)
	}
}

// A zone that does not load stops the start, naming file:line; nothing is left open.
func TestServeRefusesBrokenZone(t *testing.T) {
	dir := t.TempDir()
	zf := writeFile(t, dir, "example.com.zone", brokenZone)
	var logs testutil.Buffer
	err := run(context.Background(), []string{"serve", "-listen", "127.0.0.1:0", "-zone", "example.com.=" + zf,
		"-config", writeFile(t, dir, "c.yaml", "metrics: {listen: \"127.0.0.1:0\"}\n")}, &logs, &logs)
	if err == nil || !strings.Contains(err.Error(), "1 of 1 zones did not load") {
		t.Errorf("got %v, want 1 of 1 zones did not load", err)
	}
	var printed bytes.Buffer
	if code := exitCode(err, &printed); code != 1 {
		t.Errorf("exit status: got %d, want 1", code)
	}
	if printed.Len() != 0 {
		t.Errorf("exitCode printed %q, want nothing (the error is logged already)", printed.String())
	}
	if logs := logs.String(); !strings.Contains(logs, "start failed") || !strings.Contains(logs, zf+":6:") {
		t.Errorf("logs: want the start failure naming %s:6 in\n%s", zf, logs)
	}
}

// The metrics listener address in use makes the start fail with a clear error.
func TestServeMetricsAddressInUse(t *testing.T) {
	s := startServe(t)
	busy := s.node.metricsAddr().String()
	dir := t.TempDir()
	err := run(context.Background(), []string{"serve", "-listen", "127.0.0.1:0",
		"-config", writeFile(t, dir, "c.yaml", "metrics: {listen: \""+busy+"\"}\n")}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "metrics listener") {
		t.Errorf("got %v, want a metrics listener error", err)
	}
	if code := exitCode(err, io.Discard); code != 1 {
		t.Errorf("exit status: got %d, want 1", code)
	}
}

func TestServeUsesConfigFolderForZones(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "z"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "z"), "example.com.zone", goodZone)
	cfg := writeFile(t, dir, "c.yaml", "metrics: {listen: \"\"}\nzones:\n  - {origin: example.com, file: z/example.com.zone}\n")
	s := startServeArgs(t, "-config", cfg, "-listen", "127.0.0.1:0")
	if serial, err := s.soaSerial(t, "udp", "example.com."); err != nil || serial != 2024010101 {
		t.Errorf("got serial %d, %v, want 2024010101", serial, err)
	}
	if s.node.metricsAddr() != nil {
		t.Errorf("metrics listener: got %v, want none (listen \"\")", s.node.metricsAddr())
	}
	if err := s.stop(t); err != nil {
		t.Errorf("stop: got %v, want nil", err)
	}
}

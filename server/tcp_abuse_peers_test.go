package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/server"
)

// TestTCPAbuseSideBySide measures what TestTCPUnderAbuse asserts, for anycastdns,
// Knot DNS and NSD in the same run, each capped at 20 TCP connections with a 10s
// idle timeout: 200 abusers from 20 sources hold connections (silent,
// trickling, idle after a query) while a client sends 100 queries, each on a new
// connection. It logs a figure, asserts nothing, and runs only when
// ANYCASTDNS_TCP_ABUSE is set (up to 4 minutes: an unanswered query waits 1s):
//
//	ANYCASTDNS_TCP_ABUSE=1 go test -run TestTCPAbuseSideBySide -v ./server/
func TestTCPAbuseSideBySide(t *testing.T) {
	if os.Getenv("ANYCASTDNS_TCP_ABUSE") == "" {
		t.Skip("a measurement; set ANYCASTDNS_TCP_ABUSE=1")
	}
	const maxConns = 20
	file, err := filepath.Abs(filepath.Join("..", "zones", "example.org.zone"))
	if err != nil {
		t.Fatal(err)
	}
	zones := []zoneSpec{{Origin: "example.org.", File: file}}
	knotd := requireTool(t, "knotd", "/usr/sbin/knotd")
	nsd := requireTool(t, "nsd", "/usr/sbin/nsd")
	servers := []struct {
		name  string
		start func() string
	}{
		{"anycastdns", func() string {
			return startOursWith(t, zones, server.Config{
				Listen: []string{"127.0.0.1:0"}, Identity: "abuse",
				TCP: server.TCPConfig{MaxConns: maxConns, IdleTimeout: 10 * time.Second},
			}).tcp
		}},
		{"knot", func() string {
			return startZoneDaemon(t, knotd, zones, func(dir string, port int) []string {
				for _, sub := range []string{"run", "db", "zones"} {
					if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				conf := strings.Replace(knotConfig(dir, port, zones), "tcp-idle-timeout: 60s",
					"tcp-idle-timeout: 10s\n    tcp-max-clients: "+strconv.Itoa(maxConns), 1)
				return []string{"-c", testutil.WriteFile(t, dir, "knot.conf", conf)}
			})
		}},
		{"nsd", func() string {
			return startZoneDaemon(t, nsd, zones, func(dir string, port int) []string {
				conf := strings.Replace(nsdConfig(dir, port, zones), "\trrl-ratelimit: 0\n",
					"\trrl-ratelimit: 0\n\ttcp-count: "+strconv.Itoa(maxConns)+"\n\ttcp-timeout: 10\n", 1)
				return []string{"-d", "-c", testutil.WriteFile(t, dir, "nsd.conf", conf)}
			})
		}},
	}
	var srcs []string
	for i := range 20 {
		srcs = append(srcs, "127.0.1."+strconv.Itoa(i+1))
	}
	for _, s := range servers {
		addr := s.start()
		// Without abuse first: every query must be answered, else the harness,
		// not the server, is at fault.
		if quiet := server.LegitTCP(t, "127.0.0.2", addr, "www.example.org.", 20); len(quiet) != 20 {
			t.Errorf("%s: answered %d of 20 without abuse, want 20", s.name, len(quiet))
			continue
		}
		stop := make(chan struct{})
		wait := server.AbuseTCP(addr, srcs, 10*maxConns, stop)
		time.Sleep(time.Second) // the abusers fill the server
		const n = 100
		took := server.LegitTCP(t, "127.0.0.2", addr, "www.example.org.", n)
		close(stop)
		opened := wait()
		t.Logf("%-10s answered %3d of %d (%.1f%%), p50 %v, p99 %v; abusers opened %d connections",
			s.name, len(took), n, 100*float64(len(took))/n,
			server.Percentile(took, 50).Round(10*time.Microsecond), server.Percentile(took, 99).Round(10*time.Microsecond), opened)
	}
}

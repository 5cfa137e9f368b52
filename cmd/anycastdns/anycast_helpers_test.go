package main

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil/bgptest"
)

// The in-process anycast tests run the node with BGP towards a second GoBGP server in
// the test process, which plays the PoP's router (package bgptest).
const (
	testRouterAS = 65000
	testNodeAS   = 65001
)

// testPrefix is the service prefix of the tests: the node listens on 127.0.0.1, so the
// listen address inside the prefix is the probe target.
var testPrefix = netip.MustParsePrefix("127.0.0.1/32")

// What the router shows for the test prefix.
const (
	routeAbsent   = bgptest.Absent
	routePresent  = bgptest.Present  // announced without GRACEFUL_SHUTDOWN
	routeDraining = bgptest.Draining // announced with GRACEFUL_SHUTDOWN 65535:0 (RFC 8326)
)

// testRouter is the GoBGP server playing the router.
type testRouter struct{ *bgptest.Router }

// startTestRouter starts the router, which accepts the node (127.0.0.1, AS
// testNodeAS) as a passive eBGP peer. It stops with the test.
func startTestRouter(t *testing.T) *testRouter {
	t.Helper()
	return &testRouter{bgptest.StartRouter(t, bgptest.Options{AS: testRouterAS, PeerAS: testNodeAS})}
}

// waitRoute polls the router every 10ms until the test prefix is in state want, for
// at most limit, and returns the time it was seen.
func (r *testRouter) waitRoute(t *testing.T, s *served, want bgptest.State, limit time.Duration) time.Time {
	t.Helper()
	at, err := r.WaitState(t, testPrefix, want, limit)
	if err != nil {
		t.Fatalf("%v\nlogs:\n%s", err, s.logs)
	}
	return at
}

// startAnycastNode runs serve with the built-in zones on 127.0.0.1:0, fast health
// timers, the test prefix and the router as its peer; more YAML may be appended to the
// health section (healthExtra, indented two spaces). fall and stall-intervals leave
// room for a loaded machine (2 cores shared by the whole suite under -race), so that
// only the faults the tests inject withdraw the prefix.
func startAnycastNode(t *testing.T, r *testRouter, healthExtra string) *served {
	t.Helper()
	path := writeFile(t, t.TempDir(), "anycast.yaml", anycastConfig(r, healthExtra))
	return startServeArgs(t, "-config", path)
}

// anycastConfig is the configuration startAnycastNode runs, without zones (the
// built-in ones serve unless a zones section is appended).
func anycastConfig(r *testRouter, healthExtra string) string {
	return fmt.Sprintf(`metrics:
  listen: 127.0.0.1:0
listen: ["127.0.0.1:0"]
health:
  interval: 100ms
  rise: 2
  fall: 5
  tcp-every: 2
  stall-intervals: 10
%sbgp:
  local-as: %d
  router-id: 10.255.0.2
  peers:
    - address: 127.0.0.1
      as: %d
      port: %d
      hold-time: 3s
      keepalive: 1s
      connect-retry: 1s
  prefixes: [%s]
  communities: ["65001:53"]
  drain:
    grace: 300ms
    linger: 300ms
`, healthExtra, testNodeAS, testRouterAS, r.Port, testPrefix)
}

// post sends an empty POST to path on the node's metrics listener.
func (s *served) post(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post("http://"+s.node.metricsAddr().String()+path, "text/plain", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitLog polls the node's logs every 10ms, for at most limit, until a line contains
// every one of parts, and returns its offset (logIndex), or -1. A decision's log line
// may come after the router saw its effect: GoBGP sends the UPDATE before AddPath or
// DeletePath returns to the speaker, which logs then.
func (s *served) waitLog(limit time.Duration, parts ...string) int {
	deadline := time.Now().Add(limit)
	for {
		i := logIndex(s.logs.String(), parts...)
		if i >= 0 || time.Now().After(deadline) {
			return i
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logIndex returns the offset of the first log line containing every one of parts,
// or -1.
func logIndex(logs string, parts ...string) int {
	off := 0
	for line := range strings.Lines(logs) {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		if all {
			return off
		}
		off += len(line)
	}
	return -1
}

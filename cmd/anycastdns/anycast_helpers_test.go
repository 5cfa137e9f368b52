package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
	gobgp "github.com/osrg/gobgp/v3/pkg/server"
)

// The in-process anycast tests run the node with BGP towards a second GoBGP server in
// the test process, which plays the PoP's router (as GoBGP's own TestMonitor does).
const (
	testRouterAS = 65000
	testNodeAS   = 65001
)

// testPrefix is the service prefix of the tests: the node listens on 127.0.0.1, so the
// listen address inside the prefix is the probe target.
var testPrefix = netip.MustParsePrefix("127.0.0.1/32")

// gshut is the GRACEFUL_SHUTDOWN community 65535:0 (RFC 8326).
const gshut = uint32(0xFFFF0000)

// testRouter is the GoBGP server playing the router.
type testRouter struct {
	srv  *gobgp.BgpServer
	port int
}

// startTestRouter listens on a free 127.0.0.1 port and accepts the node (127.0.0.1,
// AS testNodeAS) as a passive eBGP peer for IPv4 unicast. It stops with the test.
func startTestRouter(t *testing.T) *testRouter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := gobgp.NewBgpServer(gobgp.LoggerOption(quietLogger{}))
	go srv.Serve()
	err = srv.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: testRouterAS, RouterId: "10.255.0.1", ListenPort: int32(port), ListenAddresses: []string{"127.0.0.1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.StopBgp(context.Background(), &api.StopBgpRequest{}) })
	v4 := &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	err = srv.AddPeer(context.Background(), &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: "127.0.0.1", PeerAsn: testNodeAS},
		Transport: &api.Transport{PassiveMode: true},
		Timers:    &api.Timers{Config: &api.TimersConfig{HoldTime: 3, KeepaliveInterval: 1}},
		AfiSafis:  []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: v4, Enabled: true}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &testRouter{srv: srv, port: port}
}

// quietLogger drops the router's logs (the node's own GoBGP logs go through zap).
type quietLogger struct{}

func (quietLogger) Panic(msg string, _ gobgplog.Fields) { panic(msg) }
func (quietLogger) Fatal(msg string, _ gobgplog.Fields) { panic(msg) }
func (quietLogger) Error(string, gobgplog.Fields)       {}
func (quietLogger) Warn(string, gobgplog.Fields)        {}
func (quietLogger) Info(string, gobgplog.Fields)        {}
func (quietLogger) Debug(string, gobgplog.Fields)       {}
func (quietLogger) SetLevel(gobgplog.LogLevel)          {}
func (quietLogger) GetLevel() gobgplog.LogLevel         { return gobgplog.ErrorLevel }

// route returns whether the router has a path for prefix, and its communities.
func (r *testRouter) route(t *testing.T, prefix netip.Prefix) (bool, []uint32) {
	t.Helper()
	found := false
	var comms []uint32
	err := r.srv.ListPath(context.Background(), &api.ListPathRequest{
		TableType: api.TableType_GLOBAL,
		Family:    &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST},
		Prefixes:  []*api.TableLookupPrefix{{Prefix: prefix.String()}},
	}, func(d *api.Destination) {
		if d.Prefix != prefix.String() || len(d.Paths) == 0 {
			return
		}
		found = true
		attrs, err := apiutil.UnmarshalPathAttributes(d.Paths[0].Pattrs)
		if err != nil {
			t.Errorf("%v: %v", prefix, err)
			return
		}
		for _, a := range attrs {
			if c, ok := a.(*bgp.PathAttributeCommunities); ok {
				comms = c.Value
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, comms
}

// routeState is what the router shows for the test prefix.
type routeState int

const (
	routeAbsent   routeState = iota
	routePresent             // announced without GRACEFUL_SHUTDOWN
	routeDraining            // announced with GRACEFUL_SHUTDOWN
)

func (s routeState) String() string {
	return [...]string{"absent", "present", "draining"}[s]
}

// state returns the route state of the test prefix at the router.
func (r *testRouter) state(t *testing.T) routeState {
	t.Helper()
	found, comms := r.route(t, testPrefix)
	switch {
	case !found:
		return routeAbsent
	case slices.Contains(comms, gshut):
		return routeDraining
	default:
		return routePresent
	}
}

// waitRoute polls the router every 10ms until the test prefix is in state want, for
// at most limit, and returns the time it was seen.
func (r *testRouter) waitRoute(t *testing.T, s *served, want routeState, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := r.state(t)
		if got == want {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("route %v: got %v after %v, want %v\nlogs:\n%s", testPrefix, got, limit, want, s.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startAnycastNode runs serve with the built-in zones on 127.0.0.1:0, fast health
// timers, the test prefix and the router as its peer; more YAML may be appended to the
// health section (healthExtra, indented two spaces). fall and stall-intervals leave
// room for a loaded machine (2 cores shared by the whole suite under -race), so that
// only the faults the tests inject withdraw the prefix.
func startAnycastNode(t *testing.T, r *testRouter, healthExtra string) *served {
	t.Helper()
	cfg := fmt.Sprintf(`metrics:
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
`, healthExtra, testNodeAS, testRouterAS, r.port, testPrefix)
	path := writeFile(t, t.TempDir(), "anycast.yaml", cfg)
	return startServeArgs(t, "-config", path)
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

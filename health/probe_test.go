package health

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// testServer is a tiny authoritative server on 127.0.0.1 (UDP and TCP on
// the same port) whose behaviour a test switches at run time.
type testServer struct {
	addr   string
	mode   atomic.Value // string: "ok", "serial", "noaa", "servfail", "silent", "nosoa"
	serial uint32
}

func startTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{serial: 2026010101}
	ts.mode.Store("ok")
	pc, ln := testutil.ListenUDPTCP(t, "127.0.0.1")
	ts.addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(ts.serve)
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return ts
}

func (ts *testServer) serve(w dns.ResponseWriter, q *dns.Msg) {
	mode := ts.mode.Load().(string)
	if mode == "silent" {
		return
	}
	r := new(dns.Msg)
	r.SetReply(q)
	r.Authoritative = mode != "noaa"
	switch mode {
	case "servfail":
		r.Rcode = dns.RcodeServerFailure
	case "nosoa":
	default:
		serial := ts.serial
		if mode == "serial" {
			serial--
		}
		// Echo the question's case, as servers do (RFC 4343).
		rr, _ := dns.NewRR(q.Question[0].Name + " 3600 IN SOA ns.example. host.example. 1 7200 3600 1209600 300")
		rr.(*dns.SOA).Serial = serial
		r.Answer = append(r.Answer, rr)
	}
	w.WriteMsg(r)
}

func TestProberQuery(t *testing.T) {
	ts := startTestServer(t)
	loaded := func(origin string) (uint32, bool) {
		if dns.CanonicalName(origin) == "example.org." {
			return ts.serial, true
		}
		return 0, false
	}
	tests := []struct {
		mode, origin string
		wantErr      string // substring; empty means pass
	}{
		{"ok", "example.org.", ""},
		{"ok", "EXAMPLE.org", ""},
		{"serial", "example.org.", "want loaded serial"},
		{"noaa", "example.org.", "AA bit"},
		{"servfail", "example.org.", "SERVFAIL"},
		{"nosoa", "example.org.", "no SOA"},
		{"silent", "example.org.", "timeout"},
		{"ok", "example.net.", "not loaded"},
	}
	for _, tt := range tests {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(tt.mode+"/"+tt.origin+"/"+network, func(t *testing.T) {
				ts.mode.Store(tt.mode)
				p := &Prober{Zones: []string{tt.origin}, Serial: loaded, Timeout: 200 * time.Millisecond}
				err := p.Probe(context.Background(), network, ts.addr)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("got %v, want pass", err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
				}
			})
		}
	}
}

func TestProberAllZones(t *testing.T) {
	ts := startTestServer(t)
	serials := map[string]uint32{"a.example.": ts.serial, "b.example.": ts.serial}
	p := &Prober{Zones: []string{"a.example.", "b.example."}, Timeout: 200 * time.Millisecond,
		Serial: func(o string) (uint32, bool) { s, ok := serials[o]; return s, ok }}
	if err := p.Probe(context.Background(), "udp", ts.addr); err != nil {
		t.Fatalf("both zones loaded: got %v, want pass", err)
	}
	serials["b.example."] = ts.serial + 1 // the node loaded a newer b.example.
	err := p.Probe(context.Background(), "udp", ts.addr)
	if err == nil || !strings.Contains(err.Error(), "b.example.") {
		t.Errorf("stale second zone: got %v, want an error naming b.example.", err)
	}
	if err := (&Prober{Serial: p.Serial}).Probe(context.Background(), "udp", ts.addr); err == nil {
		t.Error("no zones: got pass, want an error")
	}
}

func TestProberContextCancel(t *testing.T) {
	ts := startTestServer(t)
	ts.mode.Store("silent")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &Prober{Zones: []string{"example.org."}, Timeout: 5 * time.Second,
		Serial: func(string) (uint32, bool) { return ts.serial, true }}
	start := time.Now()
	if err := p.Probe(ctx, "udp", ts.addr); err == nil {
		t.Error("cancelled context: got pass, want an error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled context: took %v, want an immediate failure", d)
	}
}

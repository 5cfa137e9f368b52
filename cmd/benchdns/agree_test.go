package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fakeServer answers every query on 127.0.0.1 with rcode and nsec3 NSEC3 records in the
// authority section, and counts the queries and those with DO.
type fakeServer struct {
	rcode, nsec3 int
	queries, do  atomic.Int64
}

func (f *fakeServer) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	f.queries.Add(1)
	if o := q.IsEdns0(); o != nil && o.Do() && o.UDPSize() == dnsperfUDPSize {
		f.do.Add(1)
	}
	m := new(dns.Msg)
	m.SetRcode(q, f.rcode)
	for range f.nsec3 {
		rr, _ := dns.NewRR("2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. 300 IN NSEC3 1 0 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG")
		m.Ns = append(m.Ns, rr)
	}
	_ = w.WriteMsg(m)
}

// startFake serves f on a free UDP port until the test ends.
func startFake(t *testing.T, name string, f *fakeServer) *Running {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: f, NotifyStartedFunc: func() { close(started) }}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ActivateAndServe() })
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("fake server did not start")
	}
	t.Cleanup(func() { _ = srv.Shutdown(); wg.Wait() })
	return &Running{Name: name, Port: pc.LocalAddr().(*net.UDPAddr).Port}
}

func TestSampleKinds(t *testing.T) {
	qs := []Query{{"a.", "A", "hit"}, {"b.", "A", "nx"}, {"c.", "A", "hit"}, {"d.", "A", "hit"}, {"e.", "A", "nx"}}
	got := sampleKinds(qs, 2)
	var names []string
	for _, q := range got {
		names = append(names, q.Name)
	}
	if want := "a. b. c. e."; strings.Join(names, " ") != want {
		t.Errorf("got %v, want %s", names, want)
	}
}

func TestCrossCheck(t *testing.T) {
	queries := []Query{
		{"nx1.example.", "A", "nxdomain"}, {"nx2.example.", "A", "nxdomain"},
		{"host.example.", "MX", "nodata"}, {"www.example.", "A", "hit"},
	}
	for _, c := range []struct {
		name    string
		do      bool
		servers [3][2]int // rcode and NSEC3 count of each server
		want    string    // in the error; "" for none
	}{
		{"alike", true, [3][2]int{{3, 3}, {3, 3}, {3, 3}}, ""},
		{"alike without DO", false, [3][2]int{{0, 0}, {0, 0}, {0, 0}}, ""},
		{"one NSEC3 short", true, [3][2]int{{3, 3}, {3, 2}, {3, 3}}, "answer 4 of 4 queries differently"},
		{"another rcode", true, [3][2]int{{3, 3}, {3, 3}, {0, 3}}, "Knot NOERROR, 3 NSEC3, 0 NSEC"},
		{"served unsigned", true, [3][2]int{{3, 0}, {3, 0}, {3, 0}}, "not served signed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fakes []*fakeServer
			var rs []*Running
			for i, name := range []string{"anycastdns", "NSD", "Knot"} {
				f := &fakeServer{rcode: c.servers[i][0], nsec3: c.servers[i][1]}
				fakes = append(fakes, f)
				rs = append(rs, startFake(t, name, f))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var log bytes.Buffer
			b := &Bench{Log: &log}
			err := b.crossCheck(ctx, "test", rs, &Generated{Queries: queries, DO: c.do})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got error %v, want one containing %q", err, c.want)
			case c.want == "" && !strings.Contains(log.String(), "4 queries (up to 5 of each kind) answered alike"):
				t.Errorf("log: got %q, want the queries counted", log.String())
			}
			if c.want != "" && !strings.Contains(err.Error(), "nx1.example. A (nxdomain)") && c.name != "served unsigned" {
				t.Errorf("error %v does not name the query", err)
			}
			// Every server got every query, with DO and dnsperf's UDP size when the suite sets DO.
			for i, f := range fakes {
				var wantDO int64
				if c.do {
					wantDO = int64(len(queries))
				}
				if f.queries.Load() != int64(len(queries)) || f.do.Load() != wantDO {
					t.Errorf("%s: got %d queries, %d with DO; want %d, %d", rs[i].Name, f.queries.Load(), f.do.Load(), len(queries), wantDO)
				}
			}
		})
	}
}

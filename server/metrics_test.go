package server

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// TestMetrics checks the query counter labels and the histograms after real
// queries over UDP and TCP.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	s, err := New(testConfig(), exampleStore(t), Options{Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	addr := s.Addrs()[0].String()
	exchange(t, "udp", addr, newQuery("www.example.", dns.TypeA))
	exchange(t, "udp", addr, newQuery("WWW.example.", dns.TypeA))
	exchange(t, "tcp", addr, newQuery("nope.example.", dns.TypeAAAA))
	exchange(t, "udp", addr, newQuery("example.org.", 1000))

	want := map[string]float64{
		`transport="udp" qtype="A" rcode="NOERROR" zone="example."`:     2,
		`transport="tcp" qtype="AAAA" rcode="NXDOMAIN" zone="example."`: 1,
		`transport="udp" qtype="other" rcode="REFUSED" zone="none"`:     1,
	}
	// The UDP reply may be counted just after the client has read it.
	var got map[string]float64
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = gather(t, reg)
		if got["anycastdns_dns_queries_total"] == 4 && got[`anycastdns_dns_query_duration_seconds transport="udp"`] == 3 {
			break
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("got %s = %v, want %v", k, got[k], v)
		}
	}
	if got["anycastdns_dns_queries_total"] != 4 {
		t.Errorf("got %v queries counted, want 4", got["anycastdns_dns_queries_total"])
	}
	for _, h := range []string{"anycastdns_dns_response_size_bytes", "anycastdns_dns_query_duration_seconds"} {
		if got[h+` transport="udp"`] != 3 || got[h+` transport="tcp"`] != 1 {
			t.Errorf("got %s counts udp %v tcp %v, want 3 and 1", h, got[h+` transport="udp"`], got[h+` transport="tcp"`])
		}
	}
}

// gather returns the counters of reg by their label pairs (and each family's
// total by its name), and the sample counts of histograms by name and labels.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, name := range []string{"transport", "qtype", "rcode", "zone", "outcome"} {
				for _, l := range m.GetLabel() {
					if l.GetName() == name {
						labels = append(labels, name+`="`+l.GetValue()+`"`)
					}
				}
			}
			key := strings.Join(labels, " ")
			if c := m.GetCounter(); c != nil {
				out[key] += c.GetValue()
				out[mf.GetName()] += c.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				out[mf.GetName()+" "+key] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

// TestMetricsLabels checks the bounded label sets.
func TestMetricsLabels(t *testing.T) {
	tests := []struct {
		qtype uint16
		want  string
	}{
		{dns.TypeA, "A"}, {dns.TypeHTTPS, "HTTPS"}, {dns.TypeNAPTR, "NAPTR"},
		{dns.TypeHINFO, "other"}, {1000, "other"}, {dns.TypeAXFR, "other"},
	}
	for _, tc := range tests {
		if got := qtypeLabel(qtypeIndex(tc.qtype)); got != tc.want {
			t.Errorf("qtype %d: got label %q, want %q", tc.qtype, got, tc.want)
		}
	}
	rcodes := []struct {
		rcode int
		want  string
	}{
		{dns.RcodeSuccess, "NOERROR"}, {dns.RcodeRefused, "REFUSED"}, {dns.RcodeBadVers, "BADVERS"},
		{4000, "other"}, {-1, "other"},
	}
	for _, tc := range rcodes {
		if got := rcodeLabel(rcodeIndex(tc.rcode)); got != tc.want {
			t.Errorf("rcode %d: got label %q, want %q", tc.rcode, got, tc.want)
		}
	}
}

// TestMetricsCounterAllocs checks that counting a query resolves no labels once
// the counter has been used.
func TestMetricsCounterAllocs(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	res := &result{qtype: dns.TypeA, rcode: dns.RcodeSuccess, zone: "example."}
	start := time.Now()
	m.observe(udp, res, 100, start)
	if n := testing.AllocsPerRun(100, func() { m.observe(udp, res, 100, start) }); n != 0 {
		t.Errorf("got %v allocations per counted query, want 0", n)
	}
}

// TestCookieMetrics checks that each reply to a query with a COOKIE option is
// counted by what it did with it, and no other reply.
func TestCookieMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, o := range []cookieOutcome{cookieNone, cookieNew, cookieNew, cookieEchoed, cookieRenewed, cookieBad, cookieMalformed} {
		m.observeTook(udp, &result{qtype: dns.TypeA, zone: "none", cookie: o}, 100, time.Millisecond)
	}
	got := gather(t, reg)
	for k, v := range map[string]float64{
		`outcome="new"`: 2, `outcome="echoed"`: 1, `outcome="renewed"`: 1, `outcome="bad"`: 1, `outcome="malformed"`: 1,
		"anycastdns_dns_cookie_responses_total": 6,
	} {
		if got[k] != v {
			t.Errorf("got %s = %v, want %v", k, got[k], v)
		}
	}
}

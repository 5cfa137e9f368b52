package promutil

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestNamesAndTypes(t *testing.T) {
	g := GaugeVec("zone", "serial", "SOA serial.", "zone")
	c := CounterVec("bgp", "decisions_total", "Decisions.", "prefix", "action")
	h := HistogramVec("dns", "response_size_bytes", "Sizes.", []float64{64, 512}, "transport")
	g.WithLabelValues("example.").Set(7)
	c.WithLabelValues("192.0.2.0/24", "announce").Inc()
	h.WithLabelValues("udp").Observe(100)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(g, c, h)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		typ    string
		help   string
		labels int
	}
	wants := map[string]want{
		"anycastdns_zone_serial":             {"GAUGE", "SOA serial.", 1},
		"anycastdns_bgp_decisions_total":     {"COUNTER", "Decisions.", 2},
		"anycastdns_dns_response_size_bytes": {"HISTOGRAM", "Sizes.", 1},
	}
	for _, f := range families {
		w, ok := wants[f.GetName()]
		if !ok {
			t.Errorf("unexpected metric %s", f.GetName())
			continue
		}
		delete(wants, f.GetName())
		if got := f.GetType().String(); got != w.typ {
			t.Errorf("%s: got type %s, want %s", f.GetName(), got, w.typ)
		}
		if f.GetHelp() != w.help {
			t.Errorf("%s: got help %q, want %q", f.GetName(), f.GetHelp(), w.help)
		}
		if got := len(f.GetMetric()[0].GetLabel()); got != w.labels {
			t.Errorf("%s: got %d labels, want %d", f.GetName(), got, w.labels)
		}
		if h := f.GetMetric()[0].GetHistogram(); h != nil && len(h.GetBucket()) != 2 {
			t.Errorf("%s: got %d buckets, want 2", f.GetName(), len(h.GetBucket()))
		}
	}
	for name := range wants {
		t.Errorf("metric %s missing", name)
	}
}

package announce

import (
	"errors"

	"github.com/osrg/gobgp/v3/pkg/metrics"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// speakerMetrics are the speaker's Prometheus series. Label values come from
// closed sets: configured peers and prefixes, and the callers' reasons
// (health.Reason values).
type speakerMetrics struct {
	peerState *prometheus.GaugeVec   // BGP FSM state per peer, RFC 4271 8.2.2 numbering
	announced *prometheus.GaugeVec   // 1 while a prefix is announced (also while draining)
	draining  *prometheus.GaugeVec   // 1 while a prefix carries GRACEFUL_SHUTDOWN
	decisions *prometheus.CounterVec // announce, withdraw and drain decisions by prefix and reason
	failures  *prometheus.CounterVec // decisions GoBGP refused, by action
}

func newSpeakerMetrics() *speakerMetrics {
	return &speakerMetrics{
		peerState: promutil.GaugeVec("bgp", "peer_state",
			"BGP session state per peer: 0 unknown, 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established.", "peer"),
		announced: promutil.GaugeVec("bgp", "prefix_announced",
			"1 while the prefix is announced (including while draining), 0 when withdrawn.", "prefix"),
		draining: promutil.GaugeVec("bgp", "prefix_draining",
			"1 while the prefix is announced with the GRACEFUL_SHUTDOWN community 65535:0.", "prefix"),
		decisions: promutil.CounterVec("bgp", "decisions_total",
			"Announce, withdraw and drain decisions that changed what is announced, by prefix, action and reason.", "prefix", "action", "reason"),
		failures: promutil.CounterVec("bgp", "decision_errors_total",
			"Decisions the BGP engine failed to apply, by action.", "action"),
	}
}

// register adds our series and GoBGP's own per-peer message counters
// (bgp_*), which it computes from the server on each scrape.
func (m *speakerMetrics) register(reg prometheus.Registerer, srv *server.BgpServer) error {
	if reg == nil {
		return nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.peerState, m.announced, m.draining, m.decisions, m.failures, metrics.NewBgpCollector(srv)} {
		errs = append(errs, reg.Register(c))
	}
	return errors.Join(errs...)
}

func boolGauge(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

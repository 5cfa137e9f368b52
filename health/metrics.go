package health

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// metrics are the Prometheus series of a Monitor. Every label value comes
// from a closed set: configured prefixes, States, Reasons.
type metrics struct {
	state       *prometheus.GaugeVec   // 1 for the current state of each prefix, 0 for the others
	transitions *prometheus.CounterVec // transitions by prefix, new state and reason
	probes      *prometheus.CounterVec // probe rounds by prefix and result
	maintenance *prometheus.GaugeVec   // 1 while the maintenance switch of a source is on
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		state: promutil.GaugeVec("health", "state",
			"Health state of each service prefix: 1 for the current state, 0 for the others.", "prefix", "state"),
		transitions: promutil.CounterVec("health", "transitions_total",
			"Health state transitions by prefix, new state and reason.", "prefix", "to", "reason"),
		probes: promutil.CounterVec("health", "probe_rounds_total",
			"Probe rounds by prefix and result (pass or fail).", "prefix", "result"),
		maintenance: promutil.GaugeVec("health", "maintenance",
			"1 while the maintenance switch is on, by source (file or admin).", "source"),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.state, m.transitions, m.probes, m.maintenance} {
		errs = append(errs, reg.Register(c))
	}
	return m, errors.Join(errs...)
}

// setState records prefix's current state.
func (m *metrics) setState(prefix string, cur State) {
	for _, s := range States {
		v := 0.0
		if s == cur {
			v = 1
		}
		m.state.WithLabelValues(prefix, s.String()).Set(v)
	}
}

func (m *metrics) transition(prefix string, tr Transition) {
	m.transitions.WithLabelValues(prefix, tr.To.String(), string(tr.Reason)).Inc()
	m.setState(prefix, tr.To)
}

func (m *metrics) probe(prefix string, err error) {
	result := "pass"
	if err != nil {
		result = "fail"
	}
	m.probes.WithLabelValues(prefix, result).Inc()
}

func (m *metrics) setMaintenance(source string, on bool) {
	v := 0.0
	if on {
		v = 1
	}
	m.maintenance.WithLabelValues(source).Set(v)
}

package transfer

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// zone sets the per-zone gauges of origin from fr at now.
func (m *Metrics) zone(origin string, fr freshness, now time.Time) {
	if m == nil {
		return
	}
	if fr.cur != nil {
		m.serial.WithLabelValues(origin).Set(float64(fr.cur.Serial()))
	}
	if fr.primaryKnown {
		m.primarySerial.WithLabelValues(origin).Set(float64(fr.primarySerial))
	}
	lag := 0.0
	if !fr.laggingSince.IsZero() {
		lag = now.Sub(fr.laggingSince).Seconds()
	}
	m.lag.WithLabelValues(origin).Set(lag)
	if !fr.lastTransfer.IsZero() {
		m.lastTransfer.WithLabelValues(origin).Set(unixSeconds(fr.lastTransfer))
	}
	if !fr.expires.IsZero() {
		m.expires.WithLabelValues(origin).Set(unixSeconds(fr.expires))
	}
	m.expired.WithLabelValues(origin).Set(boolFloat(fr.expired))
}

// startCopyAge records the age of the persisted copy origin served at start.
func (m *Metrics) startCopyAge(origin string, age time.Duration) {
	if m != nil {
		m.copyAge.WithLabelValues(origin).Set(age.Seconds())
	}
}

// soaCheck counts an SOA check of origin by result (current, newer, failure).
func (m *Metrics) soaCheck(origin, result string) {
	if m != nil {
		m.soaChecks.WithLabelValues(origin, result).Inc()
	}
}

// transfer counts a transfer of origin by kind (axfr, ixfr) and result
// (success, failure, uptodate).
func (m *Metrics) transfer(origin, kind, result string) {
	if m != nil {
		m.transfers.WithLabelValues(origin, kind, result).Inc()
	}
}

// fallback counts an IXFR of origin that ended in a whole zone, and why
// (whole-zone, failed, not-applied).
func (m *Metrics) fallback(origin, reason string) {
	if m != nil {
		m.fallbacks.WithLabelValues(origin, reason).Inc()
	}
}

// forget deletes every series of origin, a zone no longer ours.
func (m *Metrics) forget(origin string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"zone": origin}
	for _, g := range []*prometheus.GaugeVec{m.serial, m.primarySerial, m.lag, m.lastTransfer,
		m.expires, m.expired, m.copyAge} {
		g.DeletePartialMatch(l)
	}
	m.transfers.DeletePartialMatch(l)
	m.fallbacks.DeletePartialMatch(l)
	m.soaChecks.DeletePartialMatch(l)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package zone

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// LoaderMetrics are the per-zone metrics of a Loader, registered in a registry that is
// passed in (never the global one). The zone label takes only configured origins, so
// its cardinality is bounded by the configuration.
type LoaderMetrics struct {
	serial   *prometheus.GaugeVec
	records  *prometheus.GaugeVec
	loadTime *prometheus.GaugeVec
	reloads  *prometheus.CounterVec
	failing  *prometheus.GaugeVec
	expiry   *prometheus.GaugeVec
}

// NewLoaderMetrics creates the zone metrics and registers them with reg.
func NewLoaderMetrics(reg prometheus.Registerer) *LoaderMetrics {
	m := &LoaderMetrics{
		serial: promutil.GaugeVec("zone", "serial",
			"SOA serial of the zone version serving.", "zone"),
		records: promutil.GaugeVec("zone", "records",
			"Records in the zone version serving, duplicates collapsed.", "zone"),
		loadTime: promutil.GaugeVec("zone", "load_duration_seconds",
			"Time the last successful load of the zone took (read, check, compile).", "zone"),
		reloads: promutil.CounterVec("zone", "reloads_total",
			"Reloads of a changed zone file, by result (success or failure; a failure keeps the old version serving).", "zone", "result"),
		failing: promutil.GaugeVec("zone", "reload_failing",
			"1 when the last reload of the zone failed and an older version is serving, else 0.", "zone"),
		expiry: promutil.GaugeVec("zone", "signature_expiry_timestamp_seconds",
			"Earliest expiration of an RRSIG of the zone version serving, in seconds since 1970; no series for an unsigned zone.", "zone"),
	}
	reg.MustRegister(m.serial, m.records, m.loadTime, m.reloads, m.failing, m.expiry)
	return m
}

// loaded records a zone version that is now serving, after the start-up load.
func (m *LoaderMetrics) loaded(r LoadResult) {
	if m == nil {
		return
	}
	m.serial.WithLabelValues(r.Origin).Set(float64(r.Serial))
	m.records.WithLabelValues(r.Origin).Set(float64(r.Records))
	m.loadTime.WithLabelValues(r.Origin).Set(r.Took.Seconds())
	m.failing.WithLabelValues(r.Origin).Set(0)
	if r.SignatureExpiry.IsZero() {
		m.expiry.DeleteLabelValues(r.Origin)
	} else {
		m.expiry.WithLabelValues(r.Origin).Set(float64(r.SignatureExpiry.Unix()))
	}
	// Create both series so that rate() and alerts see them from the start.
	m.reloads.WithLabelValues(r.Origin, "success")
	m.reloads.WithLabelValues(r.Origin, "failure")
}

// serving records that the file of origin is the one its serving version was loaded
// from, which clears a failure left by an edit since undone.
func (m *LoaderMetrics) serving(origin string) {
	if m == nil {
		return
	}
	m.failing.WithLabelValues(origin).Set(0)
}

// reloaded records the outcome of a reload of one zone.
func (m *LoaderMetrics) reloaded(r LoadResult) {
	if m == nil {
		return
	}
	if r.Err != nil {
		m.reloads.WithLabelValues(r.Origin, "failure").Inc()
		m.failing.WithLabelValues(r.Origin).Set(1)
		return
	}
	m.loaded(r)
	m.reloads.WithLabelValues(r.Origin, "success").Inc()
}

// forget deletes the series of a zone that is no longer served.
func (m *LoaderMetrics) forget(origin string) {
	if m == nil {
		return
	}
	for _, v := range []*prometheus.GaugeVec{m.serial, m.records, m.loadTime, m.failing, m.expiry} {
		v.DeleteLabelValues(origin)
	}
	m.reloads.DeleteLabelValues(origin, "success")
	m.reloads.DeleteLabelValues(origin, "failure")
}

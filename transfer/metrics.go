package transfer

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// Metrics are the metrics of zone transfers, registered in a registry that is
// passed in (never the global one). The zone label takes configured origins and
// the members of configured catalogs; the peer label is never used, so that a
// scan of addresses cannot grow the series. A nil *Metrics records nothing.
type Metrics struct {
	serial        *prometheus.GaugeVec
	primarySerial *prometheus.GaugeVec
	lag           *prometheus.GaugeVec
	lastTransfer  *prometheus.GaugeVec
	expires       *prometheus.GaugeVec
	expired       *prometheus.GaugeVec
	copyAge       *prometheus.GaugeVec
	transfers     *prometheus.CounterVec
	fallbacks     *prometheus.CounterVec
	soaChecks     *prometheus.CounterVec
	notifies      *prometheus.CounterVec
	served        *prometheus.CounterVec
}

// NewMetrics creates the transfer metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		serial: promutil.GaugeVec("transfer", "serial",
			"SOA serial of the secondary zone's version serving.", "zone"),
		primarySerial: promutil.GaugeVec("transfer", "primary_serial",
			"SOA serial the primary last answered for the secondary zone.", "zone"),
		lag: promutil.GaugeVec("transfer", "lag_seconds",
			"How long the primary has had a newer serial than the one serving; 0 when up to date.", "zone"),
		lastTransfer: promutil.GaugeVec("transfer", "last_success_timestamp_seconds",
			"When the secondary zone last took in a new version or confirmed its serial with the primary, in seconds since 1970.", "zone"),
		expires: promutil.GaugeVec("transfer", "expiry_timestamp_seconds",
			"When the secondary zone expires (stops being served) unless refreshed, in seconds since 1970.", "zone"),
		expired: promutil.GaugeVec("transfer", "expired",
			"1 while the secondary zone is expired (answered SERVFAIL), else 0.", "zone"),
		copyAge: promutil.GaugeVec("transfer", "copy_age_at_start_seconds",
			"Age of the persisted copy the secondary zone served at start-up, since its last refresh.", "zone"),
		transfers: promutil.CounterVec("transfer", "transfers_total",
			"Zone transfers in, by kind (axfr, ixfr) and result (success, failure, uptodate).", "zone", "kind", "result"),
		fallbacks: promutil.CounterVec("transfer", "ixfr_fallbacks_total",
			"IXFRs that ended in a whole zone, by reason: whole-zone (the primary answered with the whole zone, "+
				"RFC 1995 section 4), failed (the IXFR failed or was refused; an AXFR follows), "+
				"not-applied (the differences did not apply or gave a broken version; an AXFR follows).", "zone", "reason"),
		soaChecks: promutil.CounterVec("transfer", "soa_checks_total",
			"SOA queries to the primaries, by result (current, newer, failure).", "zone", "result"),
		notifies: promutil.CounterVec("transfer", "notifies_total",
			"NOTIFY messages, by direction (in, out) and result (accepted, refused, answered, failure).", "direction", "result"),
		served: promutil.CounterVec("transfer", "served_total",
			"Zone transfers out, by kind (axfr, ixfr) and result (success, refused, failure).", "kind", "result"),
	}
	reg.MustRegister(m.serial, m.primarySerial, m.lag, m.lastTransfer, m.expires, m.expired,
		m.copyAge, m.transfers, m.fallbacks, m.soaChecks, m.notifies, m.served)
	return m
}

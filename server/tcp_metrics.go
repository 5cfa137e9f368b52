package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// closeReason is why a TCP connection that was served closed, a label of
// anycastdns_tcp_connections_closed_total.
type closeReason uint8

const (
	// closeClient: the client closed or reset it, or sent something the
	// connection cannot go on after.
	closeClient closeReason = iota
	// closeIdle: no query within the idle timeout (RFC 7766 section 6.2.3).
	closeIdle
	// closeIO: a message begun and not completed within TCP.IOTimeout.
	closeIO
	// closeWrite: a reply the client did not take within its write timeout.
	closeWrite
	// closeEvicted: the oldest idle connection, closed at the global cap to
	// accept a new one.
	closeEvicted
	// closeMaxQueries: TCP.MaxQueries queries were read.
	closeMaxQueries
	// closeShutdown: the server stopped.
	closeShutdown
	numCloseReasons
)

var closeReasonLabels = [numCloseReasons]string{
	"client", "idle-timeout", "io-timeout", "write-timeout", "evicted", "max-queries", "shutdown",
}

func (r closeReason) String() string { return closeReasonLabels[r] }

// refuseReason is why a TCP connection was closed as soon as accepted, a label
// of anycastdns_tcp_connections_refused_total.
type refuseReason uint8

const (
	// refusePerSource: its source has TCP.MaxConnsPerSource open.
	refusePerSource refuseReason = iota
	// refuseFull: TCP.MaxConns are open and none could be evicted for
	// TCP.IOTimeout (each is answering a query), or the server is stopping.
	refuseFull
	numRefuseReasons
)

var refuseReasonLabels = [numRefuseReasons]string{"per-source", "full"}

func (r refuseReason) String() string { return refuseReasonLabels[r] }

// tcpMetrics are the connection metrics of DNS over TCP:
//
//	anycastdns_tcp_connections_open
//	anycastdns_tcp_connections_closed_total{reason}
//	anycastdns_tcp_connections_refused_total{reason}
type tcpMetrics struct {
	open            prometheus.Gauge
	closed, refused *prometheus.CounterVec
	closedBy        [numCloseReasons]prometheus.Counter
	refusedBy       [numRefuseReasons]prometheus.Counter
}

func newTCPMetrics() tcpMetrics {
	m := tcpMetrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: promutil.Namespace,
			Subsystem: "tcp", Name: "connections_open", Help: "TCP connections open."}),
		closed: promutil.CounterVec("tcp", "connections_closed_total",
			"TCP connections served and closed, by reason: client, idle-timeout, io-timeout (a message not completed in time), write-timeout (replies not read), evicted (the oldest idle one at max-connections), max-queries, shutdown.",
			"reason"),
		refused: promutil.CounterVec("tcp", "connections_refused_total",
			"TCP connections closed as soon as accepted, by reason: per-source (max-connections-per-source), full (max-connections open, none idle or stuck within io-timeout).",
			"reason"),
	}
	for r := range numCloseReasons {
		m.closedBy[r] = m.closed.WithLabelValues(r.String())
	}
	for r := range numRefuseReasons {
		m.refusedBy[r] = m.refused.WithLabelValues(r.String())
	}
	return m
}

func (m *tcpMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.open, m.closed, m.refused}
}

// tcpOpened counts a connection accepted.
func (m *Metrics) tcpOpened() {
	if m != nil {
		m.tcp.open.Inc()
	}
}

// tcpClosed counts a connection served and closed for r.
func (m *Metrics) tcpClosed(r closeReason) {
	if m != nil {
		m.tcp.open.Dec()
		m.tcp.closedBy[r].Inc()
	}
}

// tcpRefused counts a connection closed as soon as accepted, for r.
func (m *Metrics) tcpRefused(r refuseReason) {
	if m != nil {
		m.tcp.refusedBy[r].Inc()
	}
}

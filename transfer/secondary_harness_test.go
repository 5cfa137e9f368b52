package transfer

import (
	"errors"
	"io"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const sec = time.Second

// harness runs a Secondary of one zone, origin, inside a synctest bubble, against
// a fake primary, publisher, journal and notifier.
type harness struct {
	t       *testing.T
	dir     string
	primary *fakePrimary
	pub     *fakePublisher
	rec     *recorder
	metrics *Metrics
	sec     *Secondary
	start   time.Time
	stopped bool
	// failWrite makes the persisted copy's writer fail after its first record.
	failWrite atomic.Bool
	// holdWrite, when set, makes the copy's writer wait until it is closed.
	holdWrite atomic.Pointer[chan struct{}]
}

// testTimers are the bounds of the tests: the SOA's timers (refresh 100 s, retry
// 20 s, expire 1000 s) within them, no jitter.
var testTimers = Timers{RefreshMin: 10 * sec, RefreshMax: time.Hour, RetryMin: 5 * sec,
	RetryMax: time.Hour, ExpireMin: 60 * sec, ExpireMax: 24 * time.Hour}

// newHarness starts a Secondary persisting in dir (a new folder when "") with the
// timers t, fed by primary.
func newHarness(tb *testing.T, dir string, primary *fakePrimary, t Timers) *harness {
	h := startHarness(tb, dir, primary, t)
	synctest.Wait()
	return h
}

// startHarness is newHarness without waiting for the loops to settle: what it
// shows is what Start did before it returned.
func startHarness(tb *testing.T, dir string, primary *fakePrimary, t Timers) *harness {
	if dir == "" {
		dir = tb.TempDir()
	}
	h := &harness{t: tb, dir: dir, primary: primary, pub: newFakePublisher(), rec: &recorder{},
		metrics: NewMetrics(prometheus.NewRegistry()), start: time.Now()}
	h.sec = newSecondary(SecondaryConfig{Timers: t, StateDir: dir, Metrics: h.metrics,
		Rand: func() float64 { return 0.5 }},
		engineDeps{fetch: primary, pub: h.pub, journal: h.rec, notify: h.rec, writeZone: h.write})
	h.sec.Add(SecondaryZone{Origin: "Example", Required: true,
		Primaries: []Remote{{Addr: netip.MustParseAddrPort("192.0.2.1:53")}},
		Notify:    []Remote{{Addr: netip.MustParseAddrPort("192.0.2.2:53")}}})
	h.sec.Start(tb.Context())
	tb.Cleanup(h.stop)
	return h
}

// stop stops the Secondary; the bubble then checks that no goroutine is left.
func (h *harness) stop() {
	if !h.stopped {
		h.stopped = true
		h.sec.Stop()
	}
}

// sleep advances the fake clock by d and lets every loop run.
func (h *harness) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// status is the Status of origin.
func (h *harness) status() ZoneStatus {
	h.t.Helper()
	st := h.sec.Status()
	if len(st) != 1 || st[0].Origin != origin {
		h.t.Fatalf("Status() = %+v, want one zone %s", st, origin)
	}
	return st[0]
}

// wantServing fails unless origin serves state ("serial 2", "expired", ...).
func (h *harness) wantServing(state string) {
	h.t.Helper()
	if got := h.pub.state(origin); got != state {
		h.t.Errorf("at %v origin serves %q, want %q", time.Since(h.start), got, state)
	}
}

// wantCalls fails unless the primary got exactly calls.
func (h *harness) wantCalls(calls ...string) {
	h.t.Helper()
	if got := h.primary.log(); !slices.Equal(got, calls) {
		h.t.Errorf("primary calls:\n got %q\nwant %q", got, calls)
	}
}

// transfers is transfers_total of origin for kind and result.
func (h *harness) transfers(kind, result string) float64 {
	return value(h.metrics.transfers.WithLabelValues(origin, kind, result))
}

// expiresIn fails unless origin's expire deadline is d from now.
func (h *harness) expiresIn(d time.Duration) {
	h.t.Helper()
	if got := time.Until(h.status().Expires); got != d {
		h.t.Errorf("expires in %v, want %v", got, d)
	}
}

func netipAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// promtestSOAChecks is soa_checks_total of origin for result.
func promtestSOAChecks(h *harness, result string) float64 {
	return value(h.metrics.soaChecks.WithLabelValues(origin, result))
}

// promtestLag is lag_seconds of origin.
func promtestLag(h *harness) float64 {
	return value(h.metrics.lag.WithLabelValues(origin))
}

// value reads a gauge or a counter.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if d.Gauge != nil {
		return d.Gauge.GetValue()
	}
	return d.Counter.GetValue()
}

// write is writeText, or a writer that fails midway when failWrite is set; it
// waits first while holdWrite is set.
func (h *harness) write(w io.Writer, o string, rrs []dns.RR) error {
	if hold := h.holdWrite.Load(); hold != nil {
		<-*hold
	}
	if h.failWrite.Load() {
		writeText(w, o, rrs[:1])
		return errors.New("disk full")
	}
	return writeText(w, o, rrs)
}

// started is a harness in a new folder fed by a primary holding serial 1, which
// the Secondary has taken in by AXFR at 0s.
func started(t *testing.T) (*fakePrimary, *harness) {
	p := newFakePrimary(version(1))
	return p, newHarness(t, "", p, testTimers)
}

package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
)

// With no copy the zone is not ready until the first AXFR, taken at once; then
// the SOA is checked every refresh (100 s), and the copy and its timers persist.
func TestSecondaryStartWithoutCopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, h := started(t)
		if h.pub.events[0] != "example. not ready" {
			t.Errorf("first publish %q, want not ready", h.pub.events[0])
		}
		h.wantServing("serial 1")
		h.sleep(250 * sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 1m40s", "soa 3m20s")
		st := h.status()
		if !st.Loaded || st.Serial != 1 || !st.Required || st.Refresh != 100*sec || !st.LaggingSince.IsZero() {
			t.Errorf("status %+v", st)
		}
		if _, err := os.Stat(filepath.Join(h.dir, "example.zone")); err != nil {
			t.Error(err)
		}
		saved, err := readState(filepath.Join(h.dir, "example.zone.state"))
		if err != nil || saved.Serial != 1 || saved.Refresh != 100 || saved.Retry != 20 || saved.Expire != 1000 {
			t.Errorf("saved state %+v, %v", saved, err)
		}
		if got := h.rec.log(); !slices.Equal(got, []string{"notify example. 1 1"}) {
			t.Errorf("journal and notifier calls %q", got)
		}
		if h.transfers("axfr", "success") != 1 {
			t.Error("transfers_total{axfr,success} != 1")
		}
	})
}

// Jitter takes a random fraction up to Jitter off each interval: with Jitter 0.2
// and a draw of 0.5, the 100 s refresh is 90 s.
func TestSecondaryJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		timers := testTimers
		timers.Jitter = 0.2
		h := newHarness(t, "", newFakePrimary(version(1)), timers)
		h.sleep(200 * sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 1m30s", "soa 3m0s")
	})
}

// A failed check is retried every retry (20 s), then the refresh resumes.
func TestSecondaryRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.set(func(p *fakePrimary) { p.down = true })
		h.sleep(125 * sec)
		p.set(func(p *fakePrimary) { p.down = false })
		h.sleep(120 * sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 1m40s", "soa 2m0s", "soa 2m20s", "soa 4m0s")
		if got := promtestSOAChecks(h, "failure"); got != 2 {
			t.Errorf("soa_checks_total{failure} = %v, want 2", got)
		}
	})
}

// A NOTIFY makes an SOA check at once (RFC 1996 section 3.11), even with a serial
// not newer than ours; a burst of them during a check makes one more check; a
// NOTIFY for a zone not ours is refused.
func TestSecondaryNotifyCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		h.sleep(10 * sec)
		from := netipAddrPort("192.0.2.1:53")
		gate := make(chan struct{})
		p.set(func(p *fakePrimary) { p.gate = gate })
		if !h.sec.Notified("EXAMPLE", from, "", 1, true) {
			t.Fatal("Notified(EXAMPLE) = false")
		}
		synctest.Wait() // the check waits for the primary
		for range 5 {
			h.sec.Notified(origin, from, "", 1, true)
		}
		if h.sec.Notified("other.", from, "", 1, true) {
			t.Error("Notified(other.) = true")
		}
		p.set(func(p *fakePrimary) { p.gate = nil })
		close(gate)
		h.sleep(sec)
		p.publish(version(2))
		h.sec.Notified(origin, from, "", 2, false)
		h.sleep(sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 10s", "soa 10s", "soa 11s", "ixfr 1 11s")
		h.wantServing("serial 2")
		// The next check is a refresh after the last one.
		h.sleep(100 * sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 10s", "soa 10s", "soa 11s", "ixfr 1 11s", "soa 1m51s")
	})
}

// A newer serial is taken by IXFR, applied to the version held; the journal gets
// the differences and the targets a NOTIFY.
func TestSecondaryIXFR(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.publish(version(2, "new.example. 3600 IN A 192.0.2.7"))
		h.sleep(100 * sec)
		h.wantCalls("soa 0s", "axfr 0s", "soa 1m40s", "ixfr 1 1m40s")
		h.wantServing("serial 2")
		if got, want := h.rec.log(), []string{"notify example. 1 1", "journal example. 1-2", "notify example. 2 1"}; !slices.Equal(got, want) {
			t.Errorf("calls %q, want %q", got, want)
		}
		if h.transfers("ixfr", "success") != 1 {
			t.Error("transfers_total{ixfr,success} != 1")
		}
	})
}

// An IXFR that does not apply, is refused, or answers AXFR-style falls back to
// (or is) a whole zone; an IXFR up to date is a refresh.
func TestSecondaryIXFRFallback(t *testing.T) {
	for _, c := range []struct {
		ixfr     string
		calls    []string
		journal  string
		fallback string // the reason counted in ixfr_fallbacks_total
	}{
		{"mismatch", []string{"ixfr 1 1m40s", "axfr 1m40s"}, "journal example. 1-2", "not-applied"},
		{"refused", []string{"ixfr 1 1m40s", "axfr 1m40s"}, "journal example. 1-2", "failed"},
		{"full", []string{"ixfr 1 1m40s"}, "journal example. 1-2", "whole-zone"},
	} {
		t.Run(c.ixfr, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, h := started(t)
				p.publish(version(2))
				p.set(func(p *fakePrimary) { p.ixfr = c.ixfr })
				h.sleep(100 * sec)
				h.wantCalls(append([]string{"soa 0s", "axfr 0s", "soa 1m40s"}, c.calls...)...)
				h.wantServing("serial 2")
				if !slices.Contains(h.rec.log(), c.journal) {
					t.Errorf("journal %q, want %q", h.rec.log(), c.journal)
				}
				// Each way, the version came as a whole zone: an AXFR.
				if h.transfers("axfr", "success") != 2 || h.transfers("ixfr", "success") != 0 {
					t.Errorf("transfers_total{success}: axfr %v, ixfr %v, want 2 and 0",
						h.transfers("axfr", "success"), h.transfers("ixfr", "success"))
				}
				for _, reason := range []string{"whole-zone", "failed", "not-applied"} {
					want := 0.0
					if reason == c.fallback {
						want = 1
					}
					if got := value(h.metrics.fallbacks.WithLabelValues(origin, reason)); got != want {
						t.Errorf("ixfr_fallbacks_total{reason=%q} = %v, want %v", reason, got, want)
					}
				}
			})
		})
	}
}

// A received version that fails the checks of a master file is rejected: the
// old one keeps serving, the failure is counted, and the check retried.
func TestSecondaryBrokenVersionKeepsOld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.publish(brokenVersion(2))
		h.sleep(100 * sec)
		h.wantServing("serial 1")
		if h.transfers("ixfr", "failure") != 1 || h.transfers("axfr", "failure") != 1 {
			t.Errorf("transfers_total{failure}: ixfr %v, axfr %v, want 1 and 1",
				h.transfers("ixfr", "failure"), h.transfers("axfr", "failure"))
		}
		st := h.status()
		if st.Serial != 1 || st.PrimarySerial != 2 || st.LaggingSince != h.start.Add(100*sec) {
			t.Errorf("status %+v", st)
		}
		h.sleep(20 * sec) // the retry
		if got := len(h.primary.log()); got != 8 {
			t.Errorf("primary calls %q, want a retry at 2m0s", h.primary.log())
		}
	})
}

// Lag: from the first answer of a newer serial not taken in, until it is taken in.
func TestSecondaryLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.publish(version(2))
		p.set(func(p *fakePrimary) { p.ixfr, p.axfrErr = "refused", true })
		h.sleep(100 * sec)
		since := h.start.Add(100 * sec)
		if st := h.status(); st.LaggingSince != since || st.PrimarySerial != 2 || !st.PrimaryKnown {
			t.Errorf("status %+v, want lagging since %v", st, since)
		}
		h.sleep(40 * sec) // two retries, still lagging since the first
		if st := h.status(); st.LaggingSince != since {
			t.Errorf("lagging since %v, want %v", st.LaggingSince, since)
		}
		if got := promtestLag(h); got != 40 {
			t.Errorf("lag_seconds = %v, want 40", got)
		}
		p.set(func(p *fakePrimary) { p.axfrErr = false })
		h.sleep(20 * sec)
		if st := h.status(); !st.LaggingSince.IsZero() || st.Serial != 2 {
			t.Errorf("status %+v, want caught up", st)
		}
		if got := promtestLag(h); got != 0 {
			t.Errorf("lag_seconds = %v, want 0", got)
		}
	})
}

// A zone added while the engine runs (a catalog member) is joining until it holds
// a version; one added before Start is not: its absence gates the announcement.
func TestSecondaryJoining(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, h := started(t)
		h.sec.Add(SecondaryZone{Origin: "member.", Required: true,
			Primaries: []Remote{{Addr: netipAddrPort("192.0.2.9:53")}}})
		synctest.Wait()
		for _, st := range h.sec.Status() {
			if want := st.Origin == "member."; st.Joining != want {
				t.Errorf("%s: Joining %v, want %v", st.Origin, st.Joining, want)
			}
		}
	})
}

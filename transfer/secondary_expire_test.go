package transfer

import (
	"testing"
	"testing/synctest"
)

// A zone not refreshed within expire (1000 s) answers SERVFAIL (published
// expired) until a transfer succeeds (RFC 1034 section 4.3.5).
func TestSecondaryExpireAndBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.set(func(p *fakePrimary) { p.down = true })
		h.sleep(999 * sec)
		h.wantServing("serial 1")
		h.sleep(sec)
		h.wantServing("expired")
		if st := h.status(); !st.Expired || !st.Loaded || st.Expires != h.start.Add(1000*sec) {
			t.Errorf("status %+v, want expired at 1000s", st)
		}
		if got := value(h.metrics.expired.WithLabelValues(origin)); got != 1 {
			t.Errorf("expired = %v, want 1", got)
		}
		p.publish(version(2))
		p.set(func(p *fakePrimary) { p.down = false })
		h.sleep(20 * sec) // the next retry
		h.wantServing("serial 2")
		st := h.status()
		if st.Expired || st.Serial != 2 || st.Expires != h.start.Add(2020*sec) {
			t.Errorf("status %+v, want serving serial 2 until 2020s", st)
		}
		if got := value(h.metrics.expired.WithLabelValues(origin)); got != 0 {
			t.Errorf("expired = %v, want 0", got)
		}
	})
}

// An expired zone whose primary answers the same serial serves again: the SOA
// check is a successful refresh (RFC 1034 section 4.3.5).
func TestSecondaryExpiredRefreshedBySOA(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.set(func(p *fakePrimary) { p.down = true })
		h.sleep(1010 * sec)
		h.wantServing("expired")
		p.set(func(p *fakePrimary) { p.down = false })
		h.sleep(10 * sec)
		h.wantServing("serial 1")
		if st := h.status(); st.Expired {
			t.Errorf("status %+v, want not expired", st)
		}
	})
}

// EDNS EXPIRE (RFC 7314 section 4) sets the deadline to now+value, shorter than
// the SOA's expire, never longer.
func TestSecondaryEDNSExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePrimary(version(1))
		p.set(func(p *fakePrimary) { p.expire, p.hasExpire = 300, true })
		h := newHarness(t, "", p, testTimers)
		h.expiresIn(300 * sec) // by the AXFR's option
		h.sleep(100 * sec)
		h.expiresIn(300 * sec) // by the SOA reply's option, at the refresh
		p.set(func(p *fakePrimary) { p.expire = 5000 })
		h.sleep(100 * sec)
		h.expiresIn(1000 * sec) // never beyond the SOA's expire
	})
}

// Stop ends a loop blocked in a query to the primary, and every goroutine ends
// (synctest.Test fails on one left blocked).
func TestSecondaryStopDuringCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.set(func(p *fakePrimary) { p.gate = make(chan struct{}) })
		h.sleep(100 * sec)
		h.stop()
		if got := len(p.log()); got != 2 {
			t.Errorf("primary calls %q, want the check blocked before its answer", p.log())
		}
	})
}

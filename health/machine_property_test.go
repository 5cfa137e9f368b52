package health

import (
	"testing"
	"time"
)

// reference is an independent model of the facts the invariants are stated
// over, rebuilt from the history of observations rather than from the
// machine's counters.
type reference struct {
	passRun     int // consecutive passes counted since the zones loaded and the last reset
	failRun     int // consecutive failures
	lastProbe   time.Time
	zonesLoaded bool
	maintenance bool
	stale       bool
	shutdown    bool
	stopped     bool
	everHealthy bool
}

// enumerate walks every sequence over alphabet up to length depth, checking
// the invariants after every step. It returns the number of steps checked.
func enumerate(t *testing.T, cfg Config, alphabet string, depth int) int {
	t.Helper()
	cfg = cfg.WithDefaults()
	steps := 0
	var walk func(m Machine, ref reference, now time.Time, seq []byte)
	walk = func(m Machine, ref reference, now time.Time, seq []byte) {
		if len(seq) == depth || t.Failed() {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			c := alphabet[i]
			obs, d := step(c).observation()
			at := now.Add(d)
			r := ref
			stall := false
			switch obs.Kind {
			case Pass:
				if r.zonesLoaded {
					r.passRun++
				}
				r.failRun = 0
				r.lastProbe = at
			case Fail:
				r.passRun = 0
				r.failRun++
				r.lastProbe = at
			case Tick:
				if at.Sub(r.lastProbe) > cfg.StallAfter() {
					stall = true
					r.passRun = 0
				}
			case ZonesLoaded:
				r.zonesLoaded = true
			case MaintenanceOn:
				r.maintenance = true
			case MaintenanceOff:
				if r.maintenance {
					r.passRun = 0
				}
				r.maintenance = false
			case StaleOn:
				r.stale = true
			case StaleOff:
				if r.stale {
					r.passRun = 0
				}
				r.stale = false
			case Shutdown:
				r.shutdown = true
			case Stop:
				r.stopped = true
			}
			next, tr := m.Observe(obs, at)
			steps++
			s := append(seq, c)
			check(t, cfg, string(s), m.State(), next.State(), tr, at, obs, stall, r)
			if next.State() == Healthy {
				r.everHealthy = true
			}
			walk(next, r, at, s)
		}
	}
	walk(NewMachine(cfg, t0), reference{lastProbe: t0}, t0, nil)
	return steps
}

func check(t *testing.T, cfg Config, seq string, prev, cur State, tr *Transition, at time.Time, obs Observation, stall bool, r reference) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("after %q: "+format, append([]any{seq}, args...)...)
	}
	// A transition is reported exactly when the state changes, and says so
	// faithfully.
	if (tr != nil) != (prev != cur) {
		fail("state %v -> %v but transition %+v", prev, cur, tr)
	}
	if tr != nil && (tr.From != prev || tr.To != cur || !tr.At.Equal(at) || tr.Reason == "") {
		fail("got transition %+v, want %v -> %v at %v with a reason", tr, prev, cur, at)
	}
	// Stopped is final and reached only by Stop.
	if r.stopped != (cur == Stopped) {
		fail("got state %v, stop observed %v", cur, r.stopped)
	}
	if r.stopped {
		return
	}
	// The operator's switches and the zones' freshness always win.
	if (r.maintenance || r.stale || r.shutdown) != (cur == Draining) {
		fail("got state %v with maintenance %v stale %v shutdown %v, want draining exactly then", cur, r.maintenance, r.stale, r.shutdown)
	}
	// Starting means never announced.
	if cur == Starting && r.everHealthy {
		fail("starting again after having been healthy")
	}
	if cur == Unhealthy && !r.everHealthy {
		fail("unhealthy without ever having been healthy")
	}
	// Never healthy without every zone loaded and Rise consecutive passes,
	// counted after the load, ending at this observation.
	if cur == Healthy && prev != Healthy {
		if obs.Kind != Pass || tr.Reason != ReasonRise || r.passRun < cfg.Rise || !r.zonesLoaded {
			fail("became healthy by %v (%v) after %d counted passes", obs.Kind, tr.Reason, r.passRun)
		}
	}
	// Rise passes with nothing else in the way always announce.
	if r.passRun >= cfg.Rise && r.zonesLoaded && !r.maintenance && !r.stale && !r.shutdown && cur != Healthy {
		fail("got %v after %d counted passes, want healthy", cur, cfg.Rise)
	}
	// Fall consecutive failures are never healthy.
	if cur == Healthy && r.failRun >= cfg.Fall {
		fail("healthy after %d failures", cfg.Fall)
	}
	// Leaving Healthy for Unhealthy needs Fall failures or a stall.
	if prev == Healthy && cur == Unhealthy {
		switch {
		case obs.Kind == Fail && tr.Reason == ReasonFall && r.failRun >= cfg.Fall:
		case obs.Kind == Tick && tr.Reason == ReasonProbeStall && stall:
		default:
			fail("left healthy by %v (%v) after %d failures, stall %v", obs.Kind, tr.Reason, r.failRun, stall)
		}
	}
	// A stalled probe loop is never healthy.
	if stall && cur == Healthy {
		fail("healthy through a stall")
	}
}

func TestMachineEnumerateProbes(t *testing.T) {
	// Probe results, on-time and late ticks, and the zone load, in every
	// order up to length 8.
	for _, cfg := range []Config{{}, {Rise: 3, Fall: 2}, {Rise: 1, Fall: 1}} {
		n := enumerate(t, cfg, "PFTSL", 8)
		if want := 488280; n != want && !t.Failed() {
			c := cfg.WithDefaults()
			t.Errorf("rise %d fall %d: checked %d steps, want %d", c.Rise, c.Fall, n, want)
		}
	}
}

func TestMachineEnumerateSwitches(t *testing.T) {
	// Probe results against the operator's switches and stop, with zones
	// loaded or not, in every order up to length 7.
	n := enumerate(t, Config{}, "PFLMmDX", 7)
	if want := 960799; n != want && !t.Failed() {
		t.Errorf("checked %d steps, want %d", n, want)
	}
}

func TestMachineEnumerateFreshness(t *testing.T) {
	// Probe results against stale zones, maintenance and shutdown, in every
	// order up to length 7.
	n := enumerate(t, Config{}, "PLZzMmD", 7)
	if want := 960799; n != want && !t.Failed() {
		t.Errorf("checked %d steps, want %d", n, want)
	}
}

package anycast

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anycastdns/anycastdns/health"
)

// symbol is one input of the enumeration: after gap, the prefix's health machine
// observes kind.
type symbol struct {
	prefix netip.Prefix
	kind   health.Kind
	gap    time.Duration
}

func (s symbol) String() string { return fmt.Sprintf("+%v %v %v", s.gap, s.prefix, s.kind) }

// expected is what the speaker should announce for one prefix, derived from its
// health state alone: Healthy is announced; Draining is announced with
// GRACEFUL_SHUTDOWN until the grace period after it began, when it was announced
// then; every other state is withdrawn.
type expected struct {
	state     health.State
	drainAt   time.Time // when Draining began
	drainedOn bool      // the prefix was announced when Draining began
}

func (e expected) announced(now time.Time, grace time.Duration) (on, draining bool) {
	switch e.state {
	case health.Healthy:
		return true, false
	case health.Draining:
		on := e.drainedOn && now.Before(e.drainAt.Add(grace))
		return on, on
	}
	return false, false
}

// node is the health machines of the prefixes in front of a controller, as the
// monitor would run them, with the expected announcement of each prefix.
type node struct {
	t    *testing.T
	ctrl *Controller
	sp   *fakeSpeaker
	mach map[netip.Prefix]health.Machine
	want map[netip.Prefix]expected
}

// observe feeds kind to p's machine and its transition, if any, to the controller.
func (n *node) observe(p netip.Prefix, kind health.Kind) {
	m, tr := n.mach[p].Observe(health.Observation{Kind: kind}, time.Now())
	n.mach[p] = m
	if tr == nil {
		return
	}
	e := n.want[p]
	on, _ := e.announced(time.Now(), n.ctrl.cfg.Grace)
	e.state = tr.To
	if tr.To == health.Draining {
		e.drainAt, e.drainedOn = time.Now(), on
	}
	n.want[p] = e
	n.ctrl.OnTransition(health.Event{Prefix: p, Transition: *tr})
}

// check compares what the fake speaker announces with what the states say.
func (n *node) check(seq []symbol, when string) bool {
	n.t.Helper()
	ok := true
	for p, e := range n.want {
		wantOn, wantDrain := e.announced(time.Now(), n.ctrl.cfg.Grace)
		if on, drain := n.sp.Announced(p); on != wantOn || drain != wantDrain {
			n.t.Errorf("%s %s: %v in state %v: got announced %v draining %v, want %v %v",
				describe(seq), when, p, e.state, on, drain, wantOn, wantDrain)
			ok = false
		}
	}
	return ok
}

func describe(seq []symbol) string {
	parts := make([]string, len(seq))
	for i, s := range seq {
		parts[i] = s.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// runSequence plays seq through real health machines (rise 1, fall 1, zones
// loaded) into a controller, checks the announcements after every step and the
// grace period, then stops: the drain must announce GRACEFUL_SHUTDOWN on what is
// announced, withdraw everything after the grace period and return after the
// linger period, or return at once when nothing is announced.
func runSequence(t *testing.T, prefixes []netip.Prefix, seq []symbol) bool {
	ok := true
	synctest.Test(t, func(t *testing.T) {
		cfg := DefaultConfig()
		rec := &calls{start: time.Now()}
		n := &node{t: t, sp: newFakeSpeaker(rec, prefixes...), mach: map[netip.Prefix]health.Machine{}, want: map[netip.Prefix]expected{}}
		mon := &fakeMonitor{rec: rec, onShutdown: func() {
			for _, p := range prefixes {
				n.observe(p, health.Shutdown)
			}
		}}
		var err error
		if n.ctrl, err = New(cfg, Options{Speaker: n.sp, Monitor: mon}); err != nil {
			t.Fatal(err)
		}
		for _, p := range prefixes {
			n.mach[p] = health.NewMachine(health.Config{Rise: 1, Fall: 1}, time.Now())
			n.observe(p, health.ZonesLoaded)
		}
		for i, s := range seq {
			time.Sleep(s.gap)
			synctest.Wait()
			n.observe(s.prefix, s.kind)
			synctest.Wait()
			ok = n.check(seq, fmt.Sprintf("after step %d", i+1)) && ok
		}
		time.Sleep(cfg.Grace)
		synctest.Wait()
		ok = n.check(seq, "after the grace period") && ok

		anyOn := false
		for _, p := range prefixes {
			on, _ := n.sp.Announced(p)
			anyOn = anyOn || on
		}
		start := time.Now()
		done := make(chan time.Duration, 1)
		go func() {
			if err := n.ctrl.Drain(context.Background()); err != nil {
				t.Errorf("%s: Drain: %v", describe(seq), err)
			}
			done <- time.Since(start)
		}()
		synctest.Wait()
		ok = n.check(seq, "when the stop began") && ok
		time.Sleep(cfg.Grace)
		synctest.Wait()
		for _, p := range prefixes {
			if on, _ := n.sp.Announced(p); on {
				t.Errorf("%s: %v still announced after the stop's grace period", describe(seq), p)
				ok = false
			}
		}
		took := <-done
		if want := cfg.Grace + cfg.Linger; !anyOn {
			want = 0
			if took != want {
				t.Errorf("%s: the stop took %v with nothing announced, want %v", describe(seq), took, want)
				ok = false
			}
		} else if took != want {
			t.Errorf("%s: the stop took %v, want grace + linger = %v", describe(seq), took, want)
			ok = false
		}
	})
	return ok
}

// enumerateSequences calls f with every sequence of depth symbols over the
// observations and gaps given, for each of prefixes, until f returns false.
func enumerateSequences(prefixes []netip.Prefix, kinds []health.Kind, gaps []time.Duration, depth int, f func([]symbol) bool) int {
	var alphabet []symbol
	for _, p := range prefixes {
		for _, k := range kinds {
			for _, g := range gaps {
				alphabet = append(alphabet, symbol{p, k, g})
			}
		}
	}
	runs := 0
	seq := make([]symbol, depth)
	var walk func(i int) bool
	walk = func(i int) bool {
		if i == depth {
			runs++
			return f(seq)
		}
		for _, s := range alphabet {
			seq[i] = s
			if !walk(i + 1) {
				return false
			}
		}
		return true
	}
	walk(0)
	return runs
}

// Every ordering of probe results and maintenance switches, for one prefix and
// for two, each step one second (within the 5s grace period) or six seconds
// (beyond it) after the last, fed through the real health machine: what is
// announced always follows the health states, and the stop that follows drains,
// withdraws and lingers as it must.
func TestControllerEveryOrdering(t *testing.T) {
	kinds := []health.Kind{health.Pass, health.Fail, health.MaintenanceOn, health.MaintenanceOff}
	gaps := []time.Duration{time.Second, 6 * time.Second}
	for _, tc := range []struct {
		name     string
		prefixes []netip.Prefix
		depth    int
		want     int // sequences
	}{
		{"one prefix", []netip.Prefix{p4}, 4, 8 * 8 * 8 * 8},
		{"two prefixes", []netip.Prefix{p4, p6}, 3, 16 * 16 * 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := enumerateSequences(tc.prefixes, kinds, gaps, tc.depth, func(seq []symbol) bool {
				return runSequence(t, tc.prefixes, seq)
			})
			if runs != tc.want {
				t.Errorf("ran %d sequences, want %d (the first failure stops the walk)", runs, tc.want)
			}
		})
	}
}

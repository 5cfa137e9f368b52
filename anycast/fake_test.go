package anycast

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/health"
)

var (
	p4 = netip.MustParsePrefix("192.0.2.53/32")
	p6 = netip.MustParsePrefix("2001:db8::53/128")
)

// call is one thing that happened to the controller's collaborators, at a time of
// the bubble's fake clock counted from the start of the test.
type call struct {
	at   time.Duration
	what string // e.g. "announce 192.0.2.53/32 rise", "shutdown", "drain returned <nil>"
}

func (c call) String() string { return fmt.Sprintf("%v %s", c.at, c.what) }

// calls records calls in order, with the fake clock's time of each.
type calls struct {
	start time.Time
	mu    sync.Mutex
	list  []call
}

func (c *calls) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, call{time.Since(c.start), fmt.Sprintf(format, args...)})
}

func (c *calls) all() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

// fakeSpeaker records every decision and keeps what a real speaker would
// announce: Drain marks only announced prefixes, a failed decision changes
// nothing, and every decision fails with announce.ErrNotRunning while stopped.
type fakeSpeaker struct {
	rec      *calls
	prefixes []netip.Prefix
	stopped  bool             // every decision returns announce.ErrNotRunning
	fail     map[string]error // the error of each action ("announce", "drain", "withdraw")

	mu    sync.Mutex
	state map[netip.Prefix]string // "", "announced" or "draining"
}

func newFakeSpeaker(rec *calls, prefixes ...netip.Prefix) *fakeSpeaker {
	return &fakeSpeaker{rec: rec, prefixes: prefixes, state: map[netip.Prefix]string{}}
}

// decide records a decision and returns its error, or nil when it may change the
// state. s.mu must be held.
func (s *fakeSpeaker) decide(action, reason string, prefixes ...netip.Prefix) error {
	what := "all"
	if len(prefixes) > 0 {
		what = fmt.Sprint(prefixes)
		what = strings.Trim(what, "[]")
	}
	s.rec.add("%s %s %s", action, what, reason)
	if s.stopped {
		return announce.ErrNotRunning
	}
	return s.fail[action]
}

func (s *fakeSpeaker) Announce(p netip.Prefix, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.decide("announce", reason, p); err != nil {
		return err
	}
	s.state[p] = "announced"
	return nil
}

func (s *fakeSpeaker) Drain(reason string, prefixes ...netip.Prefix) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.decide("drain", reason, prefixes...); err != nil {
		return err
	}
	if len(prefixes) == 0 {
		prefixes = s.prefixes
	}
	for _, p := range prefixes {
		if s.state[p] != "" {
			s.state[p] = "draining"
		}
	}
	return nil
}

func (s *fakeSpeaker) Withdraw(p netip.Prefix, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.decide("withdraw", reason, p); err != nil {
		return err
	}
	delete(s.state, p)
	return nil
}

func (s *fakeSpeaker) Announced(p netip.Prefix) (bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state[p] != "", s.state[p] == "draining"
}

func (s *fakeSpeaker) Prefixes() []netip.Prefix { return slices.Clone(s.prefixes) }

// fakeMonitor records Shutdown, then calls onShutdown when set (as the real
// monitor's prefix loops report their move to Draining).
type fakeMonitor struct {
	rec        *calls
	onShutdown func()
}

func (m *fakeMonitor) Shutdown() {
	m.rec.add("shutdown")
	if m.onShutdown != nil {
		m.onShutdown()
	}
}

// harness runs a Controller with a fake speaker and monitor inside a synctest
// bubble, and turns the steps of a test case into calls.
type harness struct {
	t     *testing.T
	rec   *calls
	sp    *fakeSpeaker // nil when BGP is off
	ctrl  *Controller
	logs  *observer.ObservedLogs
	state map[netip.Prefix]health.State // the last state given to each prefix

	cancelDrain context.CancelFunc
}

// setup describes the controller of a test case.
type setup struct {
	cfg      *Config          // default DefaultConfig()
	noBGP    bool             // no speaker
	stopped  bool             // the speaker is not running
	fail     map[string]error // the speaker's errors by action
	prefixes []netip.Prefix   // default p4 and p6
}

// newHarness builds the controller of s. It must run inside the bubble.
func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	h := &harness{t: t, rec: &calls{start: time.Now()}, logs: logs, state: map[netip.Prefix]health.State{}}
	cfg := DefaultConfig()
	if s.cfg != nil {
		cfg = *s.cfg
	}
	if s.prefixes == nil {
		s.prefixes = []netip.Prefix{p4, p6}
	}
	opts := Options{Monitor: &fakeMonitor{rec: h.rec}, Logger: zap.New(core)}
	if !s.noBGP {
		h.sp = newFakeSpeaker(h.rec, s.prefixes...)
		h.sp.stopped, h.sp.fail = s.stopped, s.fail
		opts.Speaker = h.sp
	}
	var err error
	if h.ctrl, err = New(cfg, opts); err != nil {
		t.Fatal(err)
	}
	return h
}

// step is one action of a test case at a time of the fake clock.
type step struct {
	at time.Duration
	do func(*harness)
}

// to reports the transition of p to st for reason, from the state p had.
func to(p netip.Prefix, st health.State, reason health.Reason) func(*harness) {
	return func(h *harness) {
		from := h.state[p]
		h.state[p] = st
		h.ctrl.OnTransition(health.Event{Prefix: p, Transition: health.Transition{From: from, To: st, Reason: reason, At: time.Now()}})
	}
}

// stop starts the stop's Drain, with a context that cancel ends, and records
// its return.
func stop(h *harness) {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancelDrain = cancel
	go func() {
		err := h.ctrl.Drain(ctx)
		h.rec.add("drain returned %v", err)
	}()
}

// cancel ends the context of the running Drain.
func cancel(h *harness) { h.cancelDrain() }

// run performs steps at their times, then lets the fake clock run until the
// time end (when every timer has fired) and returns every call.
func (h *harness) run(end time.Duration, steps ...step) []call {
	start := h.rec.start
	for _, s := range steps {
		time.Sleep(s.at - time.Since(start))
		synctest.Wait()
		s.do(h)
		synctest.Wait()
	}
	time.Sleep(end - time.Since(start))
	synctest.Wait()
	if h.cancelDrain != nil {
		h.cancelDrain()
	}
	return h.rec.all()
}

// messages returns the level and message of every log line.
func (h *harness) messages() []string {
	var out []string
	for _, e := range h.logs.All() {
		out = append(out, e.Level.String()+" "+e.Message)
	}
	return out
}

// check compares the calls and log lines with the wanted ones.
func (h *harness) check(got, want []call, wantLogs []string) {
	h.t.Helper()
	if !slices.Equal(got, want) {
		h.t.Errorf("got calls\n%s\nwant\n%s", lines(got), lines(want))
	}
	if got := h.messages(); !slices.Equal(got, wantLogs) {
		h.t.Errorf("got logs\n%q\nwant\n%q", got, wantLogs)
	}
}

func lines(cs []call) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\t%v\n", c)
	}
	return b.String()
}

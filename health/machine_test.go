package health

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// step is one letter of a test sequence.
//
//	P pass, F fail (1s after the previous step)
//	T tick 1s later, S tick after a 10s silence (a stall)
//	L zones loaded, M maintenance on, m maintenance off, D shutdown, X stop
type step byte

func (s step) observation() (Observation, time.Duration) {
	switch s {
	case 'P':
		return Observation{Kind: Pass}, time.Second
	case 'F':
		return Observation{Kind: Fail}, time.Second
	case 'T':
		return Observation{Kind: Tick}, time.Second
	case 'S':
		return Observation{Kind: Tick}, 10 * time.Second
	case 'L':
		return Observation{Kind: ZonesLoaded}, 0
	case 'M':
		return Observation{Kind: MaintenanceOn}, 0
	case 'm':
		return Observation{Kind: MaintenanceOff}, 0
	case 'Z':
		return Observation{Kind: StaleOn}, 0
	case 'z':
		return Observation{Kind: StaleOff}, 0
	case 'D':
		return Observation{Kind: Shutdown}, 0
	case 'X':
		return Observation{Kind: Stop}, 0
	}
	panic(fmt.Sprintf("unknown step %q", s))
}

// replay feeds seq (letters as in step, spaces ignored) to a fresh machine
// and returns the final machine and the reasons of its transitions, written
// "reason>state".
func replay(t *testing.T, cfg Config, seq string) (Machine, []string) {
	t.Helper()
	m := NewMachine(cfg, t0)
	now := t0
	var got []string
	for _, c := range strings.ReplaceAll(seq, " ", "") {
		obs, d := step(c).observation()
		now = now.Add(d)
		var tr *Transition
		m, tr = m.Observe(obs, now)
		if tr != nil {
			got = append(got, string(tr.Reason)+">"+tr.To.String())
		}
	}
	return m, got
}

func TestMachineSequences(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		seq   string
		want  State
		trans string // space-separated "reason>state"
	}{
		{"fresh machine is starting", Config{}, "", Starting, ""},
		{"passes before zones load do not count", Config{}, "P P P P", Starting, ""},
		{"rise after zones loaded", Config{}, "L P P", Healthy, "rise>healthy"},
		{"one pass is not enough", Config{}, "L P", Starting, ""},
		{"passes before load then one after", Config{}, "P P L P", Starting, ""},
		{"failure resets the rise count", Config{}, "L P F P", Starting, ""},
		{"rise 1", Config{Rise: 1}, "L P", Healthy, "rise>healthy"},
		{"failures before healthy keep starting", Config{}, "L F F F F", Starting, ""},
		{"two failures keep healthy", Config{}, "L P P F F", Healthy, "rise>healthy"},
		{"fall after three failures", Config{}, "L P P F F F", Unhealthy, "rise>healthy fall>unhealthy"},
		{"a pass resets the fall count", Config{}, "L P P F F P F F", Healthy, "rise>healthy"},
		{"recovery needs rise again", Config{}, "L P P F F F P", Unhealthy, "rise>healthy fall>unhealthy"},
		{"recovery", Config{}, "L P P F F F P P", Healthy, "rise>healthy fall>unhealthy rise>healthy"},
		{"fall 1", Config{Fall: 1}, "L P P F", Unhealthy, "rise>healthy fall>unhealthy"},
		{"on-time ticks change nothing", Config{}, "L P T P T", Healthy, "rise>healthy"},
		{"stall makes healthy unhealthy", Config{}, "L P P S", Unhealthy, "rise>healthy probe-stall>unhealthy"},
		{"ticks without probes stall", Config{}, "L P P T T T T", Unhealthy, "rise>healthy probe-stall>unhealthy"},
		{"three silent intervals are not yet a stall", Config{}, "L P P T T T", Healthy, "rise>healthy"},
		{"stall forgets passes", Config{}, "L P S P", Starting, ""},
		{"probes resume after stall", Config{}, "L P P S P P", Healthy, "rise>healthy probe-stall>unhealthy rise>healthy"},
		{"maintenance drains healthy", Config{}, "L P P M", Draining, "rise>healthy maintenance>draining"},
		{"passes while draining do not announce", Config{}, "L P P M P P P", Draining, "rise>healthy maintenance>draining"},
		{"undrain needs rise again", Config{}, "L P P M P P m P", Unhealthy, "rise>healthy maintenance>draining undrain>unhealthy"},
		{"undrain then rise", Config{}, "L P P M m P P", Healthy, "rise>healthy maintenance>draining undrain>unhealthy rise>healthy"},
		{"maintenance before first announce", Config{}, "M L P P", Draining, "maintenance>draining"},
		{"undrain before first announce is starting", Config{}, "M L P P m", Starting, "maintenance>draining undrain>starting"},
		{"undrain before first announce then rise", Config{}, "M L P P m P P", Healthy, "maintenance>draining undrain>starting rise>healthy"},
		{"maintenance off without on", Config{}, "L P P m", Healthy, "rise>healthy"},
		{"maintenance on twice", Config{}, "L P P M M", Draining, "rise>healthy maintenance>draining"},
		{"shutdown drains", Config{}, "L P P D", Draining, "rise>healthy shutdown>draining"},
		{"shutdown cannot be undone by undrain", Config{}, "L P P D m P P", Draining, "rise>healthy shutdown>draining"},
		{"shutdown during maintenance stays draining", Config{}, "L P P M D m", Draining, "rise>healthy maintenance>draining"},
		{"stop from healthy", Config{}, "L P P X", Stopped, "rise>healthy stop>stopped"},
		{"stop is final", Config{}, "L X P P M m D S", Stopped, "stop>stopped"},
		{"stop from draining", Config{}, "L P P D X", Stopped, "rise>healthy shutdown>draining stop>stopped"},
		{"failures while draining do not leave draining", Config{}, "L P P M F F F F", Draining, "rise>healthy maintenance>draining"},
		{"stall while draining stays draining", Config{}, "L P P M S", Draining, "rise>healthy maintenance>draining"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, trans := replay(t, tt.cfg, tt.seq)
			if got := m.State(); got != tt.want {
				t.Errorf("%q: got state %v, want %v", tt.seq, got, tt.want)
			}
			if got := strings.Join(trans, " "); got != tt.trans {
				t.Errorf("%q: got transitions %q, want %q", tt.seq, got, tt.trans)
			}
		})
	}
}

func TestMachineTransitionFields(t *testing.T) {
	m := NewMachine(Config{}, t0)
	m, _ = m.Observe(Observation{Kind: ZonesLoaded}, t0)
	m, tr := m.Observe(Observation{Kind: Pass}, t0.Add(time.Second))
	if tr != nil {
		t.Fatalf("first pass: got transition %+v, want none", tr)
	}
	at := t0.Add(2 * time.Second)
	next, tr := m.Observe(Observation{Kind: Pass}, at)
	want := Transition{From: Starting, To: Healthy, Reason: ReasonRise, At: at}
	if tr == nil || *tr != want {
		t.Fatalf("second pass: got transition %+v, want %+v", tr, want)
	}
	// Observe is pure: the receiver is unchanged.
	if m.State() != Starting || m.Passes() != 1 {
		t.Errorf("receiver changed: got state %v passes %d, want starting 1", m.State(), m.Passes())
	}
	if next.State() != Healthy {
		t.Errorf("got next state %v, want healthy", next.State())
	}
}

// TestMachineFlapping feeds a fault that alternates pass and fail: with the
// default rise 2 and fall 3 it must never announce a starting prefix and
// never withdraw a healthy one. No pattern holds two passes or three failures
// in a row, even across repetitions.
func TestMachineFlapping(t *testing.T) {
	patterns := []string{"PF", "FP", "PFF", "FFP", "PFPFF", "FPTF"}
	for _, pat := range patterns {
		t.Run(pat, func(t *testing.T) {
			seq := "L" + strings.Repeat(pat, 40)
			m, trans := replay(t, Config{}, seq)
			if len(trans) != 0 || m.State() != Starting {
				t.Errorf("from starting: got state %v after transitions %v, want starting and none", m.State(), trans)
			}
			m, trans = replay(t, Config{}, "LPP"+strings.Repeat(pat, 40))
			if m.State() != Healthy || len(trans) != 1 {
				t.Errorf("from healthy: got state %v after transitions %v, want healthy after only the rise", m.State(), trans)
			}
		})
	}
}

func TestStateStrings(t *testing.T) {
	want := []string{"starting", "healthy", "unhealthy", "draining", "stopped"}
	for i, s := range States {
		if got := s.String(); got != want[i] {
			t.Errorf("State(%d): got %q, want %q", s, got, want[i])
		}
		if got := s.Announce(); got != (s == Healthy) {
			t.Errorf("%v.Announce(): got %v, want %v", s, got, s == Healthy)
		}
	}
	if got := State(99).String(); got != "invalid" {
		t.Errorf("State(99): got %q, want invalid", got)
	}
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	c := Config{}.WithDefaults()
	want := Config{Rise: 2, Fall: 3, Interval: time.Second, StallIntervals: 3, Timeout: 500 * time.Millisecond, TCPEvery: 5}
	if c != want {
		t.Errorf("defaults: got %+v, want %+v", c, want)
	}
	if got := (Config{Interval: 100 * time.Millisecond}).WithDefaults().Timeout; got != 100*time.Millisecond {
		t.Errorf("timeout with short interval: got %v, want 100ms", got)
	}
	if got := (Config{}).StallAfter(); got != 3*time.Second {
		t.Errorf("StallAfter: got %v, want 3s", got)
	}
	bad := []Config{
		{Rise: -1}, {Fall: -1}, {Interval: -time.Second}, {StallIntervals: -1},
		{Timeout: 2 * time.Second}, {TCPEvery: -2},
	}
	for _, c := range bad {
		if err := c.WithDefaults().Validate(); err == nil {
			t.Errorf("Validate(%+v with defaults): got nil, want an error", c)
		}
	}
	if err := (Config{}).WithDefaults().Validate(); err != nil {
		t.Errorf("Validate(zero with defaults): got %v, want nil", err)
	}
	if DefaultConfig() != want {
		t.Errorf("DefaultConfig: got %+v, want %+v", DefaultConfig(), want)
	}
}

package anycast

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/anycastdns/anycastdns/health"
)

const sec = time.Second

// The log lines of the controller, with their levels.
const (
	logGrace       = "info draining: withdrawing after the grace period"
	logNotAnnounce = "info not announcing: the node is stopping"
	logFailed      = "error bgp decision failed"
	logWithdrawErr = "error bgp withdraw failed"
	logDrainErr    = "error bgp drain failed"
	logNothing     = "info drain: nothing announced, nothing to wait for"
	logWaitGrace   = "info drain: GRACEFUL_SHUTDOWN announced; waiting for the grace period"
	logLinger      = "info drain: withdrawn; still answering for the linger period"
)

var errBoom = errors.New("boom")

// The steps and calls that make both prefixes healthy, or only p4, at 0s.
var (
	bothHealthy = []step{
		{0, to(p4, health.Healthy, health.ReasonRise)},
		{0, to(p6, health.Healthy, health.ReasonRise)},
	}
	bothAnnounced = []call{
		{0, "announce 192.0.2.53/32 rise"},
		{0, "announce 2001:db8::53/128 rise"},
	}
	p4Healthy   = []step{{0, to(p4, health.Healthy, health.ReasonRise)}}
	p4Announced = []call{{0, "announce 192.0.2.53/32 rise"}}
)

// controllerCase is a sequence of health events and stops, with the calls they
// must cause, at their times, and the log lines.
type controllerCase struct {
	name  string
	setup setup
	steps []step
	want  []call
	logs  []string
}

func runCases(t *testing.T, cases []controllerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tc.setup)
				h.check(h.run(30*sec, tc.steps...), tc.want, tc.logs)
			})
		})
	}
}

// Every ordering of health events for one prefix, then for two: each transition's
// decision, and the grace timer of a maintenance drain (5s by default).
func TestControllerTransitions(t *testing.T) {
	runCases(t, []controllerCase{
		{
			name:  "starting to healthy announces",
			steps: []step{{0, to(p4, health.Healthy, health.ReasonRise)}},
			want:  []call{{0, "announce 192.0.2.53/32 rise"}},
		},
		{
			name: "healthy to unhealthy withdraws at once",
			steps: slices.Concat(p4Healthy, []step{
				{3 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
			}),
			want: []call{{0, "announce 192.0.2.53/32 rise"}, {3 * sec, "withdraw 192.0.2.53/32 fall"}},
		},
		{
			name: "a stalled probe loop withdraws at once",
			steps: slices.Concat(p4Healthy, []step{
				{2 * sec, to(p4, health.Unhealthy, health.ReasonProbeStall)},
			}),
			want: []call{{0, "announce 192.0.2.53/32 rise"}, {2 * sec, "withdraw 192.0.2.53/32 probe-stall"}},
		},
		{
			name: "unhealthy back to healthy announces again",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
				{4 * sec, to(p4, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "withdraw 192.0.2.53/32 fall"},
				{4 * sec, "announce 192.0.2.53/32 rise"},
			}),
		},
		{
			name: "maintenance drains, then withdraws after the grace period",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace},
		},
		{
			name:  "a zero grace period withdraws at once",
			setup: setup{cfg: &Config{Grace: 0, Linger: time.Second}},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{1 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace},
		},
		{
			name: "undrain before the grace period ends withdraws at once and cancels the pending withdrawal",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, to(p4, health.Unhealthy, health.ReasonUndrain)},
				{4 * sec, to(p4, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{3 * sec, "withdraw 192.0.2.53/32 undrain"},
				{4 * sec, "announce 192.0.2.53/32 rise"},
			}),
			logs: []string{logGrace},
		},
		{
			name: "draining to healthy before the grace period ends cancels the withdrawal",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "announce 192.0.2.53/32 rise"},
			}),
			logs: []string{logGrace},
		},
		{
			name: "draining to healthy after the grace period announces again",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{8 * sec, to(p4, health.Unhealthy, health.ReasonUndrain)},
				{9 * sec, to(p4, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
				{8 * sec, "withdraw 192.0.2.53/32 undrain"},
				{9 * sec, "announce 192.0.2.53/32 rise"},
			}),
			logs: []string{logGrace},
		},
		{
			name: "a second maintenance drain times its own grace period",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Unhealthy, health.ReasonUndrain)},
				{3 * sec, to(p4, health.Healthy, health.ReasonRise)},
				{4 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "withdraw 192.0.2.53/32 undrain"},
				{3 * sec, "announce 192.0.2.53/32 rise"},
				{4 * sec, "drain 192.0.2.53/32 maintenance"},
				{9 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace, logGrace},
		},
		{
			name: "maintenance on a prefix never announced starts no timer",
			steps: []step{
				{0, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Starting, health.ReasonUndrain)},
			},
			want: []call{
				{0, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "withdraw 192.0.2.53/32 undrain"},
			},
		},
		{
			name: "maintenance during a fault: nothing to drain, nothing to time",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
				{2 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{10 * sec, to(p4, health.Unhealthy, health.ReasonUndrain)},
				{11 * sec, to(p4, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "withdraw 192.0.2.53/32 fall"},
				{2 * sec, "drain 192.0.2.53/32 maintenance"},
				{10 * sec, "withdraw 192.0.2.53/32 undrain"},
				{11 * sec, "announce 192.0.2.53/32 rise"},
			}),
		},
		{
			name: "stopped withdraws",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Stopped, health.ReasonStop)},
			}),
			want: []call{{0, "announce 192.0.2.53/32 rise"}, {1 * sec, "withdraw 192.0.2.53/32 stop"}},
		},
		{
			name: "stopped during the grace period withdraws at once and cancels the pending withdrawal",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Stopped, health.ReasonStop)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "withdraw 192.0.2.53/32 stop"},
			}),
			logs: []string{logGrace},
		},
		{
			name: "two prefixes: each maintenance drain is timed on its own",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p6, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(bothAnnounced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "drain 2001:db8::53/128 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
				{7 * sec, "withdraw 2001:db8::53/128 maintenance"},
			}),
			logs: []string{logGrace, logGrace},
		},
		{
			name: "two prefixes: undraining one leaves the other's withdrawal pending",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{1 * sec, to(p6, health.Draining, health.ReasonMaintenance)},
				{3 * sec, to(p6, health.Unhealthy, health.ReasonUndrain)},
			}),
			want: slices.Concat(bothAnnounced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{1 * sec, "drain 2001:db8::53/128 maintenance"},
				{3 * sec, "withdraw 2001:db8::53/128 undrain"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace, logGrace},
		},
		{
			name: "two prefixes: a fault of one withdraws only that one",
			steps: slices.Concat(bothHealthy, []step{
				{2 * sec, to(p6, health.Unhealthy, health.ReasonFall)},
				{5 * sec, to(p6, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(bothAnnounced, []call{
				{2 * sec, "withdraw 2001:db8::53/128 fall"},
				{5 * sec, "announce 2001:db8::53/128 rise"},
			}),
		},
		{
			name: "two prefixes: a fault of one during the other's maintenance drain",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, to(p6, health.Unhealthy, health.ReasonFall)},
			}),
			want: slices.Concat(bothAnnounced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{3 * sec, "withdraw 2001:db8::53/128 fall"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace},
		},
		{
			name:  "without BGP transitions change nothing",
			setup: setup{noBGP: true},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Unhealthy, health.ReasonUndrain)},
			}),
		},
	})
}

// A failed decision is logged and changes nothing else; a decision while the
// speaker is not running (before Start, after Stop) is not an error.
func TestControllerSpeakerErrors(t *testing.T) {
	runCases(t, []controllerCase{
		{
			name:  "a failed announcement is logged",
			setup: setup{fail: map[string]error{"announce": errBoom}},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
			}),
			want: []call{{0, "announce 192.0.2.53/32 rise"}, {1 * sec, "withdraw 192.0.2.53/32 fall"}},
			logs: []string{logFailed},
		},
		{
			name:  "a failed withdrawal is logged",
			setup: setup{fail: map[string]error{"withdraw": errBoom}},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
			}),
			want: []call{{0, "announce 192.0.2.53/32 rise"}, {1 * sec, "withdraw 192.0.2.53/32 fall"}},
			logs: []string{logFailed},
		},
		{
			name:  "a failed drain is logged; the prefix, still announced, is withdrawn after the grace period",
			setup: setup{fail: map[string]error{"drain": errBoom}},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace, logFailed},
		},
		{
			name:  "a failed withdrawal at the end of the grace period is logged",
			setup: setup{fail: map[string]error{"withdraw": errBoom}},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}),
			logs: []string{logGrace, logWithdrawErr},
		},
		{
			name:  "a speaker not running is not an error",
			setup: setup{stopped: true},
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{2 * sec, to(p4, health.Stopped, health.ReasonStop)},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{2 * sec, "withdraw 192.0.2.53/32 stop"},
			}),
		},
	})
}

func TestNewNeedsAMonitorAndAValidConfig(t *testing.T) {
	if _, err := New(DefaultConfig(), Options{}); err == nil {
		t.Error("New without a monitor: got nil, want an error")
	}
	if _, err := New(Config{Grace: -time.Second}, Options{Monitor: &fakeMonitor{}}); err == nil {
		t.Error("New with a negative grace: got nil, want an error")
	}
	if _, err := New(Config{}, Options{Monitor: &fakeMonitor{}}); err != nil {
		t.Errorf("New with zero durations: got %v, want nil", err)
	}
}

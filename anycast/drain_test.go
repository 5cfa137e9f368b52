package anycast

import (
	"slices"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/health"
)

// stopBegins is what a stop at the time at does first: the monitor's shutdown,
// then GRACEFUL_SHUTDOWN on every announced prefix.
func stopBegins(at time.Duration) []call {
	return []call{{at, "shutdown"}, {at, "drain all shutdown"}}
}

// withdrawnAll is the stop's withdrawal of both prefixes at the time at.
func withdrawnAll(at time.Duration) []call {
	return []call{{at, "withdraw 192.0.2.53/32 shutdown"}, {at, "withdraw 2001:db8::53/128 shutdown"}}
}

// returned is the end of Drain at the time at, with its error.
func returned(at time.Duration, err string) []call {
	return []call{{at, "drain returned " + err}}
}

// The stop's drain, with the default grace (5s) and linger (2s): the monitor is
// shut down, every announced prefix drained, withdrawn after the grace period,
// and Drain returns after the linger period; events during a drain never
// announce.
func TestControllerDrain(t *testing.T) {
	runCases(t, []controllerCase{
		{
			name: "drain, withdraw after the grace period, return after the linger period",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, stop},
				// The monitor reports the shutdown's transitions: the drain handles them.
				{1 * sec, to(p4, health.Draining, health.ReasonShutdown)},
				{1 * sec, to(p6, health.Draining, health.ReasonShutdown)},
			}),
			want: slices.Concat(bothAnnounced, stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "nothing announced: return at once",
			steps: []step{{1 * sec, stop}},
			want:  slices.Concat(stopBegins(1*sec), returned(1*sec, "<nil>")),
			logs:  []string{logNothing},
		},
		{
			name: "one prefix announced: both withdrawn after the grace period",
			steps: []step{
				{0, to(p6, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
			},
			want: slices.Concat([]call{{0, "announce 2001:db8::53/128 rise"}},
				stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "without BGP: shut the monitor down and return at once",
			setup: setup{noBGP: true},
			steps: slices.Concat(bothHealthy, []step{{1 * sec, stop}}),
			want:  slices.Concat([]call{{1 * sec, "shutdown"}}, returned(1*sec, "<nil>")),
		},
		{
			name: "stop during a maintenance drain: the stop's grace period replaces the pending withdrawal",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, stop},
			}),
			want: slices.Concat(p4Announced, []call{{1 * sec, "drain 192.0.2.53/32 maintenance"}},
				stopBegins(3*sec), withdrawnAll(8*sec), returned(10*sec, "<nil>")),
			logs: []string{logGrace, logWaitGrace, logLinger},
		},
		{
			name: "stop after a maintenance drain withdrew everything: return at once",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{7 * sec, stop},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
			}, stopBegins(7*sec), returned(7*sec, "<nil>")),
			logs: []string{logGrace, logNothing},
		},
		{
			name: "maintenance during a fault, then stop: nothing to wait for",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
				{2 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, stop},
			}),
			want: slices.Concat(p4Announced, []call{
				{1 * sec, "withdraw 192.0.2.53/32 fall"},
				{2 * sec, "drain 192.0.2.53/32 maintenance"},
			}, stopBegins(3*sec), returned(3*sec, "<nil>")),
			logs: []string{logNothing},
		},
		{
			name: "a prefix that becomes healthy during the drain is not announced",
			steps: slices.Concat(p4Healthy, []step{
				{1 * sec, stop},
				{2 * sec, to(p6, health.Healthy, health.ReasonRise)},
			}),
			want: slices.Concat(p4Announced, stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs: []string{logWaitGrace, logNotAnnounce, logLinger},
		},
		{
			name: "a fault during the drain withdraws at once",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, stop},
				{2 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
			}),
			want: slices.Concat(bothAnnounced, stopBegins(1*sec), []call{{2 * sec, "withdraw 192.0.2.53/32 fall"}},
				withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name: "stopped after the drain withdraws (the monitor's end)",
			steps: slices.Concat(bothHealthy, []step{
				{1 * sec, stop},
				{9 * sec, to(p4, health.Stopped, health.ReasonStop)},
			}),
			want: slices.Concat(bothAnnounced, stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>"),
				[]call{{9 * sec, "withdraw 192.0.2.53/32 stop"}}),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "context ended during the grace period: return at once, withdraw nothing",
			steps: slices.Concat(bothHealthy, []step{{1 * sec, stop}, {3 * sec, cancel}}),
			want: slices.Concat(bothAnnounced, stopBegins(1*sec),
				returned(3*sec, "anycast: drain cut short in the grace period: context canceled")),
			logs: []string{logWaitGrace},
		},
		{
			name:  "context ended during the linger period: return at once",
			steps: slices.Concat(bothHealthy, []step{{1 * sec, stop}, {7 * sec, cancel}}),
			want: slices.Concat(bothAnnounced, stopBegins(1*sec), withdrawnAll(6*sec),
				returned(7*sec, "anycast: drain cut short in the linger period: context canceled")),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "zero grace and linger: withdraw and return at once",
			setup: setup{cfg: &Config{}},
			steps: slices.Concat(p4Healthy, []step{{1 * sec, stop}}),
			want:  slices.Concat(p4Announced, stopBegins(1*sec), withdrawnAll(1*sec), returned(1*sec, "<nil>")),
			logs:  []string{logWaitGrace, logLinger},
		},
	})
}

// Failed decisions during the drain are logged; the drain goes on.
func TestControllerDrainErrors(t *testing.T) {
	runCases(t, []controllerCase{
		{
			name:  "a failed drain is logged; the withdrawal follows the grace period",
			setup: setup{fail: map[string]error{"drain": errBoom}},
			steps: slices.Concat(p4Healthy, []step{{1 * sec, stop}}),
			want:  slices.Concat(p4Announced, stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs:  []string{logDrainErr, logWaitGrace, logLinger},
		},
		{
			name:  "failed withdrawals are logged, one line per prefix",
			setup: setup{fail: map[string]error{"withdraw": errBoom}},
			steps: slices.Concat(p4Healthy, []step{{1 * sec, stop}}),
			want:  slices.Concat(p4Announced, stopBegins(1*sec), withdrawnAll(6*sec), returned(8*sec, "<nil>")),
			logs:  []string{logWaitGrace, logWithdrawErr, logWithdrawErr, logLinger},
		},
	})
}

package anycast

import (
	"testing"

	"github.com/anycastdns/anycastdns/health"
)

// The stop's drain, with the default grace (5s) and linger (2s): the monitor is
// shut down, every announced prefix drained, withdrawn after the grace period,
// and Drain returns after the linger period; events during a drain never
// announce.
func TestControllerDrain(t *testing.T) {
	healthy := []step{
		{0, to(p4, health.Healthy, health.ReasonRise)},
		{0, to(p6, health.Healthy, health.ReasonRise)},
	}
	announced := []call{
		{0, "announce 192.0.2.53/32 rise"},
		{0, "announce 2001:db8::53/128 rise"},
	}
	runCases(t, []controllerCase{
		{
			name: "drain, withdraw after the grace period, return after the linger period",
			steps: append(healthy,
				step{1 * sec, stop},
				// The monitor reports the shutdown's transitions: the drain handles them.
				step{1 * sec, to(p4, health.Draining, health.ReasonShutdown)},
				step{1 * sec, to(p6, health.Draining, health.ReasonShutdown)},
			),
			want: append(announced,
				call{1 * sec, "shutdown"},
				call{1 * sec, "drain all shutdown"},
				call{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				call{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				call{8 * sec, "drain returned <nil>"},
			),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "nothing announced: return at once",
			steps: []step{{1 * sec, stop}},
			want: []call{
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{1 * sec, "drain returned <nil>"},
			},
			logs: []string{logNothing},
		},
		{
			name: "one prefix announced: both withdrawn after the grace period",
			steps: []step{
				{0, to(p6, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
			},
			want: []call{
				{0, "announce 2001:db8::53/128 rise"},
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{8 * sec, "drain returned <nil>"},
			},
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "without BGP: shut the monitor down and return at once",
			setup: setup{noBGP: true},
			steps: append(healthy, step{1 * sec, stop}),
			want: []call{
				{1 * sec, "shutdown"},
				{1 * sec, "drain returned <nil>"},
			},
		},
		{
			name: "stop during a maintenance drain: the stop's grace period replaces the pending withdrawal",
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{3 * sec, "shutdown"},
				{3 * sec, "drain all shutdown"},
				{8 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{8 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{10 * sec, "drain returned <nil>"},
			},
			logs: []string{logGrace, logWaitGrace, logLinger},
		},
		{
			name: "stop after a maintenance drain withdrew everything: return at once",
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{7 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "drain 192.0.2.53/32 maintenance"},
				{6 * sec, "withdraw 192.0.2.53/32 maintenance"},
				{7 * sec, "shutdown"},
				{7 * sec, "drain all shutdown"},
				{7 * sec, "drain returned <nil>"},
			},
			logs: []string{logGrace, logNothing},
		},
		{
			name: "maintenance during a fault, then stop: nothing to wait for",
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
				{2 * sec, to(p4, health.Draining, health.ReasonMaintenance)},
				{3 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "withdraw 192.0.2.53/32 fall"},
				{2 * sec, "drain 192.0.2.53/32 maintenance"},
				{3 * sec, "shutdown"},
				{3 * sec, "drain all shutdown"},
				{3 * sec, "drain returned <nil>"},
			},
			logs: []string{logNothing},
		},
		{
			name: "a prefix that becomes healthy during the drain is not announced",
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
				{2 * sec, to(p6, health.Healthy, health.ReasonRise)},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{8 * sec, "drain returned <nil>"},
			},
			logs: []string{logWaitGrace, logNotAnnounce, logLinger},
		},
		{
			name: "a fault during the drain withdraws at once",
			steps: append(healthy,
				step{1 * sec, stop},
				step{2 * sec, to(p4, health.Unhealthy, health.ReasonFall)},
			),
			want: append(announced,
				call{1 * sec, "shutdown"},
				call{1 * sec, "drain all shutdown"},
				call{2 * sec, "withdraw 192.0.2.53/32 fall"},
				call{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				call{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				call{8 * sec, "drain returned <nil>"},
			),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name: "stopped after the drain withdraws (the monitor's end)",
			steps: append(healthy,
				step{1 * sec, stop},
				step{9 * sec, to(p4, health.Stopped, health.ReasonStop)},
			),
			want: append(announced,
				call{1 * sec, "shutdown"},
				call{1 * sec, "drain all shutdown"},
				call{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				call{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				call{8 * sec, "drain returned <nil>"},
				call{9 * sec, "withdraw 192.0.2.53/32 stop"},
			),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name: "context ended during the grace period: return at once, withdraw nothing",
			steps: append(healthy,
				step{1 * sec, stop},
				step{3 * sec, cancel},
			),
			want: append(announced,
				call{1 * sec, "shutdown"},
				call{1 * sec, "drain all shutdown"},
				call{3 * sec, "drain returned anycast: drain cut short in the grace period: context canceled"},
			),
			logs: []string{logWaitGrace},
		},
		{
			name: "context ended during the linger period: return at once",
			steps: append(healthy,
				step{1 * sec, stop},
				step{7 * sec, cancel},
			),
			want: append(announced,
				call{1 * sec, "shutdown"},
				call{1 * sec, "drain all shutdown"},
				call{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				call{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				call{7 * sec, "drain returned anycast: drain cut short in the linger period: context canceled"},
			),
			logs: []string{logWaitGrace, logLinger},
		},
		{
			name:  "zero grace and linger: withdraw and return at once",
			setup: setup{cfg: &Config{}},
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{1 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{1 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{1 * sec, "drain returned <nil>"},
			},
			logs: []string{logWaitGrace, logLinger},
		},
	})
}

// Failed decisions during the drain are logged; the drain goes on.
func TestControllerDrainErrors(t *testing.T) {
	runCases(t, []controllerCase{
		{
			name:  "a failed drain is logged; the withdrawal follows the grace period",
			setup: setup{fail: map[string]error{"drain": errBoom}},
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{8 * sec, "drain returned <nil>"},
			},
			logs: []string{logDrainErr, logWaitGrace, logLinger},
		},
		{
			name:  "failed withdrawals are logged, one line per prefix",
			setup: setup{fail: map[string]error{"withdraw": errBoom}},
			steps: []step{
				{0, to(p4, health.Healthy, health.ReasonRise)},
				{1 * sec, stop},
			},
			want: []call{
				{0, "announce 192.0.2.53/32 rise"},
				{1 * sec, "shutdown"},
				{1 * sec, "drain all shutdown"},
				{6 * sec, "withdraw 192.0.2.53/32 shutdown"},
				{6 * sec, "withdraw 2001:db8::53/128 shutdown"},
				{8 * sec, "drain returned <nil>"},
			},
			logs: []string{logWaitGrace, logWithdrawErr, logWithdrawErr, logLinger},
		},
	})
}

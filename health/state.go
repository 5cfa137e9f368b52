package health

import "time"

// State is the health state of one prefix.
type State uint8

// The states of a prefix. Only Healthy may be announced; Draining is
// announced with the GRACEFUL_SHUTDOWN community (RFC 8326) by the caller
// until it withdraws.
const (
	// Starting: the prefix has never been announced since the process
	// started (zones not all loaded yet, or fewer than Rise passes).
	Starting State = iota
	// Healthy: Rise consecutive probe rounds passed; announce.
	Healthy
	// Unhealthy: Fall consecutive rounds failed, or the probe loop stalled,
	// after having been Healthy; withdraw.
	Unhealthy
	// Draining: the operator's maintenance switch is on, a zone is not
	// fresh, or the process is shutting down; shift traffic away, then
	// withdraw.
	Draining
	// Stopped: the monitor has stopped; final.
	Stopped
)

// States lists every State in order, for metrics and tests.
var States = [...]State{Starting, Healthy, Unhealthy, Draining, Stopped}

// String returns the lower-case name of s, as used in logs and metrics.
func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Healthy:
		return "healthy"
	case Unhealthy:
		return "unhealthy"
	case Draining:
		return "draining"
	case Stopped:
		return "stopped"
	}
	return "invalid"
}

// Announce reports whether a prefix in state s should be announced
// (without the graceful-shutdown community).
func (s State) Announce() bool { return s == Healthy }

// Reason says why a transition happened. Its values form a closed set, so it
// is safe as a metrics label.
type Reason string

// The reasons for a transition.
const (
	// ReasonRise: Rise consecutive probe rounds passed.
	ReasonRise Reason = "rise"
	// ReasonFall: Fall consecutive probe rounds failed.
	ReasonFall Reason = "fall"
	// ReasonProbeStall: no probe result for more than StallIntervals
	// intervals; the probe loop itself is stuck.
	ReasonProbeStall Reason = "probe-stall"
	// ReasonMaintenance: the maintenance switch (file or admin endpoint)
	// was turned on.
	ReasonMaintenance Reason = "maintenance"
	// ReasonShutdown: the process is shutting down (SIGTERM).
	ReasonShutdown Reason = "shutdown"
	// ReasonUndrain: the maintenance switch was turned off; the prefix must
	// pass Rise rounds again before it is announced.
	ReasonUndrain Reason = "undrain"
	// ReasonStale: a zone stopped being fresh (expired, lagging behind its
	// primary for longer than allowed, or its signatures about to expire).
	ReasonStale Reason = "stale"
	// ReasonFresh: every zone is fresh again; the prefix must pass Rise
	// rounds again before it is announced.
	ReasonFresh Reason = "fresh"
	// ReasonStop: the monitor stopped.
	ReasonStop Reason = "stop"
)

// Reasons lists every Reason, for metrics and tests.
var Reasons = [...]Reason{ReasonRise, ReasonFall, ReasonProbeStall, ReasonMaintenance, ReasonShutdown, ReasonUndrain, ReasonStale, ReasonFresh, ReasonStop}

// Transition records one change of state.
type Transition struct {
	From, To State
	Reason   Reason
	At       time.Time
}

package health

import "time"

// Kind is the kind of an [Observation].
type Kind uint8

// The kinds of observation a [Machine] consumes.
const (
	// Pass: one probe round passed (every zone's SOA, on every service
	// address, answered NOERROR with AA and the loaded serial).
	Pass Kind = iota
	// Fail: one probe round failed.
	Fail
	// Tick: only time has passed. Ticks let the machine notice a probe
	// loop that stopped reporting.
	Tick
	// ZonesLoaded: every configured zone has loaded. Passes before it do
	// not count towards Rise.
	ZonesLoaded
	// MaintenanceOn: the operator's maintenance switch is on.
	MaintenanceOn
	// MaintenanceOff: the operator's maintenance switch is off.
	MaintenanceOff
	// StaleOn: a zone this node serves is no longer fresh (expired, lagging
	// behind its primary, or its signatures about to expire): the node must
	// leave the anycast before it serves stale or bogus data.
	StaleOn
	// StaleOff: every zone is fresh again.
	StaleOff
	// Shutdown: the process is shutting down; there is no way back.
	Shutdown
	// Stop: the monitor stops; the machine becomes Stopped for good.
	Stop
)

// String returns the name of k.
func (k Kind) String() string {
	switch k {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Tick:
		return "tick"
	case ZonesLoaded:
		return "zones-loaded"
	case MaintenanceOn:
		return "maintenance-on"
	case MaintenanceOff:
		return "maintenance-off"
	case StaleOn:
		return "stale-on"
	case StaleOff:
		return "stale-off"
	case Shutdown:
		return "shutdown"
	case Stop:
		return "stop"
	}
	return "invalid"
}

// Observation is one input to a [Machine].
type Observation struct {
	Kind Kind
}

// Machine is the health state machine of one prefix. It is a value: Observe
// returns the next machine and leaves the receiver unchanged, so the machine
// is a pure function of its observations and their times.
type Machine struct {
	cfg         Config
	state       State
	passes      int       // consecutive passes counted towards Rise
	fails       int       // consecutive failures counted towards Fall
	zonesLoaded bool      // every configured zone has loaded
	maintenance bool      // the maintenance switch is on
	stale       bool      // a zone is not fresh
	shutdown    bool      // the process is shutting down
	announced   bool      // the machine has been Healthy at least once
	lastProbe   time.Time // time of the last probe result, or of the start
}

// NewMachine returns a machine in state Starting at time now. Zero fields of
// cfg take their defaults.
func NewMachine(cfg Config, now time.Time) Machine {
	return Machine{cfg: cfg.WithDefaults(), state: Starting, lastProbe: now}
}

// State returns the current state.
func (m Machine) State() State { return m.state }

// Passes returns the number of consecutive passes counted towards Rise.
func (m Machine) Passes() int { return m.passes }

// Fails returns the number of consecutive failures counted towards Fall.
func (m Machine) Fails() int { return m.fails }

// WithConfig returns the machine with the thresholds of cfg (zero fields take
// their defaults), keeping its state and what it has counted: a reload of the
// configuration lowering rise to the passes already counted makes the next pass
// a transition.
func (m Machine) WithConfig(cfg Config) Machine {
	m.cfg = cfg.WithDefaults()
	return m
}

// Stalled reports whether, at time now, the probe loop has been silent for
// longer than the configured stall bound.
func (m Machine) Stalled(now time.Time) bool {
	return now.Sub(m.lastProbe) > m.cfg.StallAfter()
}

// Observe returns the machine after observation obs at time now, and the
// transition it caused, or nil when the state did not change.
func (m Machine) Observe(obs Observation, now time.Time) (Machine, *Transition) {
	if m.state == Stopped {
		return m, nil
	}
	from := m.state
	var reason Reason
	switch obs.Kind {
	case Pass:
		m.lastProbe = now
		m.fails = 0
		if m.zonesLoaded && m.passes < m.cfg.Rise {
			m.passes++
		}
		if m.passes >= m.cfg.Rise && m.servable() && m.state != Healthy {
			m.state, reason = Healthy, ReasonRise
			m.announced = true
		}
	case Fail:
		m.lastProbe = now
		m.passes = 0
		if m.fails < m.cfg.Fall {
			m.fails++
		}
		if m.fails >= m.cfg.Fall && m.state == Healthy {
			m.state, reason = Unhealthy, ReasonFall
		}
	case Tick:
		if m.Stalled(now) {
			// A stuck probe loop proves nothing about the listeners:
			// forget the passes and leave Healthy at once.
			m.passes = 0
			if m.state == Healthy {
				m.state, reason = Unhealthy, ReasonProbeStall
			}
		}
	case ZonesLoaded:
		m.zonesLoaded = true
	case MaintenanceOn:
		m.maintenance = true
		m, reason = m.drain(ReasonMaintenance)
	case MaintenanceOff:
		m.maintenance = false
		m, reason = m.undrain(ReasonUndrain)
	case StaleOn:
		m.stale = true
		m, reason = m.drain(ReasonStale)
	case StaleOff:
		m.stale = false
		m, reason = m.undrain(ReasonFresh)
	case Shutdown:
		m.shutdown = true
		if m.state != Draining {
			m.state, reason = Draining, ReasonShutdown
		}
	case Stop:
		m.state, reason = Stopped, ReasonStop
	}
	if m.state == from {
		return m, nil
	}
	return m, &Transition{From: from, To: m.state, Reason: reason, At: now}
}

// drain moves the machine to Draining for reason, unless it is there already.
// A prefix never announced drains too: Draining keeps it unannounced, and
// leaving Draining brings it back through Rise passes like any other.
func (m Machine) drain(reason Reason) (Machine, Reason) {
	if m.state == Draining {
		return m, ""
	}
	m.state = Draining
	return m, reason
}

// undrain leaves Draining for reason once nothing keeps the prefix there (the
// maintenance switch, a stale zone, a shutdown): back into service only
// through Rise fresh passes; a prefix never announced is Starting again.
func (m Machine) undrain(reason Reason) (Machine, Reason) {
	if m.state != Draining || m.shutdown || m.maintenance || m.stale {
		return m, ""
	}
	m.passes, m.fails = 0, 0
	m.state = Unhealthy
	if !m.announced {
		m.state = Starting
	}
	return m, reason
}

// servable reports whether nothing but the probes keeps the prefix from being
// announced.
func (m Machine) servable() bool {
	return m.zonesLoaded && !m.maintenance && !m.stale && !m.shutdown
}

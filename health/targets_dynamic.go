package health

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// newLoop returns the loop of target t, Starting.
func (m *Monitor) newLoop(t Target) *prefixLoop {
	pl := &prefixLoop{target: t, name: t.Prefix.String(), wake: make(chan struct{}, 1)}
	pl.status = PrefixStatus{Prefix: t.Prefix, State: Starting, StateName: Starting.String()}
	m.metrics.setState(pl.name, Starting)
	return pl
}

// startLoop runs pl under Run's context; m.loopsMu is held.
func (m *Monitor) startLoop(pl *prefixLoop) {
	ctx, cancel := context.WithCancel(m.runCtx)
	pl.cancel, pl.done = cancel, make(chan struct{})
	m.running.Add(1)
	go func() {
		defer m.running.Done()
		defer close(pl.done)
		m.runPrefix(ctx, pl)
	}()
}

// loopList returns the prefix loops, in configuration order.
func (m *Monitor) loopList() []*prefixLoop {
	m.loopsMu.Lock()
	defer m.loopsMu.Unlock()
	return slices.Clone(m.loops)
}

// AddTarget starts watching a new service prefix, for a reload of the
// configuration that added it: it starts Starting, as at start-up, and is
// reported Healthy (and so announced) only after health.rise passing rounds,
// with every switch (zones loaded, maintenance, freshness) applied as for the
// others. A prefix already watched, one without an address, or a monitor that
// stopped is an error.
func (m *Monitor) AddTarget(t Target) error {
	if !t.Prefix.IsValid() || len(t.Addrs) == 0 {
		return fmt.Errorf("health: target %v: needs a valid prefix and at least one address", t.Prefix)
	}
	m.loopsMu.Lock()
	defer m.loopsMu.Unlock()
	if slices.ContainsFunc(m.loops, func(pl *prefixLoop) bool { return pl.target.Prefix == t.Prefix }) {
		return fmt.Errorf("health: prefix %v is watched already", t.Prefix)
	}
	if m.runCtx != nil && (m.runCtx.Err() != nil || m.switches().stopped) {
		return errors.New("health: the monitor has stopped")
	}
	pl := m.newLoop(Target{Prefix: t.Prefix, Addrs: slices.Clone(t.Addrs)})
	m.loops = append(m.loops, pl)
	if m.runCtx != nil {
		m.startLoop(pl)
	}
	return nil
}

// RemoveTarget stops watching prefix, for a reload of the configuration that
// removed it: its loop ends with a transition to Stopped (reported, so that the
// policy withdraws the prefix) before RemoveTarget returns, and its metrics are
// deleted. The last prefix cannot be removed (a monitor watches at least one).
func (m *Monitor) RemoveTarget(prefix netip.Prefix) error {
	m.loopsMu.Lock()
	i := slices.IndexFunc(m.loops, func(pl *prefixLoop) bool { return pl.target.Prefix == prefix })
	switch {
	case i < 0:
		m.loopsMu.Unlock()
		return fmt.Errorf("health: prefix %v is not watched", prefix)
	case len(m.loops) == 1:
		m.loopsMu.Unlock()
		return fmt.Errorf("health: prefix %v is the last one watched", prefix)
	}
	pl := m.loops[i]
	m.loops = slices.Delete(slices.Clone(m.loops), i, i+1)
	m.loopsMu.Unlock()
	if pl.cancel != nil {
		pl.cancel()
		<-pl.done
	}
	labels := prometheus.Labels{"prefix": pl.name}
	m.metrics.state.DeletePartialMatch(labels)
	m.metrics.transitions.DeletePartialMatch(labels)
	m.metrics.probes.DeletePartialMatch(labels)
	return nil
}

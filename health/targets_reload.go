package health

import (
	"fmt"
	"slices"
)

// currentTarget returns the prefix and the addresses to probe now.
func (pl *prefixLoop) currentTarget() Target {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return Target{Prefix: pl.target.Prefix, Addrs: pl.target.Addrs}
}

// SetAddrs replaces the addresses probed for each prefix, for a reload of the
// configuration that changed the listen addresses: targets must name exactly the
// prefixes of the monitor (AddTarget and RemoveTarget change those). A target
// without an address keeps the addresses it had: a prefix no new listen address
// serves is one the same reload removes (the configuration is validated so). A
// probe round under way finishes on the addresses it started with; the next one
// probes the new ones. The state of each prefix carries on: a prefix announced
// stays announced while its new addresses pass.
func (m *Monitor) SetAddrs(targets []Target) error {
	loops := m.loopList()
	if len(targets) != len(loops) {
		return fmt.Errorf("health: %d targets for %d prefixes; the prefixes change by AddTarget and RemoveTarget", len(targets), len(loops))
	}
	for _, pl := range loops {
		i := slices.IndexFunc(targets, func(t Target) bool { return t.Prefix == pl.target.Prefix })
		if i < 0 {
			return fmt.Errorf("health: no target for prefix %v; the prefixes change by AddTarget and RemoveTarget", pl.target.Prefix)
		}
	}
	for _, pl := range loops {
		i := slices.IndexFunc(targets, func(t Target) bool { return t.Prefix == pl.target.Prefix })
		if len(targets[i].Addrs) == 0 {
			continue
		}
		pl.mu.Lock()
		pl.target.Addrs = slices.Clone(targets[i].Addrs)
		pl.mu.Unlock()
	}
	return nil
}

// config returns the configuration in use.
func (m *Monitor) config() *Config { return m.cfg.Load() }

// SetConfig replaces the monitor's configuration, for a reload: every prefix
// keeps its state and the passes or failures it counted, and takes the new
// rise, fall, interval, tcp-every, stall-intervals and maintenance file from its
// next observation (each loop is woken). Zero fields take their defaults; a
// configuration that does not validate changes nothing.
func (m *Monitor) SetConfig(cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	m.cfg.Store(&cfg)
	m.update(func(*switches) {}) // wake every loop
	return nil
}

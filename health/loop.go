package health

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// runPrefix owns one prefix's Machine: it feeds it probe results, watchdog
// ticks and switch changes until the machine is Stopped.
func (m *Monitor) runPrefix(ctx context.Context, pl *prefixLoop) {
	probeCtx, cancel := context.WithCancel(ctx)
	results := make(chan error)
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		m.probeLoop(probeCtx, pl, results)
	}()
	defer func() {
		cancel()
		<-probeDone
	}()

	cfg := m.config()
	mach := NewMachine(*cfg, time.Now())
	pl.mu.Lock()
	pl.status.Since = time.Now()
	pl.mu.Unlock()
	var seen switches // the switches the machine has been told about
	observe := func(obs Observation, probeErr error) {
		var tr *Transition
		mach, tr = mach.Observe(obs, time.Now())
		pl.mu.Lock()
		if obs.Kind == Pass {
			pl.status.LastError = ""
		} else if probeErr != nil {
			pl.status.LastError = probeErr.Error()
		}
		if tr != nil {
			pl.status.State, pl.status.StateName = tr.To, tr.To.String()
			pl.status.Since, pl.status.Reason = tr.At, tr.Reason
		}
		pl.mu.Unlock()
		if tr != nil {
			m.report(pl, *tr, probeErr)
		}
	}
	apply := func(sw switches) {
		if sw.zonesLoaded && !seen.zonesLoaded {
			observe(Observation{Kind: ZonesLoaded}, nil)
		}
		if sw.maintenance() != seen.maintenance() {
			if sw.maintenance() {
				observe(Observation{Kind: MaintenanceOn}, nil)
			} else {
				observe(Observation{Kind: MaintenanceOff}, nil)
			}
		}
		if (sw.stale != "") != (seen.stale != "") {
			if sw.stale != "" {
				observe(Observation{Kind: StaleOn}, errors.New(sw.stale))
			} else {
				observe(Observation{Kind: StaleOff}, nil)
			}
		}
		if sw.shutdown && !seen.shutdown {
			observe(Observation{Kind: Shutdown}, nil)
		}
		if sw.stopped && !seen.stopped {
			observe(Observation{Kind: Stop}, nil)
		}
		seen = sw
	}

	watchdog := time.NewTicker(cfg.Interval)
	defer watchdog.Stop()
	apply(m.switches())
	for mach.State() != Stopped {
		if c := m.config(); c != cfg { // SetConfig: new thresholds, same state and counts
			cfg = c
			mach = mach.WithConfig(*c)
			watchdog.Reset(c.Interval)
		}
		select {
		case err := <-results:
			m.metrics.probe(pl.name, err)
			if err == nil {
				observe(Observation{Kind: Pass}, nil)
			} else {
				observe(Observation{Kind: Fail}, err)
			}
		case <-watchdog.C:
			if mach.Stalled(time.Now()) {
				observe(Observation{Kind: Tick}, errors.New("probe loop stalled"))
			} else {
				observe(Observation{Kind: Tick}, nil)
			}
		case <-pl.wake:
			apply(m.switches())
		case <-ctx.Done():
			observe(Observation{Kind: Stop}, nil)
		}
	}
}

// probeLoop runs one probe round at once and then every interval, sending
// each round's result on results. A round that hangs delays the next one;
// the watchdog in runPrefix notices the silence.
func (m *Monitor) probeLoop(ctx context.Context, pl *prefixLoop, results chan<- error) {
	interval := m.config().Interval
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for round := 0; ; round++ {
		if i := m.config().Interval; i != interval { // SetConfig
			interval = i
			ticker.Reset(i)
		}
		// The addresses of this round: SetAddrs may change them between rounds.
		err := m.probeRound(ctx, pl.currentTarget(), round)
		select {
		case results <- err:
		case <-ctx.Done():
			return
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
}

// probeRound probes every address of t over UDP and, every TCPEvery-th
// round, over TCP too. It returns the first failure. A round that outlives
// the stall bound is cut off one interval later, after the watchdog has
// already declared the stall.
func (m *Monitor) probeRound(ctx context.Context, t Target, round int) error {
	cfg := m.config()
	ctx, cancel := context.WithTimeout(ctx, cfg.StallAfter()+cfg.Interval)
	defer cancel()
	for _, addr := range t.Addrs {
		if err := m.probe(ctx, "udp", addr); err != nil {
			return err
		}
		if round%cfg.TCPEvery == 0 {
			if err := m.probe(ctx, "tcp", addr); err != nil {
				return err
			}
		}
	}
	return nil
}

// report logs, counts and hands on one transition.
func (m *Monitor) report(pl *prefixLoop, tr Transition, cause error) {
	m.metrics.transition(pl.name, tr)
	fields := []zap.Field{
		zap.String("prefix", pl.name),
		zap.Stringer("from", tr.From),
		zap.Stringer("to", tr.To),
		zap.String("reason", string(tr.Reason)),
	}
	if cause != nil {
		fields = append(fields, zap.NamedError("cause", cause))
	}
	if tr.To == Unhealthy {
		m.log.Warn("health transition", fields...)
	} else {
		m.log.Info("health transition", fields...)
	}
	if m.onTrans != nil {
		m.onTrans(Event{Prefix: pl.target.Prefix, Transition: tr})
	}
}

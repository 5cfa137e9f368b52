// Package health decides, per anycast service prefix, whether this node may
// announce the prefix: it probes the node's own DNS listeners over the
// network exactly as a client would, applies hysteresis, and tracks the
// readiness and drain states.
//
// The decision is split in two layers:
//
//   - [Machine] is a pure state machine: a value whose [Machine.Observe]
//     method maps (state, observation, time) to the next state and, when the
//     state changes, a [Transition] carrying its [Reason]. It does no I/O and
//     reads no clock, so it is tested exhaustively.
//   - [Monitor] runs one loop per prefix: it probes the prefix's service
//     addresses with a [Prober] every [Config.Interval], feeds the results and
//     the operator's switches (maintenance file, admin endpoint, shutdown) to
//     the prefix's Machine, reports every transition to a callback, logs it
//     and exports it as Prometheus metrics.
//
// A typical wiring, in cmd/anycastdns (loadedSerial looks the origin up in
// the published zone set):
//
//	mon, err := health.NewMonitor(cfg, targets, health.MonitorOptions{
//		Probe:        (&health.Prober{Zones: origins, Serial: loadedSerial}).Probe,
//		Logger:       log,
//		Registerer:   reg,
//		// package anycast's Controller: announce, drain or withdraw ev.Prefix
//		OnTransition: func(ev health.Event) { ctrl.OnTransition(ev) },
//	})
//	go mon.Run(ctx)
//	mon.ZonesLoaded()            // after every configured zone loaded
//	adminMux.Handle("/admin/", mon.AdminHandler())
//	// on SIGTERM:
//	mon.Shutdown()
//
// States (see [State]): a prefix starts in [Starting] and is never announced
// before every configured zone has loaded and the probes have passed
// [Config.Rise] consecutive times. [Config.Fall] consecutive failures, or a
// probe loop that stops reporting for more than [Config.StallIntervals]
// intervals, make it [Unhealthy]. The maintenance switch and shutdown make it
// [Draining]; [Stopped] is final.
package health

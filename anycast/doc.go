// Package anycast is the node's anycast policy: it turns the health of each
// service prefix into BGP decisions, and it times the drain that precedes a
// stop. It knows neither DNS nor BGP messages: the health monitor (package
// health) reports transitions, and a [Speaker] (package announce) sends them.
//
// Each health transition of a prefix becomes one decision:
//
//   - Healthy announces the prefix.
//   - Unhealthy, Starting and Stopped withdraw it at once.
//   - Draining (the maintenance switch) re-announces it with the
//     GRACEFUL_SHUTDOWN community 65535:0 (RFC 8326), so that routers lower
//     its local preference and move traffic to other nodes while the route is
//     still there, and withdraws it [Config.Grace] later, unless the prefix
//     left Draining meanwhile: any transition cancels a pending withdrawal.
//
// A stop follows the order of the architecture, in [Controller.Drain]: every
// prefix goes Draining through the monitor, every announced prefix is
// re-announced with GRACEFUL_SHUTDOWN, all are withdrawn after the grace
// period, and the node keeps answering for [Config.Linger], because routers
// converge one by one and queries may still arrive. From the start of the
// drain on, no prefix is announced again. When nothing was announced there is
// nothing to wait for. The caller closes the DNS listeners only after Drain
// returns: a node never stops answering while a route still points at it.
//
// The policy waits on timers and never sleeps: a drain ends early when its
// context does, and the tests run it on the fake clock of testing/synctest.
//
//	var ctrl *anycast.Controller
//	mon, err := health.NewMonitor(hcfg, targets, health.MonitorOptions{
//		Probe:        prober.Probe,
//		OnTransition: func(ev health.Event) { ctrl.OnTransition(ev) },
//	})
//	sp, err := announce.New(acfg, announce.Options{Logger: log})
//	ctrl, err = anycast.New(anycast.DefaultConfig(), anycast.Options{Speaker: sp, Monitor: mon, Logger: log})
//	sp.Start(ctx)
//	go mon.Run(ctx)
//	// on SIGTERM:
//	err = ctrl.Drain(drainCtx) // GRACEFUL_SHUTDOWN, grace, withdraw, linger
//	mon.Stop()
//	sp.Stop(ctx)               // Cease to every peer
//	// then close the DNS listeners
package anycast

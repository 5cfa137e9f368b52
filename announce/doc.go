// Package announce is the node's BGP speaker: an embedded GoBGP v3 server
// that dials the PoP's routers and announces or withdraws the anycast service
// prefixes as the health decision says. It knows nothing about DNS.
//
// The speaker only dials out (no BGP listener, no gRPC API). Every prefix is
// announced with next-hop self, the configured communities, AS-path prepends
// and MED, so an operator can make a node a backup. A drain re-announces the
// prefixes with the GRACEFUL_SHUTDOWN community 65535:0 (RFC 8326) so that
// routers move traffic to the other nodes before the withdrawal.
//
//	sp, err := announce.New(cfg, announce.Options{Logger: log, Level: level, Registerer: reg})
//	if err := sp.Start(ctx); err != nil { … }
//	sp.Announce(prefix, "rise")          // healthy
//	sp.Withdraw(prefix, "fall")          // unhealthy
//	sp.Drain("shutdown")                 // SIGTERM: 65535:0 on every announced prefix
//	// … the grace period (package anycast times it) …
//	sp.Withdraw(prefix, "shutdown")
//	sp.Stop(ctx)                         // Cease to every peer
//
// Announce, Withdraw and Drain are idempotent; each decision that changes
// what is announced is logged with its reason and counted. Package anycast
// decides when to call them.
package announce

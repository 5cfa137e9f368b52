// Package transfer moves zones between servers, the fleet's distribution engine:
// zone transfers in and out (AXFR, RFC 5936; IXFR, RFC 1995), change notification
// (NOTIFY, RFC 1996), transaction signatures (TSIG, RFC 8945) and the access lists
// that name who may notify and who may transfer, SOA checks on the timers of the
// zone's SOA record, copies of received zones persisted across restarts, and
// catalog zones (RFC 9432) that add and remove member zones fleet-wide.
//
// It hands each new version of a zone to package zone, which checks, compiles and
// publishes it; it knows nothing of how answers are computed, nor of BGP. What it
// knows of a zone's freshness (its serial, the primary's serial, its expiry) it
// reports for the health checks to decide whether the node may stay announced.
package transfer

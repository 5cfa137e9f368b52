// Package server is the wire path of anycastdns: UDP and TCP listeners on IPv4 and
// IPv6, the accept rules, EDNS(0) (RFC 6891), truncation, the NSID (RFC 5001) and
// CHAOS identity answers, REFUSED outside our zones, and per-query metrics.
//
// It knows how to turn a zone.Answer into a DNS message, not how zones are parsed,
// and nothing about BGP.
package server

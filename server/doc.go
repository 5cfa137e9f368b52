// Package server is the wire path of anycastdns: UDP and TCP listeners on IPv4 and
// IPv6, the accept rules, EDNS(0) (RFC 6891), truncation, the NSID (RFC 5001) and
// CHAOS identity answers, DNS cookies (RFC 7873, RFC 9018), Extended DNS Errors
// (RFC 8914), REFUSED outside our zones, and per-query metrics.
//
// It knows how to turn a zone.Answer into a DNS message, not how zones are parsed,
// and nothing about BGP.
//
// A typical use:
//
//	var store zone.Store
//	store.Publish(set) // a *zone.Set of compiled zones
//	reg := prometheus.NewRegistry()
//	s, err := server.New(server.Config{
//		Listen:   []string{"0.0.0.0:53", "[::]:53"},
//		Identity: "fra1.example.net", // hostname.bind, id.server and NSID
//		NSID:     true,
//	}, &store, server.Options{Metrics: server.NewMetrics(reg), Logger: logger})
//	// handle err
//	if err := s.Start(); err != nil { ... } // every listener is open on return
//	...
//	store.Publish(newSet) // a reload: queries in flight keep the old set
//	...
//	s.Shutdown(ctx) // stops reading, answers what was read, closes
//
// The query path is one function of bytes to bytes (respond), shared by the UDP
// readers and the TCP connections (one goroutine per pipelined query, bounded per
// connection). Each UDP address has one socket per CPU, bound with SO_REUSEPORT on
// Linux, and one reader per socket that moves datagrams in batches (recvmmsg and
// sendmmsg) with memory allocated once. A reply to a query sent to a wildcard bind
// leaves from the address the query was sent to (IP_PKTINFO, IPV6_PKTINFO), which
// is what anycast needs.
//
// Replies to standard queries in class IN are written straight into the output
// buffer from the wire forms the zone compiled (fast.go, writer.go): no dns.Msg,
// no allocation, names compressed against a small table. Everything else, and any
// reply that path cannot write, is packed with miekg/dns (respond.go), which
// decides the same way; a differential fuzz target holds the two together.
//
// Decisions, each cited where it is made:
//   - no reply at all to a message shorter than a header or with QR set;
//     FORMERR when the rest does not parse or QDCOUNT is not 1; NOTIMP for an
//     opcode other than QUERY; BADVERS for an EDNS version above 0;
//   - class IN (and QCLASS *) from the zones; class CH for hostname.bind,
//     id.server, version.bind and version.server TXT; REFUSED for anything else,
//     for names outside our zones;
//   - NOTIFY, AXFR, IXFR and any message with a TSIG record go to Options.Transfers
//     (package transfer) when it is set, with the client's address; without it AXFR
//     and IXFR are REFUSED and NOTIFY is NOTIMP;
//   - UDP replies fit the requestor's EDNS size capped by Config.UDPSize (512
//     without EDNS, never less); what does not fit is dropped by whole RRsets from
//     the end, with TC set unless only additional data other than in-domain glue
//     went (RFC 9471);
//   - a query with a client cookie gets a server cookie (RFC 7873, RFC 9018,
//     cookie.go) made with Config.Cookies' secret, shared by the fleet; cookies are
//     never required; a malformed COOKIE option is FORMERR;
//   - refusals and a zone without data carry an Extended DNS Error (RFC 8914,
//     ede.go) when the query had EDNS.
package server

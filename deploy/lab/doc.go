// Package lab is the routed anycast lab: it proves, with the real anycastdns binary and
// a real BGP router, that a node announces its service prefixes only while it answers.
//
// The lab is a Go test (lab_test.go, Linux only, root only), run twice: TestLab with
// BIRD 2 as the router, TestLabFRR with FRR 8.4 (zebra and bgpd started by hand in the
// router namespace, in a pathspace of their own). Both run the same scenarios with the
// same assertions: they see the router only through the router interface
// (router_linux_test.go). It builds network namespaces:
//
//	client ── router (BIRD 2 or FRR) ─┬─ pop-a: anycastdns, AS 65001, preferred
//	                           ├─ pop-b: anycastdns, AS 65001, AS path prepended twice
//	                           └─ primary: knotd, the hidden primary of both PoPs
//
// Both PoPs put the same anycast addresses, 198.51.100.53/32 and 2001:db8:53::53/128, on
// their loopback and peer with the router over one IPv4 and one IPv6 eBGP session each.
// The router installs the best route into its kernel table; its import filter accepts only
// the anycast prefixes and honours the GRACEFUL_SHUTDOWN community (RFC 8326) by lowering
// local preference to 0.
//
// From the client namespace the lab sends "hostname.bind CH TXT" and an SOA query carrying
// the NSID option (RFC 5001) to both anycast addresses at a fixed rate, and records which
// node answered each query and which were lost. It then breaks PoP A in the ways the
// issue lists (blackholed listener, SIGTERM drain, SIGKILL, SIGSTOP, recovery, an
// IPv6-only fault), restarts the router and flaps PoP A's link while both nodes run
// (restart_linux_test.go: the time from the fault clearing until PoP A answers again),
// prints a markdown table of failover time and losses, and draws one SVG timeline per
// scenario. Each PoP runs with its identity as its host name (its own UTS namespace),
// which its BGP speaker advertises in the hostname capability; the lab asserts that
// the router shows it.
//
// The PoPs serve the lab's zone, and a catalog zone (RFC 9432), as secondaries of a hidden
// primary, Knot in its own namespace: TSIG on every message, transfers from each PoP's
// unicast address on its link, NOTIFY from the primary to that address. The fleet
// scenarios measure the publication latency (a change on the primary until every PoP
// answers the new serial), cut the primary off from PoP A past the SOA expire (PoP A
// leaves, PoP B takes the traffic) and restore it (PoP A transfers and returns), and add
// zones to the catalog (every PoP answers them).
//
// Run it as root:
//
//	go test -count=1 -v -run '^TestLab(FRR)?$' ./deploy/lab
//
// The PoPs run a binary built from this tree, or ANYCASTDNS_LAB_BIN when it is set. With
// ANYCASTDNS_LAB_RUNTIME=podman (`make lab LAB_RUNTIME=podman`) they run the image of
// deploy/Containerfile instead, ANYCASTDNS_LAB_IMAGE or one built from that binary: each
// in podman on its PoP's network namespace, read-only, as user 65532 with only
// CAP_NET_BIND_SERVICE, and the faults signal the container's anycastdns process.
// ANYCASTDNS_LAB_OUT names the folder for the table, the timelines and the logs of the
// router and both PoPs (default: a temporary folder removed after the test); TestLabFRR
// writes to that name with "-frr" appended. Without root the test is
// skipped, except under CI=true, where it fails. Every namespace and process it starts is
// removed when it ends, also on failure.
package lab

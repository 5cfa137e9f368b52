package lab

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Bounds and counts of the fleet scenarios (issue 11).
var (
	// A change on the primary is served by every PoP within a second (NOTIFY, RFC 1996,
	// then IXFR, RFC 1995).
	publicationBound = time.Second
	// A PoP cut off from its primary keeps serving while its copy is fresh, and leaves
	// before it expires: its copy is stale leaveMargin before the expire, the time the
	// node needs to leave (one health interval for the freshness check to notice, the
	// drain grace until the withdrawal, one interval of slack). It may not leave before
	// expire less one refresh (its last successful check was at most a refresh before
	// the cut), the jitter and the margin; it leaves at the first freshness check after
	// that, and the router moves the traffic on GRACEFUL_SHUTDOWN, before the copy
	// expires: no query meets its SERVFAIL.
	leaveMargin    = 2*healthInterval + drainGrace
	earliestLeave  = (expireSecs-refreshSecs-1)*time.Second - leaveMargin
	freshnessBound = expireSecs*time.Second - leaveMargin + healthInterval + time.Second
	// Restored, the PoP retries within the SOA retry (plus the transfer timeout), takes
	// the zone in, and announces as a started node does.
	restoreBound = (retrySecs+1)*time.Second + recoveryBound
	// A zone added to the catalog is answered by every PoP within seconds.
	catalogBound = 5 * time.Second
)

const (
	publications = 5 // zone changes measured in the publication scenario
	catalogAdds  = 3 // zones added to the catalog, one at a time
)

// nftPrimaryTable is the nftables table that cuts PoP A off from the primary.
const nftPrimaryTable = "anycastdns_lab_primary"

// fleetScenarios are issue 11's scenarios of the routed lab, after issue 3's: the PoPs
// as secondaries of the hidden primary.
func fleetScenarios() []scenario {
	return []scenario{
		{num: 8, slug: "publication", name: "publication latency",
			fault: fmt.Sprintf("%d zone changes on the primary (edit, knotc zone-reload)", publications),
			inject: func(t *testing.T, l *lab) {
				l.measure(t, publications, "on the new serial", func(t *testing.T) (string, uint32) {
					return zoneName, l.primary.publish(t)
				})
			},
			pre: time.Second, post: publications * 1200 * time.Millisecond,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					allFrom(t, r, fam, "pop-a")
				}
				measuredWithin(t, l, publications, "a zone change", publicationBound)
			}},
		{num: 9, slug: "freshness", name: "primary cut off past expire", fault: "nft drop primary in pop-a", to: "pop-b",
			inject: func(t *testing.T, l *lab) { l.cutPrimary(t) },
			// Recorded until past the expire, so that a query meeting it would show.
			pre: time.Second, post: expireSecs*time.Second + 2*time.Second,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					o := analyze(r, fam)
					if o.lost != 0 {
						t.Errorf("%s: the withdrawal lost %d of %d queries, want 0", fam, o.lost, o.sent)
					}
					if o.bad != 0 {
						t.Errorf("%s: %d bad answers, want 0: pop-a must leave before its copy expires and answers SERVFAIL", fam, o.bad)
					}
					if o.switched && o.switchAfter < earliestLeave {
						t.Errorf("%s: pop-b answered %v after the cut, want no sooner than %v: a primary that is down is no reason to leave while the copy is fresh", fam, o.switchAfter, earliestLeave)
					}
					switchedWithin(t, r, fam, freshnessBound)
				}
				l.routesOnly(t, "pop-b")
			}},
		{num: 10, slug: "restore", name: "primary restored", fault: "nft rules removed from pop-a", to: "pop-a",
			prepare: func(t *testing.T, l *lab) {
				l.cutPrimary(t)
				deadline := time.Now().Add(freshnessBound + 5*time.Second)
				for len(l.router.routes(anycast4+"/32")) != 1 || len(l.router.routes(anycast6+"/128")) != 1 {
					if time.Now().After(deadline) {
						t.Fatalf("pop-a cut off from its primary still announces after %v: %v %v", freshnessBound+5*time.Second,
							l.router.routes(anycast4+"/32"), l.router.routes(anycast6+"/128"))
					}
					time.Sleep(100 * time.Millisecond)
				}
				// A version pop-a misses: it comes back only after transferring it.
				start := time.Now()
				serial := l.primary.publish(t)
				if _, err := l.served(zoneName, serial, start, 5*time.Second, l.popB); err != nil {
					t.Fatal(err)
				}
			},
			inject:  func(t *testing.T, l *lab) { l.restorePrimary(t) },
			cleanup: func(t *testing.T, l *lab) { l.restorePrimary(t) },
			pre:     time.Second, post: restoreBound + 2*time.Second,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					if o := analyze(r, fam); o.lost != 0 {
						t.Errorf("%s: the return lost %d of %d queries, want 0 (pop-a must answer before it announces)", fam, o.lost, o.sent)
					}
					switchedWithin(t, r, fam, restoreBound)
				}
				if _, err := l.served(zoneName, l.primary.serial, time.Now(), time.Second, l.popA); err != nil {
					t.Errorf("after its return: %v", err)
				}
			}},
		{num: 11, slug: "catalog", name: "zone added to the catalog",
			fault: fmt.Sprintf("%d zones added to the primary's catalog, one at a time (knotc reload)", catalogAdds),
			inject: func(t *testing.T, l *lab) {
				n := len(l.primary.cfg.Members)
				l.measure(t, catalogAdds, "answering the new zone", func(t *testing.T) (string, uint32) {
					origin := fmt.Sprintf("m%d.lab.", n)
					n++
					l.primary.addMember(t, origin)
					return origin, 1
				})
			},
			pre: time.Second, post: catalogAdds * 2 * time.Second,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					allFrom(t, r, fam, "pop-a")
				}
				measuredWithin(t, l, catalogAdds, "a zone added to the catalog", catalogBound)
			}},
	}
}

// measure makes n changes on the primary, one at a time: change returns the zone it
// changed and the serial every PoP must then answer. It records, per change, the time
// from the change until the last PoP answered, in l.measured, and their spread as the
// record's figure.
func (l *lab) measure(t *testing.T, n int, what string, change func(*testing.T) (string, uint32)) {
	for i := 0; i < n; i++ {
		start := time.Now()
		origin, serial := change(t)
		per, err := l.served(origin, serial, start, 10*time.Second, l.popA, l.popB)
		if err != nil {
			t.Error(err)
			return
		}
		slowest := slices.Max([]time.Duration{per["pop-a"], per["pop-b"]})
		l.measured = append(l.measured, slowest)
		t.Logf("%s serial %d: pop-a after %s, pop-b after %s", origin, serial, ms(per["pop-a"]), ms(per["pop-b"]))
		time.Sleep(300 * time.Millisecond) // the changes apart, as an operator makes them
	}
	l.figure = "every PoP " + what + ": " + spread(l.measured)
}

// spread renders durations as "min 12 ms, median 15 ms, max 20 ms (5 changes)".
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("min %s, median %s, max %s (%d changes)", ms(s[0]), ms(s[len(s)/2]), ms(s[len(s)-1]), len(s))
}

// measuredWithin asserts that the scenario measured n changes, each served within bound.
func measuredWithin(t *testing.T, l *lab, n int, what string, bound time.Duration) {
	t.Helper()
	if len(l.measured) != n {
		t.Errorf("measured %d of %d changes", len(l.measured), n)
	}
	for i, d := range l.measured {
		if d > bound {
			t.Errorf("%s (%d of %d) reached every PoP after %v, want within %v", what, i+1, n, d, bound)
		}
	}
}

// cutPrimary drops every packet between PoP A and the primary, both ways, inside PoP A:
// its SOA checks fail and the primary's NOTIFYs do not arrive. Cutting again is a no-op.
func (l *lab) cutPrimary(t *testing.T) {
	t.Helper()
	_, _ = l.popA.ns.run("nft", "delete", "table", "inet", nftPrimaryTable)
	rules := fmt.Sprintf(`table inet %[1]s {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr %[2]s drop
	}
	chain output {
		type filter hook output priority 0; policy accept;
		ip daddr %[2]s drop
	}
}
`, nftPrimaryTable, linkPrimary.peer4)
	l.nftA(t, "cut-primary.nft", rules)
}

// restorePrimary removes the cut; it is a no-op when there is none.
func (l *lab) restorePrimary(t *testing.T) {
	t.Helper()
	_, _ = l.popA.ns.run("nft", "delete", "table", "inet", nftPrimaryTable)
}

// routesOnly asserts that the router holds the anycast prefixes from node only: the
// other PoP's paths left its RIB.
func (l *lab) routesOnly(t *testing.T, node string) {
	t.Helper()
	for _, p := range []string{anycast4 + "/32", anycast6 + "/128"} {
		rs := l.router.routes(p)
		if len(rs) != 1 || strings.TrimSuffix(rs[0], "*") != node {
			t.Errorf("router's routes for %s: %v, want only %s's", p, rs, node)
		}
	}
}

// unicastOf returns the PoP's unicast DNS address, where the lab asks it directly.
func (l *lab) unicastOf(p *pop) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(p.routerID), 53)
}

// served polls each of pops over its unicast address from the client namespace until
// it answers origin's SOA with serial or a later one (RFC 1982), authoritatively, and
// returns per PoP the time from since to its first such answer; an error when a PoP
// does not within bound.
func (l *lab) served(origin string, serial uint32, since time.Time, bound time.Duration, pops ...*pop) (map[string]time.Duration, error) {
	pc, err := listenPacketIn(l.client, "udp4", ":0")
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	byAddr := map[netip.Addr]*pop{}
	for _, p := range pops {
		byAddr[l.unicastOf(p).Addr()] = p
	}
	got := map[string]time.Duration{}
	q := new(dns.Msg)
	q.SetQuestion(origin, dns.TypeSOA)
	buf := make([]byte, 2048)
	deadline := since.Add(bound)
	for len(got) < len(pops) {
		if time.Now().After(deadline) {
			return got, fmt.Errorf("%s serial %d: answered by %v after %v, want every one of %d PoPs", origin, serial, got, bound, len(pops))
		}
		for _, p := range pops {
			if _, ok := got[p.name]; ok {
				continue
			}
			q.Id = dns.Id()
			b, err := q.Pack()
			if err != nil {
				return nil, err
			}
			_, _ = pc.WriteTo(b, net.UDPAddrFromAddrPort(l.unicastOf(p)))
		}
		_ = pc.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				break
			}
			now := time.Now()
			ua, _ := from.(*net.UDPAddr)
			if ua == nil {
				continue
			}
			addr, _ := netip.AddrFromSlice(ua.IP)
			p := byAddr[addr.Unmap()]
			m := new(dns.Msg)
			if p == nil || m.Unpack(buf[:n]) != nil || m.Rcode != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) == 0 {
				continue
			}
			if soa, ok := m.Answer[0].(*dns.SOA); ok && !serialBefore(soa.Serial, serial) {
				if _, seen := got[p.name]; !seen {
					got[p.name] = now.Sub(since)
				}
			}
		}
	}
	return got, nil
}

// serialBefore reports whether serial a precedes b in sequence space arithmetic
// (RFC 1982 section 3.2).
func serialBefore(a, b uint32) bool {
	return a != b && int32(b-a) > 0
}

package lab

import (
	"strings"
	"testing"
	"time"
)

// How long the router's faults last: the router is down for two seconds; the link
// stays down past the hold time, so that both ends have dropped the session by the
// time it comes back, whichever notices first.
const (
	routerDown = 2 * time.Second
	linkDown   = holdTime + time.Second
)

// reconnectBound is how soon after the fault clears PoP A must answer again: a PoP
// whose session fell to Idle is dialled again within connect-retry (its first dial
// comes within one to two intervals, as GoBGP spreads them), then the session opens
// and the router installs the route; a second more for the router's IPv6 link-local
// address after a link comes up (FRR refuses the session until it has one), and one
// for a busy machine.
var reconnectBound = 2*connectRetry + 3*time.Second

// routerScenarios are faults of the router's side while both nodes keep running: the
// router restarts, or PoP A's link flaps. Each measures from the moment the fault
// clears (the router starts again, the link comes up) until PoP A answers again
// through the anycast addresses.
func routerScenarios() []scenario {
	back := func(t *testing.T, _ *lab, r record) {
		for _, fam := range []string{"IPv4", "IPv6"} {
			switchedWithin(t, r, fam, reconnectBound)
		}
	}
	return []scenario{
		{num: 12, slug: "router-restart", name: "router restart", fault: "stop the router (SIGTERM), start it 2 s later",
			to: "pop-a", cleared: "router start",
			inject: func(t *testing.T, l *lab) {
				l.router.stop(t)
				time.Sleep(routerDown)
				l.cleared = time.Now()
				l.router.start(t)
			},
			pre: time.Second, post: routerDown + reconnectBound + 2*time.Second,
			check: func(t *testing.T, l *lab, r record) {
				back(t, l, r)
				// The router was really gone: its routes went with it.
				for _, fam := range []string{"IPv4", "IPv6"} {
					if o := analyze(r, fam); o.lost == 0 {
						t.Errorf("%s: no query lost while the router was stopped, want some (did it stop?)", fam)
					}
				}
			}},
		{num: 13, slug: "link-flap", name: "link flap", fault: "router's link to pop-a down, up 4 s later",
			to: "pop-a", cleared: "link up",
			inject: func(t *testing.T, l *lab) {
				l.routerNS.ip(t, "link", "set", linkA.routerIf, "down")
				time.Sleep(linkDown)
				l.cleared = time.Now()
				l.routerNS.ip(t, "link", "set", linkA.routerIf, "up")
			},
			// A link left down by a failed scenario would spoil the next baseline.
			cleanup: func(t *testing.T, l *lab) { l.routerNS.ip(t, "link", "set", linkA.routerIf, "up") },
			pre:     time.Second, post: linkDown + reconnectBound + 2*time.Second,
			check: func(t *testing.T, l *lab, r record) {
				back(t, l, r)
				if !sessionDropped(r) {
					t.Error("the router logged no session of pop-a going down while its link was down, want it to (the redial is what this measures)")
				}
				// While the link was down PoP B took the traffic.
				for _, fam := range []string{"IPv4", "IPv6"} {
					if o := analyze(r, fam); o.byNode["pop-b"] == 0 {
						t.Errorf("%s: pop-b answered nothing while pop-a's link was down, want it to take the traffic", fam)
					}
				}
			}},
	}
}

// sessionDropped reports whether the router logged one of PoP A's sessions going
// down between the fault and its clearing.
func sessionDropped(r record) bool {
	for _, e := range r.events {
		if e.kind == eventSession && strings.HasPrefix(e.label, "router: pop_a") && strings.HasSuffix(e.label, " down") &&
			!e.at.Before(r.faultAt) && !e.at.After(r.clearedAt) {
			return true
		}
	}
	return false
}

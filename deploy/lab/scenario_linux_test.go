package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scenario is one experiment: bring the lab to a known state, start the client, inject a
// fault into PoP A, keep measuring, then check what the client saw.
type scenario struct {
	num     int
	slug    string // for the timeline's file name
	name    string
	fault   string                 // what inject does, for the table and the timeline
	to      string                 // the node expected to answer after the fault ("" for none)
	cleared string                 // what ends the fault, when inject ends it itself and sets l.cleared
	only    string                 // the one address family the fault is meant to move ("" for both)
	prepare func(*testing.T, *lab) // default: baseline
	inject  func(*testing.T, *lab) // nil: no fault
	cleanup func(*testing.T, *lab) // runs even when the scenario fails
	pre     time.Duration          // measuring before the fault
	post    time.Duration          // measuring after it
	check   func(*testing.T, *lab, record)
}

// Bounds the lab asserts, from the issue.
var (
	// A blackholed listener is seen after fall failed rounds; then the withdrawal takes
	// at most a second to reach the client.
	blackholeBound = healthFall*healthInterval + time.Second
	// A dead process's BGP session closes with it: the router drops its routes at once.
	crashBound = time.Second
	// A hung process stops sending keepalives: the router drops it after the hold time.
	hangBound = holdTime + time.Second
	// A started node announces after rise passing rounds; then its BGP sessions open.
	recoveryBound = healthRise*healthInterval + 3*time.Second
)

// scenarios are issue 3's seven scenarios, in order; each starts from its own state, so
// one failing does not spoil the next.
func scenarios() []scenario {
	return []scenario{
		{num: 1, slug: "steady", name: "steady state", fault: "none", post: 2 * time.Second,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					allFrom(t, r, fam, "pop-a")
				}
				l.hostnames(t)
			}},
		{num: 2, slug: "blackhole", name: "listener blackholed", fault: "nft drop port 53 in pop-a", to: "pop-b",
			inject:  func(t *testing.T, l *lab) { l.blackhole(t, false) },
			cleanup: unblackhole,
			pre:     time.Second, post: blackholeBound + 2*time.Second,
			check: func(t *testing.T, _ *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					switchedWithin(t, r, fam, blackholeBound)
				}
			}},
		{num: 3, slug: "drain", name: "planned drain", fault: "SIGTERM pop-a", to: "pop-b",
			inject: signal(syscall.SIGTERM),
			pre:    time.Second, post: 5 * time.Second,
			check: func(t *testing.T, l *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					if o := analyze(r, fam); o.lost != 0 {
						t.Errorf("%s: drain lost %d of %d queries, want 0", fam, o.lost, o.sent)
					}
					// The router moves the traffic on GRACEFUL_SHUTDOWN (RFC 8326), before
					// the withdrawal that follows the grace period.
					switchedWithin(t, r, fam, drainGrace)
				}
				if !l.popA.wait(0) {
					t.Errorf("pop-a still running %v after SIGTERM, want it stopped after grace %v and linger %v", r.end.Sub(r.faultAt), drainGrace, drainLinger)
				}
				// The router says why the node left: Cease, Administrative Shutdown,
				// with the node's shutdown communication (RFC 9003).
				for _, nb := range l.neighborsOf("pop-a") {
					st, err := l.router.notification(nb)
					if low := strings.ToLower(st); err != nil || !strings.Contains(low, "received") || !strings.Contains(low, "administrative shutdown") ||
						!strings.Contains(st, "anycastdns draining: node stopping") {
						t.Errorf("%s after the stop: want the administrative shutdown and its communication, got %v\n%s", nb.Name, err, st)
					}
				}
			}},
		{num: 4, slug: "crash", name: "crash", fault: "SIGKILL pop-a", to: "pop-b",
			inject: signal(syscall.SIGKILL),
			pre:    time.Second, post: 3 * time.Second,
			check: func(t *testing.T, _ *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					switchedWithin(t, r, fam, crashBound)
				}
			}},
		{num: 5, slug: "hang", name: "hung process", fault: "SIGSTOP pop-a", to: "pop-b",
			inject:  signal(syscall.SIGSTOP),
			cleanup: func(_ *testing.T, l *lab) { l.popA.kill() },
			pre:     time.Second, post: holdTime + 2500*time.Millisecond,
			check: func(t *testing.T, _ *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					switchedWithin(t, r, fam, hangBound)
				}
			}},
		{num: 6, slug: "recovery", name: "recovery", fault: "start pop-a", to: "pop-a",
			prepare: func(t *testing.T, l *lab) {
				l.baseline(t)
				l.popA.kill()
				l.waitFor(t, "pop-b answering on both addresses", map[string]string{"IPv4": "pop-b", "IPv6": "pop-b"})
			},
			inject: func(t *testing.T, l *lab) { l.popA.start(t) },
			pre:    time.Second, post: recoveryBound + 2*time.Second,
			check: func(t *testing.T, _ *lab, r record) {
				for _, fam := range []string{"IPv4", "IPv6"} {
					o := analyze(r, fam)
					if o.lost != 0 {
						t.Errorf("%s: recovery lost %d of %d queries, want 0 (pop-a must answer before it announces)", fam, o.lost, o.sent)
					}
					// Rise passing rounds, the first at once: no announcement before
					// (rise-1) intervals.
					if minimum := (healthRise - 1) * healthInterval; o.switched && o.switchAfter < minimum {
						t.Errorf("%s: pop-a answered %v after its start, want no sooner than (rise-1) × interval = %v", fam, o.switchAfter, minimum)
					}
					switchedWithin(t, r, fam, recoveryBound)
				}
			}},
		{num: 7, slug: "ipv6-fault", name: "IPv6-only fault", fault: "nft drop IPv6 port 53 in pop-a", to: "pop-b", only: "IPv6",
			inject:  func(t *testing.T, l *lab) { l.blackhole(t, true) },
			cleanup: unblackhole,
			pre:     time.Second, post: blackholeBound + 2*time.Second,
			check: func(t *testing.T, _ *lab, r record) {
				switchedWithin(t, r, "IPv6", blackholeBound)
				allFrom(t, r, "IPv4", "pop-a")
			}},
	}
}

// run measures one scenario, records it, and draws its timeline.
func (l *lab) run(t *testing.T, sc scenario) {
	if sc.cleanup != nil {
		defer sc.cleanup(t, l)
	}
	if sc.prepare != nil {
		sc.prepare(t, l)
	} else {
		l.baseline(t)
	}
	tr, err := startTraffic(l.client, l.targets, zoneName, queryRate, sc.pre+sc.post+time.Second, queryTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.stop() // when a fault fails to inject
	r := record{num: sc.num, name: sc.name, fault: sc.fault, to: sc.to, only: sc.only, start: time.Now()}
	l.measured, l.figure, l.cleared = nil, "", time.Time{}
	time.Sleep(sc.pre)
	if sc.inject != nil {
		r.faultAt = time.Now()
		sc.inject(t, l)
		r.events = append(r.events, event{at: r.faultAt, label: sc.fault, kind: eventFault})
	}
	time.Sleep(time.Until(r.start.Add(sc.pre + sc.post)))
	r.end = time.Now()
	r.samples = tr.stop()
	r.figure = l.figure
	if !l.cleared.IsZero() {
		r.cleared, r.clearedAt = sc.cleared, l.cleared
		r.events = append(r.events, event{at: r.clearedAt, label: sc.cleared, kind: eventFault})
	}
	if want := int(r.end.Sub(r.start).Seconds() * queryRate * float64(len(l.targets))); len(r.samples) < want*9/10 {
		t.Logf("the client sent %d queries, want about %d: the machine is too busy for the set rate, and the timeline shows the gaps", len(r.samples), want)
	}
	r.events = append(r.events, l.routeEvents(r.start, r.end)...)
	r.events = append(r.events, speakerEvents(l.popA.logPath, "pop-a", r.start, r.end)...)
	r.events = append(r.events, speakerEvents(l.popB.logPath, "pop-b", r.start, r.end)...)
	r.events = append(r.events, l.router.sessionEvents(r.start, r.end)...)
	slices.SortStableFunc(r.events, func(a, b event) int { return a.at.Compare(b.at) })
	l.records = append(l.records, r)
	svg := filepath.Join(l.out, fmt.Sprintf("scenario-%d-%s.svg", sc.num, sc.slug))
	if err := os.WriteFile(svg, timelineSVG(r), 0o644); err != nil {
		t.Error(err)
	}
	csv := filepath.Join(l.out, fmt.Sprintf("scenario-%d-%s.csv", sc.num, sc.slug))
	if err := os.WriteFile(csv, samplesCSV(r), 0o644); err != nil {
		t.Error(err)
	}
	sc.check(t, l, r)
}

// waitFor polls until the client sees want (family → node), for at most 20 s.
func (l *lab) waitFor(t *testing.T, what string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		who, err := whoAnswers(l.client, l.targets, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		ok := true
		for fam, node := range want {
			ok = ok && who[fam] == node
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: got answers %v after 20 s, want %v", what, who, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hostnames asserts that the router knows every PoP by the host name the PoP
// advertised in its hostname capability: its identity. GoBGP v3 takes that name from
// the OS (os.Hostname), so the lab runs each PoP with its identity as its host name (in
// its own UTS namespace), as a deployment sets the container's host name.
func (l *lab) hostnames(t *testing.T) {
	t.Helper()
	for _, nb := range labNeighbors {
		if got, err := l.router.hostname(nb); err != nil || got != nb.Node {
			t.Errorf("%s: the router shows the peer's host name %q (%v), want %q", nb.Name, got, err, nb.Node)
		}
	}
}

// unblackhole removes the blackhole rules from PoP A.
func unblackhole(t *testing.T, l *lab) {
	if out, err := l.popA.ns.run("nft", "delete", "table", "inet", nftTable); err != nil {
		t.Errorf("removing the blackhole: %v: %s", err, out)
	}
}

// allFrom asserts that every query of the family was answered, all by node.
func allFrom(t *testing.T, r record, family, node string) {
	t.Helper()
	o := analyze(r, family)
	if o.sent == 0 || o.lost != 0 || o.byNode[node] != o.sent {
		t.Errorf("%s: got %d answers from %s, %v in all and %d lost of %d sent; want all %d from %s",
			family, o.byNode[node], node, o.byNode, o.lost, o.sent, o.sent, node)
	}
}

// switchedWithin asserts that the record's `to` node answered within bound of the fault,
// and that it alone answered the last second.
func switchedWithin(t *testing.T, r record, family string, bound time.Duration) {
	t.Helper()
	o := analyze(r, family)
	after := r.fault
	if r.cleared != "" {
		after = r.cleared
	}
	switch {
	case !o.switched:
		t.Errorf("%s: %s never answered after %s; want it within %v", family, r.to, after, bound)
	case o.switchAfter > bound:
		t.Errorf("%s: first answer from %s %v after %s, want within %v", family, r.to, o.switchAfter, after, bound)
	}
	if o.last[r.to] == 0 || len(o.last) != 1 {
		t.Errorf("%s: answers in the last second %v, want all from %s", family, o.last, r.to)
	}
}

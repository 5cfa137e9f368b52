package lab

import (
	"slices"
	"strings"
	"time"
)

// bucket is the width of one timeline bar.
const bucket = 100 * time.Millisecond

// sample is one query the client sent: to which address family, when, and which node
// answered it ("" when no answer came within the client's timeout: a lost query).
type sample struct {
	family string // "IPv4" or "IPv6"
	sent   time.Time
	rtt    time.Duration
	node   string
}

// badAnswer starts the node of a sample whose answer was not correct, e.g. "bad answer
// from pop-a" for a SERVFAIL: it counts against the node rather than for it.
const badAnswer = "bad answer from "

// lost reports whether the query went unanswered.
func (s sample) lost() bool { return s.node == "" }

// received is when the answer arrived.
func (s sample) received() time.Time { return s.sent.Add(s.rtt) }

// Kinds of timeline events.
const (
	eventFault   = "fault"   // what the lab did to PoP A
	eventSpeaker = "speaker" // a PoP's BGP speaker announced, drained or withdrew a prefix
	eventSession = "session" // a BGP session at the router came up or went down
	eventRoute   = "route"   // the router's kernel route to an anycast prefix changed
)

// event is something marked on a timeline.
type event struct {
	at    time.Time
	label string
	kind  string
}

// record is everything one scenario observed.
type record struct {
	num     int
	name    string
	fault   string    // what the lab did, e.g. "SIGKILL pop-a"
	faultAt time.Time // when it did it
	to      string    // the node expected to take the traffic after the fault ("" when none)
	only    string    // the one address family the fault is meant to move ("" for both)
	start   time.Time
	end     time.Time
	samples []sample
	events  []event
	// cleared names what ended a fault the scenario ends itself (e.g. "router start"),
	// at clearedAt; the time to the `to` node's first answer is then counted from it.
	cleared   string
	clearedAt time.Time
	// figure, when set, is what the scenario measured itself (e.g. the publication
	// latency of zone changes), shown instead of the failover time.
	figure string
}

// outcome summarises one address family of one scenario.
type outcome struct {
	family   string
	sent     int
	lost     int
	lostFrom time.Time // when the first lost query was sent (zero if none)
	bad      int       // answers that were not correct (an error rcode, an SOA without AA)
	byNode   map[string]int
	// switched reports whether a query was answered by the record's `to` node after the
	// fault (after it cleared, for a fault that clears); switchAfter is then the time
	// from the fault (or its clearing) to the first such answer.
	switched    bool
	switchAfter time.Duration
	// after counts the answers per node for queries sent after the fault settled: in
	// the last second of the scenario.
	last map[string]int
}

// moves reports whether the fault is meant to move the family's traffic to r.to.
func (r record) moves(family string) bool {
	return r.to != "" && (r.only == "" || r.only == family)
}

// analyze computes the outcome of one address family of r.
func analyze(r record, family string) outcome {
	o := outcome{family: family, byNode: map[string]int{}, last: map[string]int{}}
	lastFrom := r.end.Add(-time.Second)
	from := r.faultAt
	if !r.clearedAt.IsZero() {
		from = r.clearedAt
	}
	for _, s := range r.samples {
		if s.family != family {
			continue
		}
		o.sent++
		if s.lost() {
			if o.lost == 0 {
				o.lostFrom = s.sent
			}
			o.lost++
			continue
		}
		o.byNode[s.node]++
		if strings.HasPrefix(s.node, badAnswer) {
			o.bad++
		}
		if !s.sent.Before(lastFrom) {
			o.last[s.node]++
		}
		if r.moves(family) && s.node == r.to && !from.IsZero() && !s.received().Before(from) {
			if d := s.received().Sub(from); !o.switched || d < o.switchAfter {
				o.switched, o.switchAfter = true, d
			}
		}
	}
	return o
}

// bar is one timeline bucket: answers per node and losses among the queries sent in it.
type bar struct {
	answers map[string]int
	lost    int
}

// bars buckets one family's samples of r by the time they were sent, from r.start.
func bars(r record, family string) []bar {
	n := int(r.end.Sub(r.start)/bucket) + 1
	out := make([]bar, n)
	for i := range out {
		out[i].answers = map[string]int{}
	}
	for _, s := range r.samples {
		if s.family != family || s.sent.Before(r.start) {
			continue
		}
		i := int(s.sent.Sub(r.start) / bucket)
		if i >= n {
			continue
		}
		if s.lost() {
			out[i].lost++
		} else {
			out[i].answers[s.node]++
		}
	}
	return out
}

// families lists the address families present in r, IPv4 first.
func families(r record) []string {
	var fs []string
	for _, s := range r.samples {
		if !slices.Contains(fs, s.family) {
			fs = append(fs, s.family)
		}
	}
	slices.Sort(fs)
	return fs
}

package zone

import (
	"fmt"

	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/miekg/dns"
)

// finding is a problem found, before it is placed in the file.
type finding struct {
	at   spot
	warn bool
	rule string
	msg  string
}

// spot is where a finding is reported: at a record of the zone, at the first
// record of a name, or (both nil) at the zone as a whole.
type spot struct {
	rr dns.RR
	n  *node
}

func atRR(rr dns.RR) spot { return spot{rr: rr} }
func atNode(n *node) spot { return spot{n: n} }
func atZone() spot        { return spot{} }

// add records an error, or a warning when warn is set.
func (c *dnssecCheck) add(at spot, warn bool, rule, format string, args ...any) {
	c.found = append(c.found, finding{at: at, warn: warn, rule: rule, msg: fmt.Sprintf(format, args...)})
}

// place turns the findings into the report's errors and warnings, each at the
// file and line of its record, in file order; problems of the whole zone, or of
// an empty non-terminal, come last. The records are indexed only when there is
// something to place.
func (c *dnssecCheck) place(recs []zonefile.Record) {
	if len(c.found) == 0 {
		return
	}
	loc := newLocator(recs)
	var errs, warns issues
	for _, f := range c.found {
		i := len(recs)
		switch {
		case f.at.rr != nil:
			i = loc.index(f.at.rr)
		case f.at.n != nil:
			i = loc.nodeIndex(f.at.n)
		}
		e := &zonefile.Error{Rule: f.rule, Msg: f.msg}
		if i < len(recs) {
			recs[i].Locate(e)
		} else if len(recs) > 0 {
			e.File = recs[0].File
		}
		if f.warn {
			warns = append(warns, issue{idx: i, err: e})
		} else {
			errs = append(errs, issue{idx: i, err: e})
		}
	}
	c.report.Errors = errs.errors()
	c.report.Warnings = warns.errors()
}

// locator finds the record of the file that a record of the compiled zone came
// from: the same record in most cases, else (a copy that Compile made with the
// RRset's TTL or a sorted bitmap) the first of the file with its owner and type.
type locator struct {
	recs   []zonefile.Record
	byRR   map[dns.RR]int
	byName map[string]int // built on the first copy met
}

func newLocator(recs []zonefile.Record) *locator {
	l := &locator{recs: recs, byRR: make(map[dns.RR]int, len(recs))}
	for i, r := range recs {
		if _, dup := l.byRR[r.RR]; !dup {
			l.byRR[r.RR] = i
		}
	}
	return l
}

// index returns the index in recs of rr, or len(recs) when it has none.
func (l *locator) index(rr dns.RR) int {
	if i, ok := l.byRR[rr]; ok {
		return i
	}
	if l.byName == nil {
		l.byName = make(map[string]int)
		for i, r := range l.recs {
			k := nameTypeKey(r.RR)
			if _, dup := l.byName[k]; !dup {
				l.byName[k] = i
			}
		}
	}
	if i, ok := l.byName[nameTypeKey(rr)]; ok {
		return i
	}
	return len(l.recs)
}

// nodeIndex returns the index in recs of the first record of n, or len(recs) for
// an empty non-terminal.
func (l *locator) nodeIndex(n *node) int {
	first := len(l.recs)
	for _, s := range n.sets {
		for _, rr := range s.Records() {
			first = min(first, l.index(rr))
		}
	}
	return first
}

// nameTypeKey identifies the RRset of rr: its lower-case owner and its type (for
// an RRSIG, the type it covers).
func nameTypeKey(rr dns.RR) string {
	t, signature := rr.Header().Rrtype, false
	if sig, ok := rr.(*dns.RRSIG); ok {
		t, signature = sig.TypeCovered, true
	}
	return fmt.Sprintf("%s/%d/%t", canonicalName(rr.Header().Name), t, signature)
}

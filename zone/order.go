package zone

import (
	"bytes"
	"iter"
	"slices"
	"sort"
)

// orderRun is how many nodes a run of a zone's canonical order holds when the
// order is cut into runs.
const orderRun = 512

// order is the nodes of a zone in the canonical order of RFC 4034 section 6.1, cut
// into runs that the versions made by Apply share: a change copies the runs it
// touches and the list of runs, a few thousand slice headers for a million names,
// not the whole order. It is never modified once built.
type order struct {
	runs [][]*node // each non-empty, in order
}

// newOrder cuts the sorted nodes into runs.
func newOrder(sorted []*node) order { return cutOrder(sorted, orderRun) }

// cutOrder cuts the sorted nodes into runs of n.
func cutOrder(sorted []*node, n int) order {
	var o order
	for len(sorted) > 0 {
		k := min(len(sorted), n)
		o.runs = append(o.runs, sorted[:k:k])
		sorted = sorted[k:]
	}
	return o
}

// all yields the nodes in order.
func (o order) all() iter.Seq[*node] {
	return func(yield func(*node) bool) {
		for _, run := range o.runs {
			for _, n := range run {
				if !yield(n) {
					return
				}
			}
		}
	}
}

// place is a place in an order: the at-th node of a run.
type place struct{ run, at int }

// search returns where the lower-case name is, or would be inserted, and whether
// it is there.
func (o order) search(name string) (place, bool) {
	if len(o.runs) == 0 {
		return place{}, false
	}
	buf := make([]byte, maxNameWire+1)
	key := appendCanonicalKey(nil, name, buf)
	var scratch []byte
	cmp := func(n *node, key []byte) int {
		scratch = appendCanonicalKey(scratch[:0], n.name, buf)
		return bytes.Compare(scratch, key)
	}
	// the first run that ends at or after name
	r := sort.Search(len(o.runs), func(i int) bool {
		run := o.runs[i]
		return cmp(run[len(run)-1], key) >= 0
	})
	if r == len(o.runs) {
		return place{run: r - 1, at: len(o.runs[r-1])}, false
	}
	at, found := slices.BinarySearchFunc(o.runs[r], key, cmp)
	return place{run: r, at: at}, found
}

// below returns the nodes strictly below the lower-case name: the nodes that
// follow where the name is or would be, while they are below it.
func (o order) below(name string) []*node {
	p, found := o.search(name)
	if found {
		p.at++
	}
	var out []*node
	for r := p.run; r < len(o.runs); r++ {
		for _, n := range o.runs[r][min(p.at, len(o.runs[r])):] {
			if !inDomain(n.name, name) {
				return out
			}
			out = append(out, n)
		}
		p.at = 0
	}
	return out
}

// orderEdit is one change to an order: put inserted before the node at p (add),
// put in place of the node at p, or the node at p taken out (put nil).
type orderEdit struct {
	p   place
	put *node
	add bool
}

// edit returns o with the edits made, their places being o's; insertions at one
// place go in the order given. The runs no edit touches are shared with o; a run
// grown past twice orderRun is cut.
func (o order) edit(edits []orderEdit) order {
	slices.SortStableFunc(edits, func(x, y orderEdit) int {
		if x.p != y.p {
			if x.p.run != y.p.run {
				return x.p.run - y.p.run
			}
			return x.p.at - y.p.at
		}
		switch {
		case x.add == y.add:
			return 0
		case x.add:
			return -1
		}
		return 1
	})
	src := o.runs
	if len(src) == 0 {
		src = [][]*node{nil}
	}
	out := order{runs: make([][]*node, 0, len(src)+len(edits)/orderRun+1)}
	for r, run := range src {
		var es []orderEdit
		for len(edits) > 0 && edits[0].p.run == r {
			es, edits = append(es, edits[0]), edits[1:]
		}
		if es == nil {
			out.runs = append(out.runs, run)
			continue
		}
		next := make([]*node, 0, len(run)+len(es))
		from := 0 // the first node of run not yet copied
		for _, e := range es {
			next = append(next, run[from:e.p.at]...)
			from = e.p.at
			if e.put != nil {
				next = append(next, e.put)
			}
			if !e.add {
				from++
			}
		}
		next = append(next, run[from:]...)
		for len(next) > 2*orderRun {
			out.runs = append(out.runs, next[:orderRun:orderRun])
			next = next[orderRun:]
		}
		if len(next) > 0 {
			out.runs = append(out.runs, next)
		}
	}
	return out
}

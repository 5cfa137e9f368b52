package zone

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOrderEdit makes random edits to orders of short runs and requires the
// result to be the edited set of nodes sorted, and search and below to agree with
// a flat search of it.
func TestOrderEdit(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	name := func() string {
		return fmt.Sprintf("%c%d.%c.example.", 'a'+rune(rng.IntN(26)), rng.IntN(50), 'a'+rune(rng.IntN(4)))
	}
	for round := range 200 {
		set := map[string]*node{}
		for range rng.IntN(60) {
			n := name()
			set[n] = &node{name: n}
		}
		o := cutOrder(canonicalOrder(slices.Collect(mapValues(set))), 1+rng.IntN(5))
		var edits []orderEdit
		var added []*node
		touched := map[string]bool{}
		for range rng.IntN(20) {
			n := name()
			if touched[n] {
				continue
			}
			touched[n] = true
			old, ok := set[n]
			switch p, found := o.search(n); {
			case found != ok:
				t.Fatalf("round %d: search(%s) found %v, want %v", round, n, found, ok)
			case ok && rng.IntN(2) == 0:
				edits = append(edits, orderEdit{p: p})
				delete(set, n)
			case ok && old.flags == 0:
				c := &node{name: n, flags: flagApex} // marks the replacement
				edits = append(edits, orderEdit{p: p, put: c})
				set[n] = c
			case !ok:
				c := &node{name: n}
				added = append(added, c)
				set[n] = c
			}
		}
		for _, n := range canonicalOrder(added) {
			p, _ := o.search(n.name)
			edits = append(edits, orderEdit{p: p, put: n, add: true})
		}
		got := slices.Collect(o.edit(edits).all())
		want := canonicalOrder(slices.Collect(mapValues(set)))
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: edited order\n got %v\nwant %v", round, orderNames(got), orderNames(want))
		}
		e := o.edit(nil)
		if !slices.Equal(slices.Collect(e.all()), slices.Collect(o.all())) {
			t.Fatalf("round %d: an order without edits changed", round)
		}
		for _, sub := range []string{"a.example.", "b.example.", "x.b.example.", "example."} {
			var flat []*node
			for _, n := range slices.Collect(o.all()) {
				if inDomain(n.name, sub) && n.name != sub {
					flat = append(flat, n)
				}
			}
			if g := o.below(sub); !slices.Equal(g, flat) {
				t.Fatalf("round %d: below(%s) = %v, want %v", round, sub, orderNames(g), orderNames(flat))
			}
		}
	}
}

// TestOrderEditCutsLongRuns: a run grown past twice orderRun is cut, runs no edit
// touches are shared.
func TestOrderEditCutsLongRuns(t *testing.T) {
	var first []*node
	for i := range 3 * orderRun {
		first = append(first, &node{name: fmt.Sprintf("n%05d.example.", i)})
	}
	o := newOrder(canonicalOrder(first))
	var edits []orderEdit
	var added []*node
	for i := range 3 * orderRun {
		added = append(added, &node{name: fmt.Sprintf("n00000-%05d.example.", i)})
	}
	for _, n := range canonicalOrder(added) {
		p, _ := o.search(n.name)
		edits = append(edits, orderEdit{p: p, put: n, add: true})
	}
	e := o.edit(edits)
	for i, run := range e.runs {
		if len(run) > 2*orderRun || len(run) == 0 {
			t.Errorf("run %d holds %d nodes", i, len(run))
		}
	}
	if &e.runs[len(e.runs)-1][0] != &o.runs[len(o.runs)-1][0] {
		t.Error("the last run, which no edit touched, was copied")
	}
	if got, want := len(slices.Collect(e.all())), 6*orderRun; got != want {
		t.Errorf("%d nodes, want %d", got, want)
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

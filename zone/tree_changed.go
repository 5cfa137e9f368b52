package zone

import (
	"iter"
	"maps"
)

// A version made by Apply shares the name index of the version it came from and
// keeps its own changes beside it (tree.changed), so that applying a change does
// not copy an index of millions of names. Lookups look at the changes first: one
// more probe of a small map, and none for a zone loaded or received whole. When the
// changes grow past a sixteenth of the index, or the index is small, Apply folds
// them in (compact).

// node returns the node of the lower-case name, or nil.
func (t *tree) node(name string) *node {
	if t.changed != nil {
		if n, ok := t.changed[name]; ok {
			return n
		}
	}
	return t.nodes[name]
}

// nodeAt is node for a name held as bytes; it does not allocate.
func (t *tree) nodeAt(name []byte) *node {
	if t.changed != nil {
		if n, ok := t.changed[string(name)]; ok {
			return n
		}
	}
	return t.nodes[string(name)]
}

// allNodes yields every node of the zone, in no order.
func (t *tree) allNodes() iter.Seq[*node] {
	return func(yield func(*node) bool) {
		for name, n := range t.nodes {
			if t.changed != nil {
				if _, ok := t.changed[name]; ok {
					continue
				}
			}
			if !yield(n) {
				return
			}
		}
		for _, n := range t.changed {
			if n != nil && !yield(n) {
				return
			}
		}
	}
}

// nodeCount returns about how many names the zone has: at most that many, at
// least that less the names changed.
func (t *tree) nodeCount() int { return len(t.nodes) + len(t.changed) }

// sharing makes t's index that of from, with from's changes copied for t's own.
func (t *tree) sharing(from *tree) {
	t.nodes = from.nodes
	t.changed = make(map[string]*node, len(from.changed)+64)
	maps.Copy(t.changed, from.changed)
}

// set makes n the node of its name.
func (t *tree) set(n *node) { t.changed[n.name] = n }

// remove takes the name out of the zone.
func (t *tree) remove(name string) {
	if _, shared := t.nodes[name]; shared {
		t.changed[name] = nil
	} else {
		delete(t.changed, name)
	}
}

// compactBelow is the size of an index that compact always copies: a few
// milliseconds, less than the lookups of a version with changes lose (a referral
// takes about twice as long, BenchmarkLookupChanged).
var compactBelow = 1 << 16

// compact folds the changes into an index of t's own when the index is small, or
// once they are more than a sixteenth of it: the copy then costs as much as the
// changes it saves looking up.
func (t *tree) compact() {
	if len(t.nodes) > compactBelow && len(t.changed) <= len(t.nodes)/16 {
		return
	}
	nodes := maps.Clone(t.nodes)
	for name, n := range t.changed {
		if n == nil {
			delete(nodes, name)
		} else {
			nodes[name] = n
		}
	}
	t.nodes, t.changed = nodes, nil
}

package zone

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Compiling spends most of its time on work that is independent per node or reads
// the records without changing them, so it is spread over the processors while
// keeping the result exactly that of a compile on one: the checks run beside the
// staging of the records, the name index is built beside the freezing of the nodes,
// and the nodes are frozen, and their additional data resolved, in runs that the
// processors take in turn.

// beside runs f in a goroutine of its own and returns the function that waits for
// it to finish; the wait may be called more than once. With one processor it runs f
// first and returns at once.
func beside(f func()) (wait func()) {
	if runtime.GOMAXPROCS(0) < 2 {
		f()
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return func() { <-done }
}

// runChunk is how many nodes a worker takes at a time: small enough that the
// workers end together even beside other goroutines, large enough that taking one
// costs nothing next to freezing or resolving it.
const runChunk = 256

// inChunks calls f(w, lo, hi) for consecutive runs [lo, hi) of at most runChunk of n
// items, on up to GOMAXPROCS workers at once (the caller is one of them), and returns
// when all ran. Each worker w takes the next run when done with its last, so that the
// workers end together; w tells a worker's own accumulators apart.
func inChunks(n int, f func(w, lo, hi int)) {
	ways := min(runtime.GOMAXPROCS(0), (n+runChunk-1)/runChunk)
	var next atomic.Int64
	work := func(w int) {
		for {
			lo := int(next.Add(runChunk)) - runChunk
			if lo >= n {
				return
			}
			f(w, lo, min(lo+runChunk, n))
			runtime.Gosched() // see yield
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < ways; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	work(0)
	wg.Wait()
}

// resolveAll resolves the additional data and glue of nodes (resolveAdditional) in
// runs side by side. A run writes only the RRsets and glue of its own nodes and
// reads the address RRsets of any node, which nobody writes; the wildcard copies a
// goroutine's resolver makes are its own, equal to those another would make.
func resolveAll(z *Zone, nodes []*node) {
	// by run, so that the index lists the referrers in the same order on any
	// number of processors
	remote := make([][]targetRef, (len(nodes)+runChunk-1)/runChunk)
	// one resolver per goroutine, so that its chunks serve many runs
	resolvers := make([]*resolver, runtime.GOMAXPROCS(0))
	inChunks(len(nodes), func(w, lo, hi int) {
		if resolvers[w] == nil {
			resolvers[w] = newResolver(z)
		}
		remote[lo/runChunk] = z.resolveAdditional(resolvers[w], nodes[lo:hi])
	})
	z.referrers = indexReferrers(nil, remote...)
}

// freezeAll freezes every staged node of order and returns how many records they
// hold. Freezing a node touches only that node and its own records.
func freezeAll(order []*staged) int {
	counts := make([]int, runtime.GOMAXPROCS(0))
	inChunks(len(order), func(w, lo, hi int) {
		n := 0
		for _, s := range order[lo:hi] {
			n += s.freeze()
		}
		counts[w] += n
	})
	total := 0
	for _, c := range counts {
		total += c
	}
	return total
}

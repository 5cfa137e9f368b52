package zone

import "runtime"

// yieldEvery is how many items a long compile loop handles between two yields.
const yieldEvery = 1024

// yield lets the goroutines waiting for a processor run once every yieldEvery
// calls (i counts the items): the Go scheduler takes a processor from a running
// goroutine only after 10 ms, and a compile that keeps every processor busy for
// hundreds of milliseconds (a zone received by transfer while the node serves)
// would otherwise hold the query path that long. A yield costs about 0.1 µs.
func yield(i int) {
	if i%yieldEvery == yieldEvery-1 {
		runtime.Gosched()
	}
}

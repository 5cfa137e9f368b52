package zone

// carve returns an empty slice of capacity n cut from the front of *chunk, first
// replacing *chunk by a fresh one of size elements when it has fewer than n left.
// A compile makes millions of small slices (wire forms, RRsets, additional data),
// each allocated once and never freed alone: cut from shared chunks they cost a
// few allocations per chunk instead of one each, and the collector has fewer
// objects to track. A slice of more than a quarter chunk gets its own array. The
// capacity ends at n, so an append beyond it copies instead of writing into the
// next slice of the chunk.
func carve[T any](chunk *[]T, n, size int) []T {
	if n > len(*chunk) {
		if n > size/4 {
			return make([]T, 0, n)
		}
		*chunk = make([]T, size)
	}
	s := (*chunk)[:0:n]
	*chunk = (*chunk)[n:]
	return s
}

// Chunk sizes, in elements: about 32 KiB each.
const (
	byteChunk = 32 << 10
	wireChunk = 1 << 10 // WireRR: 40 octets
	setChunk  = 256     // RRset
	ptrChunk  = 4 << 10 // *RRset
	rrChunk   = 2 << 10 // dns.RR: 16 octets
)

package server

import (
	"testing"
	"time"

	"go.uber.org/zap"
)

// batchLimiter returns a limiter of rate replies a second for every class,
// with a window of 2 s.
func batchLimiter(rate int) *rateLimiter {
	return newRateLimiter(RateLimitConfig{Enabled: true, ResponsesPerSecond: rate, ErrorsPerSecond: rate,
		NXDomainsPerSecond: rate, Window: 2 * time.Second, TableSize: 1 << 16}, nil, nil, zap.NewNop())
}

// One reader debits every reply of a batched account: a flood gets exactly
// rate answers in its first second, as reply by reply, then none.
func TestRRLBatchDebitsEveryReply(t *testing.T) {
	for _, rate := range []int{rrlBatchMinRate, 1000, 1003} {
		r := batchLimiter(rate)
		var b rrlBatch
		const h = 0x5eed_0000_0000_1234
		now := uint32(5000)
		passed := 0
		for range 3 * rate {
			if lim, _, _ := b.account(r, h, rrlPositive, now); !lim {
				passed++
			}
		}
		if passed != rate {
			t.Errorf("rate %d: %d of %d replies passed in one second, want exactly the rate", rate, passed, 3*rate)
		}
		// The next second refills rate credits against a debt of the floor
		// (-window*rate): still limited.
		if lim, _, _ := b.account(r, h, rrlPositive, now+1); !lim {
			t.Errorf("rate %d: a reply the next second passed, want it limited (in debt)", rate)
		}
	}
}

// A batched account is roomy only from half the rate: below it every reply
// goes to the shared table, so that readers sharing an account decide its
// limit together, each passing at most a batch too many.
func TestRRLBatchSharedByReaders(t *testing.T) {
	const rate = 1000
	r := batchLimiter(rate)
	readers := make([]rrlBatch, 4)
	const h = 0x0bad_cafe_0000_0042
	now := uint32(7000)
	passed := 0
	for i := range 4 * rate {
		if lim, _, _ := readers[i%len(readers)].account(r, h, rrlPositive, now); !lim {
			passed++
		}
	}
	if passed < rate-len(readers)*(rrlBatchSize-1) || passed > rate+len(readers)*(rrlBatchSize-1) {
		t.Errorf("%d replies passed over %d readers, want %d ± %d", passed, len(readers), rate, len(readers)*(rrlBatchSize-1))
	}
}

// A key that leaves the cache with replies it counted but had not debited never
// costs its account more than its replies: three keys of one set (two ways)
// take turns, each evicted with up to four replies counted, and each account is
// debited by no more than the replies it had (the ones not debited at eviction
// are forgotten, so at least one: the first, debited in the shared table).
func TestRRLBatchEvictionNeverOverdebits(t *testing.T) {
	const rate = rrlBatchMinRate
	r := batchLimiter(rate)
	var b rrlBatch
	now := uint32(9000)
	// The same batch set (bits 5 to 13), different batch keys and shared-table
	// cells (bits 14 and 15 differ).
	keys := []uint64{0x1111_0000_0000_0450, 0x2222_0000_0000_4450, 0x3333_0000_0000_8450}
	sent := map[uint64]int64{}
	for round := range 6 {
		for i, h := range keys {
			n := 1 + (round+i)%5 // 1 to 5 replies in a row: batches of every fill
			for range n {
				b.account(r, h, rrlPositive, now)
			}
			sent[h] += int64(n)
		}
	}
	for _, h := range keys {
		spent := rate - balanceOf(t, r, h)
		if spent > sent[h] || spent < 1 {
			t.Errorf("key %#x: %d replies cost its account %d, want between 1 and the replies", h, sent[h], spent)
		}
	}
}

// balanceOf returns the balance of the account of hash h in r's table.
func balanceOf(t *testing.T, r *rateLimiter, h uint64) int64 {
	t.Helper()
	for _, i := range []uint64{h & r.mask, (h & r.mask) ^ 1} {
		if v := r.cells[i].Load(); v>>rrlTagShift == h>>rrlTagShift {
			return int64(int32(uint32(v)))
		}
	}
	t.Fatalf("no account for %#x", h)
	return 0
}

// A roomy account's replies reach the shared table once a batch: the first
// reply of the key, then every rrlBatchSize-th, debiting the batch.
func TestRRLBatchWritesOncePerBatch(t *testing.T) {
	const rate = 1000
	r := batchLimiter(rate)
	var b rrlBatch
	const h = 0x7777_0000_0000_0101
	b.account(r, h, rrlPositive, 100)
	for i := 1; i <= 2*rrlBatchSize; i++ {
		b.account(r, h, rrlPositive, 100)
		want := int64(rate - 1 - rrlBatchSize*(i/rrlBatchSize))
		if got := balanceOf(t, r, h); got != want {
			t.Fatalf("after %d more replies: balance %d, want %d", i, got, want)
		}
	}
}

// Rates below rrlBatchMinRate are never batched: every reply reaches the
// shared account.
func TestRRLBatchLowRatesExact(t *testing.T) {
	r := batchLimiter(rrlBatchMinRate - 1)
	var b rrlBatch
	const h = 0x1234_5678_9abc_def0
	for i := 1; i <= 10; i++ {
		b.account(r, h, rrlPositive, 100)
		if got := balanceOf(t, r, h); got != int64(rrlBatchMinRate-1-i) {
			t.Fatalf("balance %d after %d replies, want %d", got, i, rrlBatchMinRate-1-i)
		}
	}
	for i, v := range b.slots {
		if v != 0 {
			t.Fatalf("slot %d holds %#x, want an empty cache below the batched rate", i, v)
		}
	}
}

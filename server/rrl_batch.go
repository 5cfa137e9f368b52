package server

import "math"

// Batched debits of roomy rate-limit accounts.
//
// A reader (the scratch of a UDP reader) keeps a small two-way cache of the
// keys whose account it last found roomy: at least half of the class's rate
// left. The replies of such a key are counted in the cache, not in the shared
// table, and debited rrlBatchSize at a time: seven replies in eight cost a
// load and a store in the reader's own memory instead of a read of a random
// word of the table and a compare-and-swap, a full memory barrier, on it.
// Limiting is decided as before: an account nearer its limit than half its
// rate is debited reply by reply, and a reply is limited only when the
// account it is debited from is in debt.
//
// What batching may lose is bounded. A reader holds at most rrlBatchSize-1
// replies of a key not yet debited, and forgets them when the key leaves its
// cache: an account that sees few replies of many keys is debited a little
// less than it should, never more. When other readers' replies bring a roomy
// account into debt, this reader's replies of the key pass until its next
// batch finds out, at most rrlBatchSize-1 of them. Rates below
// rrlBatchMinRate are debited reply by reply: a batch would be a large part
// of them.

const (
	// rrlBatchSize replies are debited at once (a power of two: a slot
	// counts them in its low bits).
	rrlBatchSize = 8
	// rrlBatchMinRate is the lowest rate whose accounts are batched: half of
	// it keeps a margin of eight batches.
	rrlBatchMinRate = 16 * rrlBatchSize
	// rrlBatchSlots is the size of a reader's cache, in sets of two: 8 KiB.
	rrlBatchSlots = 1024
)

// rrlBatch is a reader's cache of roomy accounts: each slot holds the hash of
// a key with its low bits replaced by the count of its replies not yet
// debited; 0 is an empty slot.
type rrlBatch struct {
	slots [rrlBatchSlots]uint64
}

// batchedFrom returns the balance from which the accounts of a class of rate
// replies a second are batched: half the rate, or never.
func batchedFrom(rate int64) int64 {
	if rate < rrlBatchMinRate {
		return math.MaxInt64
	}
	return rate / 2
}

// account accounts one reply of the key whose hash is h, of class c, at time
// now (seconds), as rateLimiter.account does: it counts it in b while the key's
// account is roomy and debits the batch with its last reply.
func (b *rrlBatch) account(r *rateLimiter, h uint64, c rrlClass, now uint32) (limited, started, stopped bool) {
	if b == nil {
		// A scratch without a batch (a TCP query's, should one ever be limited):
		// every reply goes to the shared table.
		limited, started, stopped, _ = r.account(h, c, now, 1)
		return limited, started, stopped
	}
	// The slot's key: the hash with its count bits cleared and the bit above
	// them set, so that no key is an empty slot.
	key := (h | rrlBatchSize) &^ (rrlBatchSize - 1)
	set := h >> 4 & (rrlBatchSlots - 2)
	// The way is chosen without a branch (a conditional set): which of the
	// two holds a key is as random as the keys, and a mispredicted branch
	// costs more than the rest of the lookup.
	pair := (*[2]uint64)(b.slots[set : set+2])
	second := uint64(0)
	if pair[1]&^(rrlBatchSize-1) == key {
		second = 1
	}
	i := set + second
	v := pair[second]
	if v&^(rrlBatchSize-1) != key {
		return b.first(r, h, c, now, key, set)
	}
	if v&(rrlBatchSize-1) < rrlBatchSize-1 {
		b.slots[i] = v + 1
		return false, false, false
	}
	limited, started, stopped, roomy := r.account(h, c, now, rrlBatchSize)
	if roomy {
		b.slots[i] = key
	} else {
		b.slots[i] = 0
	}
	return limited, started, stopped
}

// first accounts a reply of a key b does not hold, in the shared table, and
// keeps the key in its set when its account is roomy.
func (b *rrlBatch) first(r *rateLimiter, h uint64, c rrlClass, now uint32, key, set uint64) (limited, started, stopped bool) {
	limited, started, stopped, roomy := r.account(h, c, now, 1)
	if roomy {
		// The newest key first; the older of the two leaves, with the
		// replies it had not debited yet.
		b.slots[set+1], b.slots[set] = b.slots[set], key
	}
	return limited, started, stopped
}

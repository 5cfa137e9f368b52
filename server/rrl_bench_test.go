package server

import (
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkRRLParts measures the pieces of rate limiting one reply (rrl.go),
// beside the reply itself: the classification, the key's hash, the account's
// update, and the whole (from 256 prefixes in turn, and from one).
func BenchmarkRRLParts(b *testing.B) {
	s := newTestServer(b, rrlTestConfig(maxRateLimitRate, 15, 2), fastStore(b))
	sc := newScratch()
	msg := packQuery(b, newQuery("www.example.", dns.TypeA))
	var q query
	out := replyTo(s, sc, msg, &q)
	sc.arrived = 1
	b.Run("classify", func(b *testing.B) {
		for b.Loop() {
			classify(sc, &q)
		}
	})
	b.Run("keyHash", func(b *testing.B) {
		for b.Loop() {
			s.rrl.Load().keyHash(rrlPositive, dns.TypeA, "www.example.", 0, testClient)
		}
	})
	b.Run("keyHash_ref", func(b *testing.B) {
		for b.Loop() {
			s.rrl.Load().keyHash(rrlPositive, dns.TypeA, "www.example.", 0xc000123456, testClient)
		}
	})
	b.Run("account", func(b *testing.B) {
		i := uint32(0)
		for b.Loop() {
			// A new second every 1,000 replies: never over budget.
			s.rrl.Load().account(0x1234567890abcdef, rrlPositive, 1+i/1000, 1)
			i++
		}
	})
	b.Run("rateLimit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			// A new second every benchClockEvery replies: never over budget.
			sc.arrived = uint32(1 + i/benchClockEvery)
			s.rateLimit(s.rrl.Load(), sc, out, &q, len(msg), benchSources[i&(len(benchSources)-1)])
			i++
		}
	})
	b.Run("rateLimit_one_source", func(b *testing.B) {
		s.rrl.Load().dryRun = true // over budget, sent all the same
		for b.Loop() {
			s.rateLimit(s.rrl.Load(), sc, out, &q, len(msg), testClient)
		}
	})
	b.Run("reply_off", func(b *testing.B) {
		off := newTestServer(b, testConfig(), fastStore(b))
		for b.Loop() {
			off.respond(sc, sc.out[2:], msg, udp, testClient)
		}
	})
}

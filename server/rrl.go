package server

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Response Rate Limiting (RRL), after the design of Vixie and Schryver
// (ISC-TN-2012-1) as BIND implements it: every (source prefix, response class)
// has an account that earns rate credits a second, never more than rate; each
// reply debits one, never below -window*rate; a reply is limited while the
// account is negative. A flood is thus answered at about rate replies a second
// for a while, then not at all until it stops for up to window seconds; a
// client far below its rate is never limited.
//
// The accounts live in a fixed table of atomic words indexed by a hash of the
// key, updated with compare-and-swap: no lock, no allocation, and a reader
// under a flood writes a word only when its value changes. A key may sit in
// either word of a pair (a two-way set in one cache line); two keys of one set
// with the same 12-bit tag share an account. A key that finds neither word its
// own takes one over with a full account, as NSD's buckets do, but never an
// account in debt: a spoofer using random sources, or chance collisions, can
// only evict accounts that are not limiting anyone, and RRL protects the
// victim whose address is spoofed, which is one key.
//
// A reader does not write the table for every reply of an account far from
// its limit: it counts them and debits them rrlBatch at a time
// (rrl_batch.go), for a compare-and-swap is a full memory barrier that costs
// as much as the rest of the accounting.

// A bucket packs its tag (the top 12 bits of the key's hash), the time of its
// last update in seconds (20 bits, wrapping every 12 days) and the signed
// balance (32 bits).
const (
	rrlTagShift   = 52
	rrlStampShift = 32
	rrlStampMask  = 1<<20 - 1
	// rrlLogPerSecond caps the log lines about limiting that start or stop.
	rrlLogPerSecond = 10
)

// rrlClass is a response class: replies of one class and name from one source
// prefix share an account.
type rrlClass uint8

const (
	// rrlPositive: an answer, by query name and type (a wildcard expansion by
	// the wildcard's name, so that random names below it share one account).
	rrlPositive rrlClass = iota
	// rrlNoData: NOERROR with no answer, by zone.
	rrlNoData
	// rrlReferral: a delegation, by the delegation point.
	rrlReferral
	// rrlNXDomain: a name error, by zone.
	rrlNXDomain
	// rrlError: any other rcode (REFUSED, FORMERR, SERVFAIL, NOTIMP,
	// BADVERS), by zone, or one account for all outside our zones.
	rrlError
	numRRLClasses
)

// String returns the class's metric label.
func (c rrlClass) String() string {
	return [...]string{"positive", "nodata", "referral", "nxdomain", "error"}[c]
}

// rrlAction is what became of a reply over budget.
type rrlAction uint8

const (
	rrlSlipped rrlAction = iota // sent truncated
	rrlDropped                  // not sent
	rrlDryRun                   // sent as it was: dry-run
	numRRLActions
)

// String returns the action's metric label.
func (a rrlAction) String() string { return [...]string{"slipped", "dropped", "dry-run"}[a] }

// rateLimiter is the state of RRL shared by every reader of a Server.
type rateLimiter struct {
	cells []atomic.Uint64
	mask  uint64
	seed  maphash.Seed
	// seeds key the hash of a key's words (keyHash).
	seeds [4]uint64
	// rate and floor of each class: credits a second, and the lowest balance
	// (-window*rate); a rate of 0 is not limited. roomy is the balance from
	// which replies of an account of the class are debited in batches (half
	// the rate), or more than any balance when they never are.
	rate, floor, roomy [numRRLClasses]int64
	window             uint64 // seconds
	slip               int
	dryRun             bool
	v4len, v6len       int
	// The masks of the source prefixes: IPv4 in the low 32 bits of v4mask,
	// IPv6 in two words.
	v4mask uint64
	v6mask [2]uint64
	// exempt are the prefixes never limited: Config.RateLimit.Exempt (fixed)
	// and Options.RateLimitExempt (SetRateLimitExempt replaces them).
	cfgExempt []netip.Prefix
	exempt    atomic.Pointer[[]netip.Prefix]
	// now returns the time in seconds; tests fix it.
	now     func() uint32
	log     *zap.Logger
	metrics *Metrics
	// logGate holds the second of the last log line (high 32 bits) and how
	// many were written in it.
	logGate atomic.Uint64
}

// newRateLimiter returns the limiter of cfg, or nil when it is off.
func newRateLimiter(cfg RateLimitConfig, exempt []netip.Prefix, m *Metrics, log *zap.Logger) *rateLimiter {
	if !cfg.Enabled {
		return nil
	}
	cfg = cfg.withDefaults()
	size := 2 // a set of two words
	for size < cfg.TableSize {
		size <<= 1
	}
	r := &rateLimiter{
		cells:   make([]atomic.Uint64, size),
		mask:    uint64(size - 1),
		seed:    maphash.MakeSeed(),
		slip:    cfg.Slip,
		dryRun:  cfg.DryRun,
		v4len:   cfg.IPv4PrefixLength,
		v6len:   cfg.IPv6PrefixLength,
		v4mask:  prefixMask(cfg.IPv4PrefixLength) >> 32,
		v6mask:  [2]uint64{prefixMask(cfg.IPv6PrefixLength), prefixMask(cfg.IPv6PrefixLength - 64)},
		now:     func() uint32 { return uint32(time.Now().Unix()) },
		log:     log,
		metrics: m,
	}
	for i := range r.seeds {
		r.seeds[i] = rand.Uint64()
	}
	r.cfgExempt = cfg.Exempt
	r.setExempt(exempt)
	window := int64(cfg.Window / time.Second)
	r.window = uint64(window)
	for c := range numRRLClasses {
		var rate int
		switch c {
		case rrlNXDomain:
			rate = cfg.NXDomainsPerSecond
		case rrlError:
			rate = cfg.ErrorsPerSecond
		default:
			rate = cfg.ResponsesPerSecond
		}
		r.rate[c] = int64(min(max(rate, 0), maxRateLimitRate))
		r.floor[c] = window * r.rate[c]
		r.roomy[c] = batchedFrom(r.rate[c])
	}
	return r
}

// setExempt makes the prefixes never limited those of the configuration and
// extra.
func (r *rateLimiter) setExempt(extra []netip.Prefix) {
	var list []netip.Prefix
	for _, p := range slices.Concat(r.cfgExempt, extra) {
		if !p.IsValid() {
			continue
		}
		// Sources are compared unmapped: an IPv4-mapped prefix is an IPv4 one.
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		list = append(list, p.Masked())
	}
	r.exempt.Store(&list)
}

// isExempt reports whether replies to from are never limited.
func (r *rateLimiter) isExempt(from netip.Addr) bool {
	return inPrefixes(*r.exempt.Load(), from)
}

// inPrefixes reports whether one of prefixes contains a.
func inPrefixes(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// account debits n replies (the last one this reply) from the account of the
// key whose hash is h, of class c, at time now (seconds), and reports whether
// the reply is over budget, whether it started or ended the limiting of the
// account, and whether the account is roomy: its next replies may be debited
// in a batch (rrl_batch.go).
//
// A key has two words to choose from, side by side in one cache line (a
// two-way set): its own if either holds its tag, else the one to take over. An
// account in debt is never taken over, so that neither chance collisions nor
// a flood of other keys can wipe a victim's debt; when both words hold such
// accounts the reply is not accounted (and passes), which a bigger table-size
// makes rarer.
func (r *rateLimiter) account(h uint64, c rrlClass, now uint32, n int64) (limited, started, stopped, roomy bool) {
	rate, floor := r.rate[c], r.floor[c]
	tag := h >> rrlTagShift
	stamp := uint64(now) & rrlStampMask
	for {
		cell, old, own := r.find(h, tag, stamp)
		if cell == nil {
			return false, false, false, false
		}
		bal := rate // a new account, or another key's word taken over
		was := false
		if own {
			bal = int64(int32(uint32(old)))
			was = bal < 0
			elapsed := (stamp - old>>rrlStampShift) & rrlStampMask
			bal = min(bal+int64(elapsed)*rate, rate)
		}
		bal = max(bal-n, -floor)
		next := tag<<rrlTagShift | stamp<<rrlStampShift | uint64(uint32(int32(bal)))
		// Under a flood the account sits at its floor and the word does not
		// change: no write, so the readers do not contend for its cache line.
		if next == old || cell.CompareAndSwap(old, next) {
			return bal < 0, !was && bal < 0, was && bal >= 0, bal >= r.roomy[c]
		}
	}
}

// find returns the word of the key with hash h and tag, its value and true
// when it holds the key's account; else the word to take over, its value and
// false; nil when both words hold other accounts in debt.
func (r *rateLimiter) find(h, tag, stamp uint64) (*atomic.Uint64, uint64, bool) {
	a := &r.cells[h&r.mask]
	va := a.Load()
	if va>>rrlTagShift == tag {
		return a, va, true
	}
	b := &r.cells[(h&r.mask)^1]
	vb := b.Load()
	if vb>>rrlTagShift == tag {
		return b, vb, true
	}
	ea, eb := (stamp-va>>rrlStampShift)&rrlStampMask, (stamp-vb>>rrlStampShift)&rrlStampMask
	da, db := r.inDebt(va, ea), r.inDebt(vb, eb)
	switch {
	case da && db:
		return nil, 0, false
	case db, !da && ea >= eb:
		return a, va, false // b is in debt, or a is the older
	default:
		return b, vb, false
	}
}

// inDebt reports whether the account v, last updated elapsed seconds ago, may
// still owe: its balance was negative and the window (in which any debt is
// repaid) has not passed since.
func (r *rateLimiter) inDebt(v, elapsed uint64) bool {
	return int32(uint32(v)) < 0 && elapsed < r.window
}

// rateLimit applies the limiter r to the UDP reply out to the query q (inLen
// octets) from the client from: it returns out, a truncated reply in out's
// memory (a slip), or nil (dropped).
func (s *Server) rateLimit(r *rateLimiter, sc *scratch, out []byte, q *query, inLen int, from netip.Addr) []byte {
	// A valid server cookie proves the client's address (RFC 7873 section 5.4;
	// RFC 9018 section 1 names rate limiting as what it exempts from).
	if sc.res.cookie == cookieEchoed || sc.res.cookie == cookieRenewed {
		return out
	}
	from = from.Unmap()
	if ex := *r.exempt.Load(); len(ex) > 0 && inPrefixes(ex, from) {
		return out
	}
	c, name, ref := classify(sc, q)
	if r.rate[c] == 0 {
		return out
	}
	h := r.keyHash(c, q.qtype, name, ref, from)
	now := sc.arrived
	if now == 0 {
		now = r.now()
	}
	limited, started, stopped := sc.rrlBatch.account(r, h, c, now)
	if (started || stopped) && r.mayLog(now) {
		r.logChange(started, from, c, name)
	}
	if !limited {
		return out
	}
	if r.dryRun {
		s.metrics.rateLimited(c, rrlDryRun)
		return out
	}
	sc.rrlSlip++
	if r.slip > 0 && sc.rrlSlip >= r.slip {
		sc.rrlSlip = 0
		s.metrics.rateLimited(c, rrlSlipped)
		return slipReply(out, inLen)
	}
	s.metrics.rateLimited(c, rrlDropped)
	return nil
}

// keyHash returns the hash of the key of an account: the source prefix, the
// class (with the query type for an answer) and ref, the identity of the
// name (classify), or else the name, without regard to ASCII case (RFC 4343),
// so that a client cannot spread a flood over accounts by changing the case of
// the name.
func (r *rateLimiter) keyHash(c rrlClass, qtype uint16, name string, ref uintptr, from netip.Addr) uint64 {
	var hi, lo, meta uint64
	if from.Is4() {
		a := from.As4()
		lo = uint64(binary.BigEndian.Uint32(a[:])) & r.v4mask
		meta = 4 << 32
	} else {
		a := from.As16()
		hi = binary.BigEndian.Uint64(a[:8]) & r.v6mask[0]
		lo = binary.BigEndian.Uint64(a[8:]) & r.v6mask[1]
		meta = 6 << 32
	}
	meta |= uint64(c) << 16
	if c == rrlPositive {
		meta |= uint64(qtype)
	}
	id := uint64(ref)
	if ref == 0 && name != "" {
		id = foldHash(r.seed, name)
	}
	// wyhash's multiply-and-fold, keyed with the secret seeds (two 64-bit
	// multiplications to 128 bits side by side, their folds xored), so that
	// no one outside can aim two keys at one word: without the seeds, the
	// difference two keys make is unknown.
	return mum(hi^r.seeds[0], lo^r.seeds[1]) ^ mum(meta^r.seeds[2], id^r.seeds[3])
}

// foldHash hashes name without regard to ASCII case. Only names without an
// identity come here (the CHAOS identity answers), rare enough to be folded a
// byte at a time.
func foldHash(seed maphash.Seed, name string) uint64 {
	var mh maphash.Hash
	mh.SetSeed(seed)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		mh.WriteByte(c)
	}
	return mh.Sum64()
}

// mum returns the two halves of the 128-bit product of a and b, folded.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// prefixMask returns the mask of a prefix of bits over a word of 64 bits.
func prefixMask(bits int) uint64 {
	switch {
	case bits <= 0:
		return 0
	case bits >= 64:
		return ^uint64(0)
	}
	return ^uint64(0) << (64 - bits)
}

// slipReply turns the reply out into its slip: TC set, the question kept and
// every record dropped (the OPT too), as NSD and BIND send it, so that a real
// client asks again over TCP (RFC 7766 section 5). It is never longer than the
// query (inLen octets): a question that would make it so is dropped too.
func slipReply(out []byte, inLen int) []byte {
	if len(out) < headerLen {
		return out
	}
	end := headerLen
	if binary.BigEndian.Uint16(out[4:]) == 1 {
		if off, err := skipName(out, headerLen); err == nil && off+4 <= len(out) {
			end = off + 4
		}
	}
	if end > inLen {
		end = headerLen
	}
	out[2] |= 0x02 // TC
	qd := uint16(0)
	if end > headerLen {
		qd = 1
	}
	binary.BigEndian.PutUint16(out[4:], qd)
	clear(out[6:headerLen])
	return out[:end]
}

// mayLog reports whether a log line may be written at now, at most
// rrlLogPerSecond a second.
func (r *rateLimiter) mayLog(now uint32) bool {
	for {
		old := r.logGate.Load()
		n := uint32(old)
		if uint32(old>>32) != now {
			n = 0
		}
		if n >= rrlLogPerSecond {
			return false
		}
		if r.logGate.CompareAndSwap(old, uint64(now)<<32|uint64(n+1)) {
			return true
		}
	}
}

// logChange logs that the account of from's prefix for class c and name
// started or stopped limiting.
func (r *rateLimiter) logChange(started bool, from netip.Addr, c rrlClass, name string) {
	bits := r.v6len
	if from.Is4() {
		bits = r.v4len
	}
	msg := "rate limiting stopped"
	if started {
		msg = "rate limiting started"
	}
	r.log.Info(msg, zap.Stringer("prefix", netip.PrefixFrom(from, bits).Masked()),
		// The name may share the worker's memory (sc.qname): copied, as the
		// logger may keep it.
		zap.String("class", c.String()), zap.String("name", strings.Clone(name)), zap.Bool("dry-run", r.dryRun))
}

package server

import (
	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// transport is how a query arrived; it decides the reply size limit and labels the
// metrics.
type transport uint8

const (
	udp transport = iota
	tcp
	numTransports
)

func (t transport) String() string {
	if t == tcp {
		return "tcp"
	}
	return "udp"
}

// maxTCPMessage is the largest DNS message over TCP: its length prefix has 16 bits
// (RFC 1035 section 4.2.2).
const maxTCPMessage = 65535

// result describes the reply just built, for the metrics.
type result struct {
	qtype uint16
	rcode int
	zone  string // the origin of the zone that answered, or "none"
	// cookie is what the reply did with the query's COOKIE option (cookie.go).
	cookie cookieOutcome
}

// scratch is the per-worker memory of the query path, reused from one query to the
// next: a UDP reader owns one, TCP queries take one from a pool.
type scratch struct {
	ans      zone.Answer
	msg      dns.Msg
	question [1]dns.Question
	opt      dns.OPT
	// The reply's sections as lists of records with the RRset boundaries, so that
	// truncation can drop whole RRsets (RFC 2181 section 9).
	an, ns, ex section
	extra      []dns.RR // ex.rrs plus the OPT record, as packed
	in         []byte   // a query read from TCP; grown to the largest seen
	out        []byte   // the reply, after 2 octets left for the TCP length prefix
	res        result
	// ede is the Extended DNS Error of the reply (RFC 8914) when hasEDE is set: why
	// a zone without data answered SERVFAIL (zone.Answer.EDE).
	ede    dns.EDNS0_EDE
	hasEDE bool
	// cookie is the COOKIE option of the reply, when res.cookie says it has one:
	// the client cookie and the server cookie (RFC 7873 section 4); cookieOpt
	// carries it for the miekg/dns path.
	cookie    [cookieReplyLen]byte
	cookieOpt dns.EDNS0_LOCAL
	// expire is the EXPIRE option of the reply (RFC 7314 section 3) when
	// hasExpire is set: the query asked and a zone of ours answered.
	expire    dns.EDNS0_EXPIRE
	hasExpire bool

	// The fast path's memory (fast.go): the query name in presentation form, the
	// reply writer with its compression table, the wire forms of names the lookup
	// synthesized, and the truncation state of the reply being written.
	qname         [maxNamePresentation]byte
	w             writer
	owner, target [maxNameWire]byte
	cut, tc       bool

	// mtuRetry caps the UDP reply being written at 512 octets: the first one was
	// refused as larger than the interface MTU (udp_linux.go, RFC 9715 R2).
	mtuRetry bool

	// handoff is set by respond when it returned no reply because the message
	// is for Options.Transfers (transfers.go); noHandoff keeps a message from
	// being handed over, for Answer.
	handoff, noHandoff bool

	// rrlSlip counts the replies over their rate-limit budget since the last
	// slip of this worker (rrl.go).
	rrlSlip int
	// rrlBatch counts the replies of roomy rate-limit accounts not yet
	// debited (rrl_batch.go): a UDP reader's (8 KiB); nil in the scratches of
	// TCP queries, which are never rate limited.
	rrlBatch *rrlBatch
	// arrived is when the query arrived, in Unix seconds, set by the UDP
	// readers from the clock they read once per batch anyway; 0 makes the rate
	// limiter read the clock itself (a clock read costs more than the rest of
	// its work on some virtual machines).
	arrived uint32
}

// scratchOut is the room for a reply in a scratch: it holds every reply up to
// the usual EDNS sizes. A larger reply (a big answer over TCP) is packed into a
// buffer of its own by miekg/dns, which needs its uncompressed length plus one.
const scratchOut = 4096

// newScratch returns the scratch of a UDP reader.
func newScratch() *scratch {
	sc := newTCPScratch()
	sc.rrlBatch = new(rrlBatch)
	return sc
}

// newTCPScratch returns a scratch for TCP queries: without the rate limiter's
// batch, which only UDP replies use (Server.limiter).
func newTCPScratch() *scratch {
	return &scratch{out: make([]byte, 2+scratchOut)}
}

// section is one section of a reply: its records and where each RRset ends.
type section struct {
	rrs  []dns.RR
	ends []int  // ends[i] is the index in rrs after the i-th RRset
	glue []bool // glue[i] marks in-domain glue (RFC 9471)
}

func (s *section) reset() {
	clear(s.rrs) // drop references to records of replaced zones
	s.rrs, s.ends, s.glue = s.rrs[:0], s.ends[:0], s.glue[:0]
}

// add appends the records of one RRset (with its RRSIGs when sigs is set).
func (s *section) add(r zone.RRsetRef, sigs bool) {
	s.rrs = r.AppendRRs(s.rrs, sigs)
	s.ends = append(s.ends, len(s.rrs))
	s.glue = append(s.glue, r.Glue)
}

// addRR appends a single record as an RRset of its own.
func (s *section) addRR(rr dns.RR) {
	s.rrs = append(s.rrs, rr)
	s.ends = append(s.ends, len(s.rrs))
	s.glue = append(s.glue, false)
}

// upTo returns the records of the first n RRsets.
func (s *section) upTo(n int) []dns.RR {
	if n == 0 {
		return nil
	}
	return s.rrs[:s.ends[n-1]]
}

// reset prepares sc for the next query.
func (sc *scratch) reset() {
	sc.an.reset()
	sc.ns.reset()
	sc.ex.reset()
	clear(sc.extra)
	sc.extra = sc.extra[:0]
	sc.hasEDE = false
	sc.hasExpire = false
	m := &sc.msg
	*m = dns.Msg{}
}

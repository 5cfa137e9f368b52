package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
)

// Query is one line of a dnsperf query file: a name, a type, and the kind of answer the
// generator meant it to get (so that tests can check the mix).
type Query struct {
	Name string // fully qualified, lower case
	Type string // a type mnemonic dnsperf understands: A, AAAA, MX, ...
	Kind string // the intended answer: hit, nxdomain, wildcard, referral, ...
}

// Share is one kind of query and its share of a query file, in percent.
type Share struct {
	Kind    string
	Percent int
}

// counts splits n queries among shares exactly: each kind gets n*Percent/100 rounded
// down, and the remainder goes to the first kind. The shares must add up to 100.
func counts(n int, shares []Share) (map[string]int, error) {
	total := 0
	for _, s := range shares {
		total += s.Percent
	}
	if total != 100 {
		return nil, fmt.Errorf("query shares add up to %d%%, want 100%%", total)
	}
	c := make(map[string]int, len(shares))
	left := n
	for _, s := range shares {
		c[s.Kind] = n * s.Percent / 100
		left -= c[s.Kind]
	}
	c[shares[0].Kind] += left
	return c, nil
}

// newRand returns the generators' deterministic random source for seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// shuffle puts qs in a random order drawn from r, so that each kind is spread over the
// whole file rather than sent in blocks.
func shuffle(r *rand.Rand, qs []Query) {
	r.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
}

// writeQueries writes qs as a dnsperf query file: one "name type" per line.
func writeQueries(path string, qs []Query) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	for _, q := range qs {
		fmt.Fprintf(w, "%s %s\n", q.Name, q.Type)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// zoneWriter writes master-file lines (RFC 1035 section 5.1) and counts the records.
type zoneWriter struct {
	f       *os.File
	w       *bufio.Writer
	records int
}

func createZone(path string) (*zoneWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &zoneWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// rr writes one record: owner, TTL, class IN, type and data.
func (z *zoneWriter) rr(owner string, ttl int, typ, data string) {
	fmt.Fprintf(z.w, "%s\t%d\tIN\t%s\t%s\n", owner, ttl, typ, data)
	z.records++
}

// apex writes the SOA of origin with serial, its two NS, ns1 and ns2 in the zone
// itself, and their A and AAAA: 7 records.
func (z *zoneWriter) apex(origin string, serial int) {
	z.rr(origin, 3600, "SOA", fmt.Sprintf("ns1.%s hostmaster.%s %d 7200 3600 1209600 300", origin, origin, serial))
	for i := 1; i <= 2; i++ {
		z.rr(origin, 3600, "NS", fmt.Sprintf("ns%d.%s", i, origin))
	}
	for i := 1; i <= 2; i++ {
		z.rr(fmt.Sprintf("ns%d.%s", i, origin), 3600, "A", fmt.Sprintf("192.0.2.%d", i))
		z.rr(fmt.Sprintf("ns%d.%s", i, origin), 3600, "AAAA", fmt.Sprintf("2001:db8::%d", i))
	}
}

func (z *zoneWriter) close() error {
	if err := z.w.Flush(); err != nil {
		z.f.Close()
		return err
	}
	return z.f.Close()
}

// Generated is a zone file and a query file made for one benchmark.
type Generated struct {
	Origin    string
	ZoneFile  string
	QueryFile string
	Records   int     // records written to ZoneFile
	Queries   []Query // the lines of QueryFile, in order
	// DO is whether every query is sent with EDNS(0) and the DO bit (dnsperf -D, RFC 3225),
	// as validating resolvers send them; dnsperf sets it for all the queries of a run.
	DO bool
	// Note says how the zone was made, when there is more to say than its records (the
	// signer of the nsec3 zone); it is printed under the suite's heading.
	Note string
}

package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// agreeQueries is how many queries of each kind crossCheck sends to every server.
const agreeQueries = 5

// dnsperfUDPSize is the EDNS(0) UDP payload size dnsperf 2.10 advertises with -D.
const dnsperfUDPSize = 4096

// shape is what crossCheck compares of a reply: its rcode, whether it was truncated,
// and the denial-of-existence records in its authority section, where RFC 4035 section
// 3.1.3 and RFC 5155 section 7.2 put them.
type shape struct {
	Rcode       int
	Truncated   bool
	NSEC, NSEC3 int
}

func (s shape) String() string {
	out := dns.RcodeToString[s.Rcode]
	if s.Truncated {
		out += " TC"
	}
	return fmt.Sprintf("%s, %d NSEC3, %d NSEC", out, s.NSEC3, s.NSEC)
}

// shapeOf returns the shape of m.
func shapeOf(m *dns.Msg) shape {
	s := shape{Rcode: m.Rcode, Truncated: m.Truncated}
	for _, rr := range m.Ns {
		switch rr.Header().Rrtype {
		case dns.TypeNSEC:
			s.NSEC++
		case dns.TypeNSEC3:
			s.NSEC3++
		}
	}
	return s
}

// sampleKinds returns the first n queries of each kind in qs, in the order of qs.
func sampleKinds(qs []Query, n int) []Query {
	seen := map[string]int{}
	var out []Query
	for _, q := range qs {
		if seen[q.Kind] < n {
			seen[q.Kind]++
			out = append(out, q)
		}
	}
	return out
}

// ask sends q to the server on 127.0.0.1:port over UDP as dnsperf does (RD set; with do,
// EDNS(0) of dnsperfUDPSize octets and the DO bit) and returns the shape of the reply.
func ask(ctx context.Context, port int, q Query, do bool) (shape, error) {
	t, ok := dns.StringToType[q.Type]
	if !ok {
		return shape{}, fmt.Errorf("query %s: unknown type %q", q.Name, q.Type)
	}
	m := new(dns.Msg)
	m.SetQuestion(q.Name, t)
	if do {
		m.SetEdns0(dnsperfUDPSize, true)
	}
	c := &dns.Client{Net: "udp", UDPSize: dnsperfUDPSize, Timeout: 2 * time.Second}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var err error
	for try := 0; try < 3; try++ {
		var in *dns.Msg
		if in, _, err = c.ExchangeContext(ctx, m, addr); err == nil {
			return shapeOf(in), nil
		}
	}
	return shape{}, fmt.Errorf("query %s %s: %v", q.Name, q.Type, err)
}

// crossCheck sends agreeQueries queries of each kind of g's query file to every server,
// the way dnsperf will send them, and returns an error listing every query whose replies
// differ in rcode, truncation, or the number of NSEC3 or NSEC records in the authority
// section: a server that answers something else would be measured doing other work.
// With g.DO it also fails when no reply carries an NSEC or NSEC3 record: the query
// files sent with DO are those of signed zones, whose denials must carry proofs.
func (b *Bench) crossCheck(ctx context.Context, title string, rs []*Running, g *Generated) error {
	qs := sampleKinds(g.Queries, agreeQueries)
	var diffs []string
	denials := 0
	for _, q := range qs {
		got := make([]shape, len(rs))
		for i, r := range rs {
			s, err := ask(ctx, r.Port, q, g.DO)
			if err != nil {
				return fmt.Errorf("%s cross-check, %s: %v", title, r.Name, err)
			}
			got[i] = s
			denials += s.NSEC + s.NSEC3
		}
		same := true
		for _, s := range got[1:] {
			same = same && s == got[0]
		}
		if !same {
			var each []string
			for i, r := range rs {
				each = append(each, fmt.Sprintf("%s %v", r.Name, got[i]))
			}
			diffs = append(diffs, fmt.Sprintf("  %s %s (%s): %s", q.Name, q.Type, q.Kind, strings.Join(each, "; ")))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s cross-check: the servers answer %d of %d queries differently (rcode, TC, NSEC3 and NSEC records in the authority section), so their figures would not compare:\n%s",
			title, len(diffs), len(qs), strings.Join(diffs, "\n"))
	}
	if g.DO && denials == 0 && len(qs) > 0 {
		return fmt.Errorf("%s cross-check: no reply to %d queries with DO carries an NSEC or NSEC3 record: the zone is not served signed", title, len(qs))
	}
	fmt.Fprintf(b.Log, "  cross-check: %d queries (up to %d of each kind) answered alike by every server (%d NSEC/NSEC3 records each)\n",
		len(qs), agreeQueries, denials/max(len(rs), 1))
	return nil
}

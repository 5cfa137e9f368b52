package server_test

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// This file plans the queries of the differential test from the zone files themselves
// (parsed here with miekg/dns directly, independently of package zone) and sends them
// to both servers over TCP or UDP.

// diffQuery is one question of the differential test.
type diffQuery struct {
	Name  string
	Type  uint16
	Class uint16 // dns.ClassINET unless a test says otherwise
}

func (q diffQuery) String() string {
	return fmt.Sprintf("%s %s", q.Name, dns.TypeToString[q.Type])
}

// extraTypes are asked at every owner name besides the types it holds.
var extraTypes = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeSOA, dns.TypeMX, dns.TypeTXT, dns.TypeDS, dns.TypeANY,
}

// zoneNames is what the planner learns from a master file.
type zoneNames struct {
	origin string
	owners map[string]map[uint16]bool // lower-case owner → types held
	order  []string                   // owners in file order
}

// readNames parses the master file of spec with miekg/dns's ZoneParser (the files of
// ../shared/data use no $INCLUDE).
func readNames(spec zoneSpec) (*zoneNames, error) {
	f, err := os.Open(spec.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zn := &zoneNames{origin: strings.ToLower(spec.Origin), owners: map[string]map[uint16]bool{}}
	zp := dns.NewZoneParser(f, spec.Origin, spec.File)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.ToLower(rr.Header().Name)
		types := zn.owners[name]
		if types == nil {
			types = map[uint16]bool{}
			zn.owners[name] = types
			zn.order = append(zn.order, name)
		}
		types[rr.Header().Rrtype] = true
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(spec.File), err)
	}
	return zn, nil
}

// plan returns the queries for one zone: every owner name with the types it holds and
// extraTypes; the empty non-terminals between owners and the apex; names that do not
// exist directly under the apex, under every delegation point and under every
// wildcard's parent; and a mixed-case variant of every tenth name. With around set
// (the DNSSEC differential), also a name that does not exist below every owner and one
// beside it, just after the owner's subtree in the canonical order of RFC 4034 section
// 6.1, so that the denial proofs cover every span of the NSEC chain.
//
// When that is more than budget queries, the plain names (those holding only A and
// AAAA, like the 20,000 hosts of PowerDNS's example.com or the glue of the root zone)
// are sampled deterministically (every Nth query) and every other query is kept; only
// if those alone exceed budget are they sampled too.
func (zn *zoneNames) plan(budget int, around bool) (qs []diffQuery, total int) {
	seen := map[diffQuery]bool{}
	var plain []diffQuery
	add := func(name string, t uint16, isPlain bool) {
		q := diffQuery{Name: name, Type: t, Class: dns.ClassINET}
		if seen[q] {
			return
		}
		seen[q] = true
		if isPlain {
			plain = append(plain, q)
		} else {
			qs = append(qs, q)
		}
	}
	ents := map[string]bool{}
	for i, name := range zn.order {
		types := zn.owners[name]
		own := make([]uint16, 0, len(types))
		isPlain := !strings.Contains(name, "*")
		for t := range types {
			own = append(own, t)
			isPlain = isPlain && (t == dns.TypeA || t == dns.TypeAAAA)
		}
		sort.Slice(own, func(a, b int) bool { return own[a] < own[b] })
		for _, t := range own {
			add(name, t, isPlain)
		}
		for _, t := range extraTypes {
			add(name, t, isPlain)
		}
		if i%10 == 0 {
			add(mixCase(name), own[0], isPlain)
		}
		// Empty non-terminals: ancestors up to the apex that own nothing.
		for n := parent(name); n != "" && dns.IsSubDomain(zn.origin, n) && n != zn.origin; n = parent(n) {
			if zn.owners[n] == nil && !ents[n] {
				ents[n] = true
				add(n, dns.TypeA, false)
				add(n, dns.TypeTXT, false)
			}
		}
		// Names that do not exist: under a delegation point (a referral), under a
		// wildcard's parent (synthesis), beside the name (NXDOMAIN or synthesis).
		if types[dns.TypeNS] && name != zn.origin {
			add(child("nx-below", name), dns.TypeA, false)
		}
		if strings.HasPrefix(name, "*.") {
			add("nx-wild"+name[1:], dns.TypeA, false)
			add("nx-wild"+name[1:], dns.TypeMX, false)
			add("two.labels"+name[1:], dns.TypeA, false)
		}
		if around {
			add(child("nx-below", name), dns.TypeA, isPlain)
			if b := beside(name); b != "" {
				add(b, dns.TypeAAAA, isPlain)
			}
		}
	}
	add(child("nx-apex-a7f3", zn.origin), dns.TypeA, false)
	add(child("nx-apex-a7f3", zn.origin), dns.TypeSOA, false)
	add(mixCase(child("nx-apex-b9c1", zn.origin)), dns.TypeAAAA, false)
	total = len(qs) + len(plain)
	if len(qs) >= budget {
		return sample(qs, budget), total
	}
	return append(qs, sample(plain, budget-len(qs))...), total
}

// sample returns every Nth query of qs so that at most n remain.
func sample(qs []diffQuery, n int) []diffQuery {
	if len(qs) <= n {
		return qs
	}
	stride := (len(qs) + n - 1) / n
	var kept []diffQuery
	for i := 0; i < len(qs); i += stride {
		kept = append(kept, qs[i])
	}
	return kept
}

// beside returns a name that sorts just after name and everything below it (RFC 4034
// section 6.1): name's first label with "-nx" appended, or "" for the root or a label
// too long for it.
func beside(name string) string {
	off, end := dns.NextLabel(name, 0)
	if name == "." || end || off > 60 {
		return ""
	}
	return name[:off-1] + "-nx." + name[off:]
}

// child returns the name label.name, fully qualified (label. under the root).
func child(label, name string) string {
	if name == "." {
		return label + "."
	}
	return label + "." + name
}

// parent returns the name without its first label, "" for the root.
func parent(name string) string {
	if name == "." {
		return ""
	}
	off, end := dns.NextLabel(name, 0)
	if end {
		return ""
	}
	return name[off:]
}

// mixCase upper-cases letters of name chosen by a hash of it (deterministic).
func mixCase(name string) string {
	h := fnv.New64a()
	io.WriteString(h, name)
	bits := h.Sum64()
	b := []byte(name)
	for i, c := range b {
		if c >= 'a' && c <= 'z' && (bits>>(uint(i)%64))&1 == 1 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// transport says how the differential test asks: over TCP with EDNS(0), or over UDP
// with EDNS(0) or without it (then a reply is limited to 512 bytes, RFC 1035 section
// 4.2.1); with the DO bit (RFC 3225) or without it.
type transport struct {
	name string // for messages: "tcp", "udp-noedns"...
	net  string // "tcp" or "udp"
	edns uint16 // the EDNS(0) payload size offered; 0 sends no OPT record
	do   bool   // DNSSEC OK: needs EDNS(0)
}

var (
	overTCP     = transport{name: "tcp", net: "tcp", edns: 1232}
	overUDP512  = transport{name: "udp without EDNS", net: "udp"}
	overUDP1232 = transport{name: "udp with EDNS 1232", net: "udp", edns: 1232}

	// The DO bit travels in the OPT record (RFC 3225 section 3), so the smallest UDP
	// reply a DNSSEC query can ask for is an EDNS(0) payload of 512 octets.
	overTCPDO     = transport{name: "tcp +dnssec", net: "tcp", edns: 1232, do: true}
	overUDP512DO  = transport{name: "udp with EDNS 512 +dnssec", net: "udp", edns: 512, do: true}
	overUDP1232DO = transport{name: "udp with EDNS 1232 +dnssec", net: "udp", edns: 1232, do: true}
)

// querier sends queries to one server over one transport. Over TCP it keeps one
// connection, redialling once when the server has closed it (an idle timeout or a
// per-connection query cap, RFC 7766 section 6.2.3); over UDP it uses a new socket per
// query and retries once after a timeout.
type querier struct {
	tr   transport
	addr string
	conn *dns.Conn // TCP only
}

func (c *querier) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// exchange sends q (with DO as the transport says) and returns the reply.
func (c *querier) exchange(q diffQuery, id uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.Id = id
	m.Question = []dns.Question{{Name: q.Name, Qtype: q.Type, Qclass: q.Class}}
	if c.tr.edns > 0 {
		m.SetEdns0(c.tr.edns, c.tr.do)
	}
	var lastErr error
	for range 2 {
		if c.conn == nil {
			nc, err := net.DialTimeout(c.tr.net, c.addr, 2*time.Second)
			if err != nil {
				return nil, err
			}
			c.conn = &dns.Conn{Conn: nc, UDPSize: dns.MaxMsgSize}
		}
		c.conn.SetDeadline(time.Now().Add(3 * time.Second))
		err := c.conn.WriteMsg(m)
		var r *dns.Msg
		if err == nil {
			r, err = c.conn.ReadMsg()
		}
		if c.tr.net == "udp" {
			c.close()
		}
		if err == nil {
			if r.Id != id {
				return nil, fmt.Errorf("reply id %d, want %d", r.Id, id)
			}
			return r, nil
		}
		lastErr = err
		c.close()
	}
	return nil, lastErr
}

// pairResult is the reply of both servers to one query.
type pairResult struct {
	q          diffQuery
	knot, ours *dns.Msg
	err        error
}

// askBoth sends every query to both servers over tr with workers concurrent queriers
// per server, stopping early when deadline passes; results come back in query order.
func askBoth(qs []diffQuery, tr transport, knotAddr, oursAddr string, workers int, deadline time.Time) ([]pairResult, error) {
	res := make([]pairResult, len(qs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := &querier{tr: tr, addr: knotAddr}
			o := &querier{tr: tr, addr: oursAddr}
			defer k.close()
			defer o.close()
			for i := range next {
				id := uint16(i*workers + w)
				r := pairResult{q: qs[i]}
				r.knot, r.err = k.exchange(qs[i], id)
				if r.err != nil {
					r.err = fmt.Errorf("knot: %w", r.err)
				} else if r.ours, r.err = o.exchange(qs[i], id); r.err != nil {
					r.err = fmt.Errorf("ours: %w", r.err)
				}
				res[i] = r
			}
		}()
	}
	var err error
	sent := 0
	for ; sent < len(qs); sent++ {
		if time.Now().After(deadline) {
			err = errors.New("time budget exhausted")
			break
		}
		next <- sent
	}
	close(next)
	wg.Wait()
	return res[:sent], err
}

package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// readZone parses a generated zone file with miekg/dns and returns its records.
func readZone(t *testing.T, path, origin string) []dns.RR {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rrs []dns.RR
	zp := dns.NewZoneParser(f, origin, path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone %s does not parse: %v", path, err)
	}
	return rrs
}

// readQueryFile parses a dnsperf query file: every line must be a valid name and a
// known type; it returns the lines.
func readQueryFile(t *testing.T, path string) []Query {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var qs []Query
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			t.Fatalf("query line %q: got %d fields, want 2", sc.Text(), len(f))
		}
		if _, ok := dns.IsDomainName(f[0]); !ok || !dns.IsFqdn(f[0]) {
			t.Fatalf("query line %q: %q is not a fully qualified domain name", sc.Text(), f[0])
		}
		if _, ok := dns.StringToType[f[1]]; !ok {
			t.Fatalf("query line %q: unknown type %q", sc.Text(), f[1])
		}
		// The name must survive packing into a query, as dnsperf sends it.
		m := new(dns.Msg)
		m.SetQuestion(f[0], dns.StringToType[f[1]])
		if _, err := m.Pack(); err != nil {
			t.Fatalf("query line %q does not pack: %v", sc.Text(), err)
		}
		qs = append(qs, Query{Name: f[0], Type: f[1]})
	}
	return qs
}

// kinds counts queries by kind.
func kinds(qs []Query) map[string]int {
	m := map[string]int{}
	for _, q := range qs {
		m[q.Kind]++
	}
	return m
}

// checkMix asserts that qs holds each kind in its exact share of n.
func checkMix(t *testing.T, qs []Query, n int, shares []Share) {
	t.Helper()
	if len(qs) != n {
		t.Fatalf("got %d queries, want %d", len(qs), n)
	}
	got := kinds(qs)
	for _, s := range shares {
		if want := n * s.Percent / 100; got[s.Kind] != want {
			t.Errorf("%s queries: got %d, want %d (%d%% of %d)", s.Kind, got[s.Kind], want, s.Percent, n)
		}
	}
}

// checkFile asserts that the query file on disk is qs, line for line.
func checkFile(t *testing.T, path string, qs []Query) {
	t.Helper()
	file := readQueryFile(t, path)
	if len(file) != len(qs) {
		t.Fatalf("query file: got %d lines, want %d", len(file), len(qs))
	}
	for i := range qs {
		if file[i].Name != qs[i].Name || file[i].Type != qs[i].Type {
			t.Fatalf("query file line %d: got %s %s, want %s %s", i+1, file[i].Name, file[i].Type, qs[i].Name, qs[i].Type)
		}
	}
}

// names indexes a zone's records by owner and by owner+type.
type names struct {
	owners map[string]bool
	rrsets map[string]bool // "owner TYPE"
	cuts   map[string]bool // delegation points
}

func index(rrs []dns.RR, origin string) names {
	n := names{owners: map[string]bool{}, rrsets: map[string]bool{}, cuts: map[string]bool{}}
	for _, rr := range rrs {
		h := rr.Header()
		n.owners[h.Name] = true
		n.rrsets[h.Name+" "+dns.TypeToString[h.Rrtype]] = true
		if h.Rrtype == dns.TypeNS && h.Name != origin {
			n.cuts[h.Name] = true
		}
	}
	return n
}

// belowCut returns the delegation point above name, if any.
func (n names) belowCut(name string) (string, bool) {
	labels := dns.SplitDomainName(name)
	for i := 1; i < len(labels); i++ {
		if p := dns.Fqdn(strings.Join(labels[i:], ".")); n.cuts[p] {
			return p, true
		}
	}
	return "", false
}

func TestGenMix(t *testing.T) {
	dir := t.TempDir()
	const n = 10_000
	g, err := genMix(dir, 7, n)
	if err != nil {
		t.Fatal(err)
	}
	if g.DO {
		t.Error("mix suite: got DO set, want queries without EDNS")
	}
	rrs := readZone(t, g.ZoneFile, g.Origin)
	if len(rrs) != mixRecords || g.Records != mixRecords {
		t.Fatalf("mix zone: got %d records parsed (%d counted), want %d", len(rrs), g.Records, mixRecords)
	}
	byType := map[uint16]int{}
	for _, rr := range rrs {
		byType[rr.Header().Rrtype]++
	}
	for _, c := range []struct {
		typ  uint16
		want int
	}{
		{dns.TypeSOA, 1},
		{dns.TypeNS, 2 + 2*mixDelegations},
		{dns.TypeCNAME, mixCNAMEs},
		{dns.TypeA, 2 + 1 + 2*mixDelegations + mixHosts},
		{dns.TypeAAAA, 2 + mixDelegations + (mixHosts+1)/2},
		{dns.TypeMX, 2 + (mixHosts+3)/4},
		{dns.TypeTXT, 1 + 1 + mixTXTHosts},
	} {
		if byType[c.typ] != c.want {
			t.Errorf("%s records: got %d, want %d", dns.TypeToString[c.typ], byType[c.typ], c.want)
		}
	}
	checkMix(t, g.Queries, n, mixShares)
	checkFile(t, g.QueryFile, g.Queries)

	// Each query is of the kind it claims to be, against the zone as written.
	z := index(rrs, g.Origin)
	for _, q := range g.Queries {
		cut, below := z.belowCut(q.Name)
		var ok bool
		switch q.Kind {
		case "hit", "mx", "txt":
			ok = z.rrsets[q.Name+" "+q.Type] && !below
		case "cname":
			ok = z.rrsets[q.Name+" CNAME"]
		case "nxdomain":
			ok = !z.owners[q.Name] && !below && !strings.HasSuffix(q.Name, ".wild."+g.Origin)
		case "wildcard":
			ok = !z.owners[q.Name] && strings.HasSuffix(q.Name, ".wild."+g.Origin) && z.rrsets["*.wild."+g.Origin+" "+q.Type]
		case "referral":
			ok = below && cut != q.Name
		}
		if !ok {
			t.Fatalf("query %s %s: not a %s in the mix zone", q.Name, q.Type, q.Kind)
		}
	}
}

func TestGeneratorsAreDeterministic(t *testing.T) {
	for name, gen := range map[string]func(dir string, seed uint64) (*Generated, error){
		"mix":   func(dir string, seed uint64) (*Generated, error) { return genMix(dir, seed, 1000) },
		"nsec3": func(dir string, seed uint64) (*Generated, error) { return genNSEC3(dir, 1000, seed, 1000) },
	} {
		files := func(seed uint64) []byte {
			g, err := gen(t.TempDir(), seed)
			if err != nil {
				t.Fatal(err)
			}
			z, _ := os.ReadFile(g.ZoneFile)
			q, _ := os.ReadFile(g.QueryFile)
			return append(z, q...)
		}
		a, b, c := files(1), files(1), files(2)
		if !bytes.Equal(a, b) {
			t.Errorf("%s, seed 1 twice: got different files, want the same", name)
		}
		if bytes.Equal(a, c) {
			t.Errorf("%s, seeds 1 and 2: got the same files, want different", name)
		}
	}
}

func TestGenRoot(t *testing.T) {
	rootZone := filepath.Join("..", "..", "zone", "testdata", "root.zone")
	if _, err := os.Stat(rootZone); err != nil {
		t.Fatalf("root zone: %v", err)
	}
	const n = 5_000
	g, err := genRoot(t.TempDir(), rootZone, 3, n)
	if err != nil {
		t.Fatal(err)
	}
	if !g.DO {
		t.Error("root suite: got DO clear, want every query sent with DO")
	}
	checkMix(t, g.Queries, n, rootShares)
	checkFile(t, g.QueryFile, g.Queries)
	z := index(readZone(t, rootZone, "."), ".")
	for _, q := range g.Queries {
		cut, below := z.belowCut(q.Name)
		var ok bool
		switch q.Kind {
		case "referral":
			ok = below && dns.CountLabel(cut) == 1
		case "nxdomain":
			tld := dns.Fqdn(dns.SplitDomainName(q.Name)[dns.CountLabel(q.Name)-1])
			ok = !z.owners[tld]
		case "ds":
			ok = z.rrsets[q.Name+" DS"] && z.cuts[q.Name]
		case "ns", "soa", "dnskey":
			ok = q.Name == "." && z.rrsets[". "+q.Type]
		}
		if !ok {
			t.Fatalf("query %s %s: not a %s in the root zone", q.Name, q.Type, q.Kind)
		}
	}
	got, err := countRecords(rootZone, ".")
	if err != nil || got != 24911 {
		t.Errorf("countRecords(root.zone): got %d, %v; want 24911, nil", got, err)
	}
}

func TestGenSize(t *testing.T) {
	for _, n := range []int{1, 1000} {
		g, err := genSize(t.TempDir(), n, 5, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if g.DO {
			t.Errorf("size %d: got DO set, want queries without EDNS", n)
		}
		rrs := readZone(t, g.ZoneFile, g.Origin)
		if want := 3*n + 3; len(rrs) != want || g.Records != want {
			t.Fatalf("size %d: got %d records parsed (%d counted), want %d", n, len(rrs), g.Records, want)
		}
		z := index(rrs, g.Origin)
		if len(z.cuts) != n {
			t.Errorf("size %d: got %d delegations, want %d", n, len(z.cuts), n)
		}
		for cut := range z.cuts {
			glue := "ns1." + cut
			if !z.rrsets[glue+" A"] || !z.rrsets[glue+" AAAA"] {
				t.Fatalf("size %d: delegation %s: no A and AAAA glue at %s", n, cut, glue)
			}
		}
		checkMix(t, g.Queries, 2000, sizeShares)
		checkFile(t, g.QueryFile, g.Queries)
		for _, q := range g.Queries {
			_, below := z.belowCut(q.Name)
			if (q.Kind == "referral") != below || (q.Kind == "nxdomain" && z.owners[q.Name]) {
				t.Fatalf("size %d: query %s: not a %s", n, q.Name, q.Kind)
			}
		}
	}
}

func TestCounts(t *testing.T) {
	for _, c := range []struct {
		name   string
		n      int
		shares []Share
		want   map[string]int
		err    bool
	}{
		{"exact", 100, []Share{{"a", 60}, {"b", 40}}, map[string]int{"a": 60, "b": 40}, false},
		{"remainder to the first", 7, []Share{{"a", 50}, {"b", 50}}, map[string]int{"a": 4, "b": 3}, false},
		{"not 100", 10, []Share{{"a", 50}, {"b", 40}}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := counts(c.n, c.shares)
			if (err != nil) != c.err {
				t.Fatalf("got error %v, want error %v", err, c.err)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: got %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

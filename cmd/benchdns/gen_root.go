package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// rootShares is the root-zone query mix: mostly referrals to TLDs, a quarter of junk
// for TLDs that do not exist (as root servers see), DS of signed delegations, and the
// apex records resolvers prime with (RFC 8109: NS; SOA; DNSKEY for validation).
var rootShares = []Share{
	{"referral", 55}, // below a TLD: a referral with glue (RFC 1034 section 4.3.2, step 3b)
	{"nxdomain", 25}, // a TLD that does not exist
	{"ds", 10},       // DS of a TLD, answered by the parent (RFC 4035 section 3.1.4.1)
	{"ns", 4},        // ". NS", the priming query (RFC 8109)
	{"soa", 3},       // ". SOA"
	{"dnskey", 3},    // ". DNSKEY"
}

// junkTLDs are names that leak to the root from private networks (RFC 8375, SAC045);
// the generator uses those the zone does not hold.
var junkTLDs = []string{"local", "home", "corp", "lan", "localdomain", "internal", "domain", "belkin", "dlink"}

// rootTLDs reads a root zone and returns its delegated TLDs, sorted, and those of them
// with a DS RRset.
func rootTLDs(path string) (tlds, signed []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	ns := map[string]bool{}
	ds := map[string]bool{}
	zp := dns.NewZoneParser(f, ".", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		name := strings.ToLower(h.Name)
		if name == "." || dns.CountLabel(name) != 1 {
			continue
		}
		switch h.Rrtype {
		case dns.TypeNS:
			ns[name] = true
		case dns.TypeDS:
			ds[name] = true
		}
	}
	if err := zp.Err(); err != nil {
		return nil, nil, err
	}
	for n := range ns {
		tlds = append(tlds, n)
		if ds[n] {
			signed = append(signed, n)
		}
	}
	slices.Sort(tlds)
	slices.Sort(signed)
	if len(tlds) == 0 || len(signed) == 0 {
		return nil, nil, fmt.Errorf("%s: no delegations with DS", path)
	}
	return tlds, signed, nil
}

// genRoot writes nQueries root-zone queries into dir; the zone is rootZone as it is.
// Every query is sent with DO, as security-aware resolvers must send theirs (RFC 4035
// section 4.1), so that every answer carries the zone's RRSIGs and every NXDOMAIN its
// NSEC proofs (RFC 4035 section 3.1.3.2).
func genRoot(dir, rootZone string, seed uint64, nQueries int) (*Generated, error) {
	tlds, signed, err := rootTLDs(rootZone)
	if err != nil {
		return nil, err
	}
	g := &Generated{Origin: ".", ZoneFile: rootZone, QueryFile: filepath.Join(dir, "root.queries"), DO: true}
	exists := make(map[string]bool, len(tlds))
	for _, t := range tlds {
		exists[t] = true
	}
	var junk []string
	for _, j := range junkTLDs {
		if !exists[j+"."] {
			junk = append(junk, j+".")
		}
	}
	r := newRand(seed)
	c, err := counts(nQueries, rootShares)
	if err != nil {
		return nil, err
	}
	qs := make([]Query, 0, nQueries)
	add := func(kind, name, typ string) { qs = append(qs, Query{Name: name, Type: typ, Kind: kind}) }
	for range c["referral"] {
		typ := "A"
		if r.IntN(3) == 0 {
			typ = "AAAA"
		}
		add("referral", fmt.Sprintf("www.example%d.%s", r.IntN(10_000), tlds[r.IntN(len(tlds))]), typ)
	}
	for range c["nxdomain"] {
		// Half well-known leaks, half random labels (the Chromium probes of old).
		if r.IntN(2) == 0 && len(junk) > 0 {
			add("nxdomain", fmt.Sprintf("host%d.%s", r.IntN(1000), junk[r.IntN(len(junk))]), "A")
			continue
		}
		for {
			n := fmt.Sprintf("%c%c%c%c%c%c%c%c.", 'a'+r.IntN(26), 'a'+r.IntN(26), 'a'+r.IntN(26),
				'a'+r.IntN(26), 'a'+r.IntN(26), 'a'+r.IntN(26), 'a'+r.IntN(26), 'a'+r.IntN(26))
			if !exists[n] {
				add("nxdomain", n, "A")
				break
			}
		}
	}
	for range c["ds"] {
		add("ds", signed[r.IntN(len(signed))], "DS")
	}
	for range c["ns"] {
		add("ns", ".", "NS")
	}
	for range c["soa"] {
		add("soa", ".", "SOA")
	}
	for range c["dnskey"] {
		add("dnskey", ".", "DNSKEY")
	}
	shuffle(r, qs)
	g.Queries = qs
	return g, writeQueries(g.QueryFile, qs)
}

// countRecords returns the number of records in a zone file.
func countRecords(path, origin string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	zp := dns.NewZoneParser(f, origin, path)
	for _, ok := zp.Next(); ok; _, ok = zp.Next() {
		n++
	}
	return n, zp.Err()
}

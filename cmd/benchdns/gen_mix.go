package main

import (
	"fmt"
	"path/filepath"
)

// The mix zone: exactly mixRecords records under mixOrigin. Its parts:
//
//	apex        SOA, 2 NS, 2 MX, 1 TXT, and ns1/ns2 with A and AAAA      10
//	wildcard    *.wild A and TXT (RFC 4592)                                2
//	delegations del0..del99, each 2 NS, glue ns1 A+AAAA, ns2 A           500
//	CNAMEs      alias0..alias99 → a host                                 100
//	hosts       host0..host649 A; AAAA on even hosts; MX on every 4th;
//	            TXT on the first mixTXTHosts                             1388
const (
	mixOrigin      = "bench.example."
	mixRecords     = 2000
	mixHosts       = 650
	mixDelegations = 100
	mixCNAMEs      = 100
	mixTXTHosts    = mixRecords - 10 - 2 - 5*mixDelegations - mixCNAMEs - mixHosts - (mixHosts+1)/2 - (mixHosts+3)/4
)

// mixShares is the mix query file: what an authoritative server for a busy zone sees.
var mixShares = []Share{
	{"hit", 40},      // A and AAAA of hosts that have them
	{"nxdomain", 20}, // names that do not exist (RFC 2308 section 2.1)
	{"wildcard", 10}, // names synthesised from *.wild (RFC 4592)
	{"referral", 10}, // names below a delegation (RFC 1034 section 4.3.2, step 3b)
	{"mx", 8},        // MX of hosts and of the apex
	{"txt", 7},       // TXT of hosts and of the apex
	{"cname", 5},     // A of an alias, answered with the CNAME and its target
}

// genMix writes the mix zone and nQueries queries into dir.
func genMix(dir string, seed uint64, nQueries int) (*Generated, error) {
	g := &Generated{
		Origin:    mixOrigin,
		ZoneFile:  filepath.Join(dir, "mix.zone"),
		QueryFile: filepath.Join(dir, "mix.queries"),
	}
	r := newRand(seed)
	z, err := createZone(g.ZoneFile)
	if err != nil {
		return nil, err
	}
	o := mixOrigin
	z.apex(o, 2026112601)
	z.rr(o, 3600, "MX", "10 mx1."+o)
	z.rr(o, 3600, "MX", "20 mx2."+o)
	z.rr(o, 3600, "TXT", `"v=spf1 mx -all"`)
	z.rr("*.wild."+o, 300, "A", "192.0.2.200")
	z.rr("*.wild."+o, 300, "TXT", `"synthesised from a wildcard"`)
	for i := range mixDelegations {
		d := fmt.Sprintf("del%d.%s", i, o)
		z.rr(d, 86400, "NS", "ns1."+d)
		z.rr(d, 86400, "NS", "ns2."+d)
		z.rr("ns1."+d, 86400, "A", fmt.Sprintf("198.51.100.%d", i))
		z.rr("ns1."+d, 86400, "AAAA", fmt.Sprintf("2001:db8:1::%x", i))
		z.rr("ns2."+d, 86400, "A", fmt.Sprintf("203.0.113.%d", i))
	}
	for i := range mixCNAMEs {
		z.rr(fmt.Sprintf("alias%d.%s", i, o), 300, "CNAME", fmt.Sprintf("host%d.%s", r.IntN(mixHosts), o))
	}
	for i := range mixHosts {
		h := fmt.Sprintf("host%d.%s", i, o)
		z.rr(h, 300, "A", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if i%2 == 0 {
			z.rr(h, 300, "AAAA", fmt.Sprintf("2001:db8:2::%x", i))
		}
		if i%4 == 0 {
			z.rr(h, 300, "MX", "10 mx1."+o)
		}
		if i < mixTXTHosts {
			z.rr(h, 300, "TXT", fmt.Sprintf(`"host %d"`, i))
		}
	}
	g.Records = z.records
	if err := z.close(); err != nil {
		return nil, err
	}
	if g.Records != mixRecords {
		return nil, fmt.Errorf("mix zone: wrote %d records, want %d", g.Records, mixRecords)
	}

	c, err := counts(nQueries, mixShares)
	if err != nil {
		return nil, err
	}
	qs := make([]Query, 0, nQueries)
	add := func(kind, name, typ string) { qs = append(qs, Query{Name: name, Type: typ, Kind: kind}) }
	for range c["hit"] {
		// Even hosts have AAAA; ask AAAA of a quarter of them, A of the rest.
		i := r.IntN(mixHosts)
		if i%2 == 0 && r.IntN(4) == 0 {
			add("hit", fmt.Sprintf("host%d.%s", i, o), "AAAA")
		} else {
			add("hit", fmt.Sprintf("host%d.%s", i, o), "A")
		}
	}
	for range c["nxdomain"] {
		add("nxdomain", fmt.Sprintf("nx%d.%s", r.Uint32(), o), "A")
	}
	for range c["wildcard"] {
		typ := "A"
		if r.IntN(4) == 0 {
			typ = "TXT"
		}
		add("wildcard", fmt.Sprintf("w%d.wild.%s", r.IntN(1_000_000), o), typ)
	}
	for range c["referral"] {
		add("referral", fmt.Sprintf("www.del%d.%s", r.IntN(mixDelegations), o), "A")
	}
	for range c["mx"] {
		if r.IntN(8) == 0 {
			add("mx", o, "MX")
		} else {
			add("mx", fmt.Sprintf("host%d.%s", 4*r.IntN((mixHosts+3)/4), o), "MX")
		}
	}
	for range c["txt"] {
		if r.IntN(8) == 0 {
			add("txt", o, "TXT")
		} else {
			add("txt", fmt.Sprintf("host%d.%s", r.IntN(mixTXTHosts), o), "TXT")
		}
	}
	for range c["cname"] {
		add("cname", fmt.Sprintf("alias%d.%s", r.IntN(mixCNAMEs), o), "A")
	}
	shuffle(r, qs)
	g.Queries = qs
	return g, writeQueries(g.QueryFile, qs)
}

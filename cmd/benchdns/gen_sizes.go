package main

import (
	"fmt"
	"path/filepath"
)

// sizeOrigin is the synthetic TLD of the zone-size series.
const sizeOrigin = "tld."

// sizeShares is the size-series query mix: what a TLD server mostly answers.
var sizeShares = []Share{
	{"referral", 80}, // below a delegation: a referral with glue
	{"nxdomain", 20}, // a second-level name that is not delegated
}

// genSize writes a TLD-like zone of n delegations, each with glue, and nQueries queries
// into dir:
//
//	nameN.tld.      NS    ns1.nameN.tld.
//	ns1.nameN.tld.  A     an address from N
//	ns1.nameN.tld.  AAAA  an address from N
//
// plus the apex SOA, NS and the NS's address: 3n+3 records.
func genSize(dir string, n int, seed uint64, nQueries int) (*Generated, error) {
	g := &Generated{
		Origin:    sizeOrigin,
		ZoneFile:  filepath.Join(dir, fmt.Sprintf("size%d.zone", n)),
		QueryFile: filepath.Join(dir, fmt.Sprintf("size%d.queries", n)),
	}
	z, err := createZone(g.ZoneFile)
	if err != nil {
		return nil, err
	}
	o := sizeOrigin
	z.rr(o, 86400, "SOA", "a.nic."+o+" hostmaster.nic."+o+" 2026112601 1800 900 604800 86400")
	z.rr(o, 86400, "NS", "a.nic."+o)
	z.rr("a.nic."+o, 86400, "A", "192.0.2.53")
	for i := range n {
		d := fmt.Sprintf("name%d.%s", i, o)
		z.rr(d, 172800, "NS", "ns1."+d)
		z.rr("ns1."+d, 172800, "A", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		z.rr("ns1."+d, 172800, "AAAA", fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff))
	}
	g.Records = z.records
	if err := z.close(); err != nil {
		return nil, err
	}
	r := newRand(seed ^ uint64(n))
	c, err := counts(nQueries, sizeShares)
	if err != nil {
		return nil, err
	}
	qs := make([]Query, 0, nQueries)
	for range c["referral"] {
		qs = append(qs, Query{Name: fmt.Sprintf("www.name%d.%s", r.IntN(n), o), Type: "A", Kind: "referral"})
	}
	for range c["nxdomain"] {
		qs = append(qs, Query{Name: fmt.Sprintf("name%d.%s", n+r.IntN(n+1), o), Type: "A", Kind: "nxdomain"})
	}
	shuffle(r, qs)
	g.Queries = qs
	return g, writeQueries(g.QueryFile, qs)
}

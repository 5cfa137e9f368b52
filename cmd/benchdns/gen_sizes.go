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
// plus the apex SOA, NS and the NS's address: 3n+3 records (writeDelegations).
func genSize(dir string, n int, seed uint64, nQueries int) (*Generated, error) {
	g := &Generated{
		Origin:    sizeOrigin,
		ZoneFile:  filepath.Join(dir, fmt.Sprintf("size%d.zone", n)),
		QueryFile: filepath.Join(dir, fmt.Sprintf("size%d.queries", n)),
	}
	var err error
	if g.Records, err = writeDelegations(g.ZoneFile, sizeOrigin, n, 0, 0); err != nil {
		return nil, err
	}
	o := sizeOrigin
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

// sizeSerial is the SOA serial of version 0 of a delegation zone.
const sizeSerial = 2026112601

// writeDelegations writes the TLD-like zone of genSize for origin into path, at
// version (0 is genSize's zone): the serial is sizeSerial+version, and the glue A record
// of each of the first version*perVersion delegations has moved to another address, so
// that from one version to the next exactly perVersion A records change (an IXFR of
// perVersion deletions and perVersion additions, RFC 1995 section 4). It returns the
// number of records written.
func writeDelegations(path, origin string, n, version, perVersion int) (int, error) {
	z, err := createZone(path)
	if err != nil {
		return 0, err
	}
	o := origin
	z.rr(o, 86400, "SOA", fmt.Sprintf("a.nic.%s hostmaster.nic.%s %d 1800 900 604800 86400", o, o, sizeSerial+version))
	z.rr(o, 86400, "NS", "a.nic."+o)
	z.rr("a.nic."+o, 86400, "A", "192.0.2.53")
	moved := version * perVersion
	for i := range n {
		d := fmt.Sprintf("name%d.%s", i, o)
		z.rr(d, 172800, "NS", "ns1."+d)
		if i < moved {
			z.rr("ns1."+d, 172800, "A", fmt.Sprintf("198.18.%d.%d", i>>8&255, i&255))
		} else {
			z.rr("ns1."+d, 172800, "A", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		}
		z.rr("ns1."+d, 172800, "AAAA", fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff))
	}
	return z.records, z.close()
}

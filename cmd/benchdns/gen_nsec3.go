package main

import (
	"fmt"
	"path/filepath"
)

// nsec3Origin is the zone of the nsec3 suite.
const nsec3Origin = "nsec3.example."

// The nsec3 zone before signing: exactly n owner names (nsec3Names by default) under
// nsec3Origin. Its parts, with d = n/nsec3DelegationShare:
//
//	apex          SOA, 2 NS, TXT; ns1 and ns2 with A and AAAA        3 names
//	wildcards     *.wild0..*.wild3, A and TXT (RFC 4592); each
//	              wild<k> is an empty non-terminal                    4 names
//	secure        s0..s<d-1>: NS and DS (a signed child), glue A      2d names
//	insecure      u0..u<d-1>: NS only (an unsigned child), glue A     2d names
//	hosts         host0..: A; AAAA on even hosts                      the rest
//
// The signer (signNSEC3) adds the DNSKEY and NSEC3PARAM RRsets, an NSEC3 record for
// every authoritative name, delegation and empty non-terminal, and the RRSIGs.
const (
	nsec3Names           = 100_000
	nsec3MinNames        = 100
	nsec3Wildcards       = 4
	nsec3DelegationShare = 50 // d secure and d insecure delegations: 2 % of the names each
)

// nsec3Shares is the nsec3 query file: a validating resolver's view of a signed zone,
// half of it names that do not exist or come from a wildcard, every query with DO.
// Each kind needs its own proof from the server (RFC 5155 section 7.2).
var nsec3Shares = []Share{
	{"nxdomain", 35},         // closest encloser proof and the wildcard's denial (7.2.2)
	{"wildcard", 12},         // A or TXT expanded from *.wild<k>, with the next closer name's denial (7.2.6)
	{"wildcard-nodata", 3},   // AAAA under *.wild<k>, which has none (7.2.5)
	{"hit", 25},              // A and AAAA of hosts, with their RRSIGs
	{"nodata", 5},            // MX of a host, A of an empty non-terminal (7.2.3)
	{"referral-secure", 5},   // below a signed child: DS and its RRSIG with the NS (RFC 4035 section 3.1.4)
	{"referral-insecure", 5}, // below an unsigned child: the NSEC3 of the cut proves no DS (7.2.7)
	{"ds", 5},                // DS of a signed child, answered by the parent
	{"ds-nodata", 5},         // DS of an unsigned child: the matching NSEC3 (7.2.4)
}

// nsec3Layout is how many names of each part a zone of n names has.
type nsec3Layout struct {
	delegations int // secure ones, and as many insecure
	hosts       int
}

func layoutNSEC3(n int) (nsec3Layout, error) {
	if n < nsec3MinNames {
		return nsec3Layout{}, fmt.Errorf("nsec3 zone: %d names, want at least %d", n, nsec3MinNames)
	}
	d := n / nsec3DelegationShare
	return nsec3Layout{delegations: d, hosts: n - 3 - nsec3Wildcards - 4*d}, nil
}

// nsec3Records is the number of records of the unsigned zone of layout l.
func (l nsec3Layout) records() int {
	return 4 + 4 + 2*nsec3Wildcards + 3*l.delegations + 2*l.delegations + l.hosts + (l.hosts+1)/2
}

// genNSEC3 writes the unsigned nsec3 zone of n names and nQueries queries into dir. The
// zone is to be signed (signNSEC3) before it is served; the queries are all sent with
// DO, as validating resolvers send them.
func genNSEC3(dir string, n int, seed uint64, nQueries int) (*Generated, error) {
	l, err := layoutNSEC3(n)
	if err != nil {
		return nil, err
	}
	g := &Generated{
		Origin:    nsec3Origin,
		ZoneFile:  filepath.Join(dir, fmt.Sprintf("nsec3-%d.zone", n)),
		QueryFile: filepath.Join(dir, fmt.Sprintf("nsec3-%d.queries", n)),
		DO:        true,
	}
	r := newRand(seed ^ uint64(n))
	z, err := createZone(g.ZoneFile)
	if err != nil {
		return nil, err
	}
	o := nsec3Origin
	z.apex(o, 2026120501)
	z.rr(o, 3600, "TXT", `"a signed zone for the nsec3 suite"`)
	for k := range nsec3Wildcards {
		w := fmt.Sprintf("*.wild%d.%s", k, o)
		z.rr(w, 300, "A", fmt.Sprintf("192.0.2.%d", 100+k))
		z.rr(w, 300, "TXT", fmt.Sprintf(`"synthesised from wildcard %d"`, k))
	}
	for i := range l.delegations {
		s := fmt.Sprintf("s%d.%s", i, o)
		z.rr(s, 86400, "NS", "ns1."+s)
		// The DS of a child signed with ECDSAP256SHA256, SHA-256 digest (RFC 4509); the
		// digest is made up, which no server checks.
		z.rr(s, 86400, "DS", fmt.Sprintf("%d 13 2 %016x%016x%016x%016x", r.IntN(65536), r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()))
		z.rr("ns1."+s, 86400, "A", fmt.Sprintf("198.51.%d.%d", 100+i>>8&15, i&255))
		u := fmt.Sprintf("u%d.%s", i, o)
		z.rr(u, 86400, "NS", "ns1."+u)
		z.rr("ns1."+u, 86400, "A", fmt.Sprintf("203.0.%d.%d", 113+i>>8&15, i&255))
	}
	for i := range l.hosts {
		h := fmt.Sprintf("host%d.%s", i, o)
		z.rr(h, 300, "A", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if i%2 == 0 {
			z.rr(h, 300, "AAAA", fmt.Sprintf("2001:db8:2::%x:%x", i>>16, i&0xffff))
		}
	}
	g.Records = z.records
	if err := z.close(); err != nil {
		return nil, err
	}
	if g.Records != l.records() {
		return nil, fmt.Errorf("nsec3 zone: wrote %d records, want %d", g.Records, l.records())
	}

	c, err := counts(nQueries, nsec3Shares)
	if err != nil {
		return nil, err
	}
	qs := make([]Query, 0, nQueries)
	add := func(kind, name, typ string) { qs = append(qs, Query{Name: name, Type: typ, Kind: kind}) }
	wild := func() string { return fmt.Sprintf("w%d.wild%d.%s", r.IntN(1_000_000), r.IntN(nsec3Wildcards), o) }
	for range c["nxdomain"] {
		// Half with the apex as closest encloser, half with a host (RFC 5155 section 7.2.1).
		if r.IntN(2) == 0 {
			add("nxdomain", fmt.Sprintf("nx%d.%s", r.Uint32(), o), "A")
		} else {
			add("nxdomain", fmt.Sprintf("nx%d.host%d.%s", r.Uint32(), r.IntN(l.hosts), o), "A")
		}
	}
	for range c["wildcard"] {
		typ := "A"
		if r.IntN(4) == 0 {
			typ = "TXT"
		}
		add("wildcard", wild(), typ)
	}
	for range c["wildcard-nodata"] {
		add("wildcard-nodata", wild(), "AAAA")
	}
	for range c["hit"] {
		// Even hosts have AAAA; ask AAAA of a quarter of them, A of the rest.
		i := r.IntN(l.hosts)
		if i%2 == 0 && r.IntN(4) == 0 {
			add("hit", fmt.Sprintf("host%d.%s", i, o), "AAAA")
		} else {
			add("hit", fmt.Sprintf("host%d.%s", i, o), "A")
		}
	}
	for range c["nodata"] {
		if r.IntN(2) == 0 {
			add("nodata", fmt.Sprintf("host%d.%s", r.IntN(l.hosts), o), "MX")
		} else {
			add("nodata", fmt.Sprintf("wild%d.%s", r.IntN(nsec3Wildcards), o), "A")
		}
	}
	for range c["referral-secure"] {
		add("referral-secure", fmt.Sprintf("www.s%d.%s", r.IntN(l.delegations), o), "A")
	}
	for range c["referral-insecure"] {
		add("referral-insecure", fmt.Sprintf("www.u%d.%s", r.IntN(l.delegations), o), "A")
	}
	for range c["ds"] {
		add("ds", fmt.Sprintf("s%d.%s", r.IntN(l.delegations), o), "DS")
	}
	for range c["ds-nodata"] {
		add("ds-nodata", fmt.Sprintf("u%d.%s", r.IntN(l.delegations), o), "DS")
	}
	shuffle(r, qs)
	g.Queries = qs
	return g, writeQueries(g.QueryFile, qs)
}

package main

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// emptyNonTerminals returns the names between origin and an owner of rrs that own no
// record themselves (RFC 4592 section 2.2.2).
func emptyNonTerminals(rrs []dns.RR, origin string) map[string]bool {
	owners := map[string]bool{}
	for _, rr := range rrs {
		owners[rr.Header().Name] = true
	}
	ents := map[string]bool{}
	for o := range owners {
		for name := parent(o); name != "" && name != parent(origin); name = parent(name) {
			if !owners[name] {
				ents[name] = true
			}
		}
	}
	return ents
}

// parent returns name without its first label, "" for the root.
func parent(name string) string {
	if name == "." {
		return ""
	}
	_, rest, _ := strings.Cut(name, ".")
	if rest == "" {
		return "."
	}
	return rest
}

func TestLayoutNSEC3(t *testing.T) {
	for _, c := range []struct {
		n                  int
		delegations, hosts int
		err                bool
	}{
		{nsec3Names, 2000, 100_000 - 7 - 8000, false},
		{nsec3MinNames, 2, 100 - 7 - 8, false},
		{nsec3MinNames - 1, 0, 0, true},
	} {
		l, err := layoutNSEC3(c.n)
		if (err != nil) != c.err {
			t.Fatalf("layoutNSEC3(%d): got error %v, want error %v", c.n, err, c.err)
		}
		if err == nil && (l.delegations != c.delegations || l.hosts != c.hosts) {
			t.Errorf("layoutNSEC3(%d): got %d delegations and %d hosts, want %d and %d", c.n, l.delegations, l.hosts, c.delegations, c.hosts)
		}
	}
}

// TestGenNSEC3 checks the zone of the default size before signing, and that every
// query of the file is of the kind it claims against that zone.
func TestGenNSEC3(t *testing.T) {
	const n, nq = nsec3Names, 10_000
	g, err := genNSEC3(t.TempDir(), n, 9, nq)
	if err != nil {
		t.Fatal(err)
	}
	if !g.DO {
		t.Error("nsec3 suite: got DO clear, want every query sent with DO")
	}
	l, _ := layoutNSEC3(n)
	rrs := readZone(t, g.ZoneFile, g.Origin)
	if len(rrs) != l.records() || g.Records != len(rrs) {
		t.Fatalf("nsec3 zone: got %d records parsed (%d counted), want %d", len(rrs), g.Records, l.records())
	}
	z := index(rrs, g.Origin)
	if len(z.owners) != n {
		t.Errorf("nsec3 zone: got %d owner names, want %d", len(z.owners), n)
	}
	for _, rr := range rrs {
		switch rr.Header().Rrtype {
		case dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM:
			t.Fatalf("the unsigned zone holds %v, which is the signer's to add", rr)
		}
	}
	wildcards := 0
	for o := range z.owners {
		if strings.HasPrefix(o, "*.") {
			wildcards++
			if !z.rrsets[o+" A"] || !z.rrsets[o+" TXT"] {
				t.Errorf("wildcard %s: want A and TXT", o)
			}
		}
	}
	if wildcards != nsec3Wildcards {
		t.Errorf("got %d wildcards, want %d", wildcards, nsec3Wildcards)
	}
	secure := 0
	for cut := range z.cuts {
		if z.rrsets[cut+" DS"] {
			secure++
		}
		if !z.rrsets["ns1."+cut+" A"] {
			t.Fatalf("delegation %s: no glue A at ns1.%s", cut, cut)
		}
	}
	if secure != l.delegations || len(z.cuts) != 2*l.delegations {
		t.Errorf("got %d delegations, %d with DS; want %d, %d", len(z.cuts), secure, 2*l.delegations, l.delegations)
	}

	checkMix(t, g.Queries, nq, nsec3Shares)
	checkFile(t, g.QueryFile, g.Queries)
	k := kinds(g.Queries)
	if got := k["nxdomain"] + k["wildcard"] + k["wildcard-nodata"]; got != nq/2 {
		t.Errorf("NXDOMAIN and wildcard queries: got %d, want half of %d", got, nq)
	}
	ents := emptyNonTerminals(rrs, g.Origin)
	for _, q := range g.Queries {
		cut, below := z.belowCut(q.Name)
		wild := "*." + parent(q.Name)
		exists := z.owners[q.Name] || ents[q.Name]
		var ok bool
		switch q.Kind {
		case "hit":
			ok = z.rrsets[q.Name+" "+q.Type] && !below
		case "nxdomain":
			ok = !exists && !below && !z.owners[wild]
		case "wildcard":
			ok = !exists && z.rrsets[wild+" "+q.Type]
		case "wildcard-nodata":
			ok = !exists && z.owners[wild] && !z.rrsets[wild+" "+q.Type]
		case "nodata":
			ok = exists && !below && !z.cuts[q.Name] && !z.rrsets[q.Name+" "+q.Type]
		case "referral-secure", "referral-insecure":
			ok = below && cut != q.Name && z.rrsets[cut+" DS"] == (q.Kind == "referral-secure")
		case "ds", "ds-nodata":
			ok = z.cuts[q.Name] && q.Type == "DS" && z.rrsets[q.Name+" DS"] == (q.Kind == "ds")
		}
		if !ok {
			t.Fatalf("query %s %s: not a %s in the nsec3 zone", q.Name, q.Type, q.Kind)
		}
	}
	// Every kind of nodata is there: at a host, and at an empty non-terminal.
	var atHost, atENT bool
	for _, q := range g.Queries {
		if q.Kind == "nodata" {
			atHost = atHost || z.owners[q.Name]
			atENT = atENT || ents[q.Name]
		}
	}
	if !atHost || !atENT {
		t.Errorf("nodata queries: at a host %v, at an empty non-terminal %v; want both", atHost, atENT)
	}
}

package zone

import (
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// Build checks and compiles rrs as the zone at origin, exactly as a master file is at
// a load: the checks of Check (an error stops the zone), the Warnings, the compile,
// CheckDNSSEC with o and the earliest signature expiry, all reported in the
// LoadResult. It is how a zone received by zone transfer (RFC 5936) becomes a
// version that can serve: the records carry no file and line, so a problem names
// the record by its owner and type instead (zonefile.Error.Record).
//
// rrs is the zone's content, once: an AXFR's closing SOA must not be in it (RFC 5936
// section 2.2). Exact duplicates collapse and are counted in LoadResult.Duplicates.
// On error, the LoadResult holds the origin, the time spent and Err.
func Build(origin string, rrs []dns.RR, o DNSSECOptions) (*Zone, LoadResult, error) {
	start := time.Now()
	origin = strings.ToLower(dns.Fqdn(origin))
	res := LoadResult{Origin: origin}
	recs := make([]zonefile.Record, 0, len(rrs))
	for _, rr := range rrs {
		if rr != nil {
			recs = append(recs, zonefile.Record{RR: rr})
		}
	}
	z, err := build(origin, recs, o, &res)
	res.Took = time.Since(start)
	res.Err = err
	return z, res, err
}

// build is the part of a load that follows the reading of the records, shared by a
// master file load (loaded.load) and a zone received by transfer (Build): the checks
// and compile with the Warnings, then the DNSSEC checks with o. It fills res's
// serial, record count, duplicates dropped by the compile, warnings, DNSSEC report
// and signature expiry; its Took and Err are the caller's.
func build(origin string, recs []zonefile.Record, o DNSSECOptions, res *LoadResult) (*Zone, error) {
	z, warnings, err := compile(origin, recs, true)
	if err != nil {
		return nil, err
	}
	res.Serial, res.Records = z.Serial(), z.RecordCount()
	res.Duplicates += len(recs) - z.RecordCount()
	res.Warnings = warnings
	res.DNSSEC = CheckDNSSEC(z, recs, o)
	res.SignatureExpiry, _ = z.SignatureExpiry()
	z.shedRecords()
	return z, nil
}

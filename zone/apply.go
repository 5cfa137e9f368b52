package zone

import (
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Apply returns the version that diffs, applied in order to z, make (RFC 1995
// section 4): each delta's Removed records are taken out and its Added records put
// in, its old SOA replaced by its new one. A record is identified by its owner name
// (any case, RFC 4343), class, type and RDATA, never its TTL (RFC 2181 section 5):
// a TTL change is a removal and an addition. z is not modified, and lookups in it
// may go on while Apply runs.
//
// The new version is checked as Build checks a zone and answers as Build of its
// records would. It shares with z every name the deltas do not touch: only the
// changed names, and the names whose precomputed answers read them (the referrals
// and additional data that name them, the names below a changed zone cut), are
// built again, so the work follows the size of the change, plus one pass over the
// names that compares pointers (see applyInPlace). A change the shared build does
// not cover (a signed zone, DNSSEC records, wildcards, DNAME) compiles the whole
// version instead, with o. The LoadResult's Warnings are those of the changed
// names then.
func Apply(z *Zone, diffs []Diff, o DNSSECOptions) (*Zone, LoadResult, error) {
	start := time.Now()
	if !z.sharable() {
		return applyWhole(z, diffs, o)
	}
	e, err := foldDeltas(z, diffs)
	if err != nil {
		return nil, LoadResult{Origin: z.Origin(), Err: err, Took: time.Since(start)}, err
	}
	if !e.shared {
		return applyWhole(z, diffs, o)
	}
	nz, res, err := applyShared(z, e)
	res.Took = time.Since(start)
	return nz, res, err
}

// applyWhole is Apply by a full build: the records of z with every delta applied,
// checked and compiled as Build does with o.
func applyWhole(z *Zone, diffs []Diff, o DNSSECOptions) (*Zone, LoadResult, error) {
	ix := newRecordIndex(z.Records()[1:])
	soa := z.SOA()
	for i, d := range diffs {
		var err error
		if soa, err = ix.apply(soa, d); err != nil {
			err = fmt.Errorf("zone %s: IXFR delta %d of %d: %w", z.Origin(), i+1, len(diffs), err)
			return nil, LoadResult{Origin: z.Origin(), Err: err}, err
		}
	}
	return Build(z.Origin(), append([]dns.RR{soa}, ix.records()...), o)
}

// sharable reports whether a new version of z may share its names (applyShared):
// z is unsigned, without DNSKEY (whose checks read the whole zone), and has no
// wildcard and no DNAME, whose effects reach names other than their own.
func (z *Zone) sharable() bool {
	return z.sec.denial == noDenial && z.sec.expiry.IsZero() && len(z.nsec3) == 0 &&
		!z.wildcards && !z.dnames && z.apex.rrset(dns.TypeDNSKEY) == nil
}

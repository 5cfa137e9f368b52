package zone

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// Check applies the semantic checks of nsd-checkzone and kzonecheck to the records of
// the zone at origin, as zonefile.Read returns them. It returns nil or an error joining
// one *zonefile.Error per problem, in file order, each naming file:line and the rule
// broken:
//
//   - "out-of-zone": an owner name not at or below origin (RFC 1034 section 4.2.1);
//   - "no-soa", "soa-not-at-apex", "multiple-soa": a zone has exactly one SOA record,
//     at its apex (RFC 1035 section 5.2);
//   - "cname-and-other-data", "cname-at-delegation", "multiple-cname": a CNAME owner
//     has no other data except DNSSEC's RRSIG and NSEC, and one CNAME (RFC 1034
//     section 3.6.2, RFC 2181 section 10.1, RFC 4035 section 2.5);
//   - "multiple-dname", "data-below-dname": one DNAME per owner and no names below it
//     (RFC 6672 section 2.4).
//
// Each is an error for nsd-checkzone 4.6 too. What nsd-checkzone accepts, Check accepts;
// the checks kzonecheck adds beyond it (NS at the apex, glue) are in Warnings.
func Check(origin string, recs []zonefile.Record) error {
	return newCheckIndex(origin, recs).check()
}

// check runs the checks of Check on the indexed zone.
func (ix *checkIndex) check() error {
	var found issues
	ix.checkOutOfZone(&found)
	ix.checkSOA(&found)
	ix.checkCNAME(&found)
	ix.checkDNAME(&found)
	return found.join()
}

// Warnings returns the problems of the zone at origin that do not stop it from
// loading, in file order:
//
//   - "no-apex-ns": the apex has no NS RRset (RFC 1034 section 4.2.1); nsd-checkzone
//     accepts this silently, kzonecheck rejects it;
//   - "missing-glue": a delegation's name server is at or below the delegation point
//     but the zone has no A or AAAA record for it, so resolvers cannot reach it
//     (RFC 1034 section 4.2.1, RFC 9471); nsd-checkzone accepts it, kzonecheck rejects it;
//   - "ttl-mismatch": records of one RRset with different TTLs (RFC 2181 section 5.2);
//     nsd-checkzone warns the same way.
func Warnings(origin string, recs []zonefile.Record) []*zonefile.Error {
	return newCheckIndex(origin, recs).warnings()
}

// warnings runs the checks of Warnings on the indexed zone. The Loader calls it on
// the index Compile built for Check, so a load groups the records by owner once.
func (ix *checkIndex) warnings() []*zonefile.Error {
	var found issues
	ix.checkApexNS(&found)
	ix.checkGlue(&found)
	ix.checkTTLs(&found)
	return found.errors()
}

// checkIndex groups the records of a zone by lower-case owner name, in file order.
type checkIndex struct {
	origin string // lower-case, fully qualified
	recs   []zonefile.Record
	owners []string         // lower-case owner of each record, by index
	names  map[string]int32 // lower-case owner -> its position in order and lists
	order  []string         // owner names in order of first appearance
	lists  [][]int          // the indexes of each owner's records, in file order
	// rest, when set, is the zone the records are a part of (Apply checks the
	// names it changes): has looks there for a name recs do not own.
	rest *tree
}

// newCheckIndex indexes recs. The name map is sized for two owners per three
// records (a zone of plain delegations with glue has 1.5 records per owner, the
// root zone 3.4): a map of millions of names that grows while it is filled splits
// its tables again and again, which took a sixth of the load of a million
// delegations when it was sized for one owner per two records; a
// run of records at one owner, the usual layout of a master file, costs one map
// lookup for the whole run, and the checks that visit every owner read lists in
// order, with no lookup at all.
func newCheckIndex(origin string, recs []zonefile.Record) *checkIndex {
	ix := &checkIndex{
		origin: strings.ToLower(dns.Fqdn(origin)),
		recs:   recs,
		owners: make([]string, len(recs)),
		names:  make(map[string]int32, len(recs)*2/3),
		order:  make([]string, 0, len(recs)/2),
		lists:  make([][]int, 0, len(recs)/2),
	}
	var (
		run   string // owner of the current run of records
		cur   int32  // its position in order and lists
		chunk []int  // the index lists are cut from (carve)
	)
	for i, r := range recs {
		yield(i)
		name := r.RR.Header().Name
		if i > 0 && name == recs[i-1].RR.Header().Name {
			name = run // same spelling as the previous record: same lower-case owner
		} else {
			name = strings.ToLower(name)
		}
		ix.owners[i] = name
		if i == 0 || name != run {
			pos, seen := ix.names[name]
			if !seen {
				pos = int32(len(ix.order))
				ix.names[name] = pos
				ix.order = append(ix.order, name)
				ix.lists = append(ix.lists, carve(&chunk, runLength(recs, i), 4<<10))
			}
			run, cur = name, pos
		}
		ix.lists[cur] = append(ix.lists[cur], i)
	}
	return ix
}

// runLength returns how many records from recs[i] on have the owner of recs[i],
// spelled the same.
func runLength(recs []zonefile.Record, i int) int {
	name := recs[i].RR.Header().Name
	j := i + 1
	for j < len(recs) && recs[j].RR.Header().Name == name {
		j++
	}
	return j - i
}

// inZone reports whether the lower-case name is at or below the origin.
func (ix *checkIndex) inZone(name string) bool {
	return inDomain(name, ix.origin)
}

// has reports whether the lower-case name owns a record of type t.
func (ix *checkIndex) has(name string, t uint16) bool {
	pos, ok := ix.names[name]
	if !ok {
		if ix.rest != nil {
			n := ix.rest.node(name)
			return n != nil && n.rrset(t) != nil
		}
		return false
	}
	for _, i := range ix.lists[pos] {
		if ix.recs[i].RR.Header().Rrtype == t {
			return true
		}
	}
	return false
}

// issue is a problem found at the record with index idx (len(recs) for the zone).
type issue struct {
	idx int
	err *zonefile.Error
}

type issues []issue

// add records a problem at record i.
func (s *issues) add(ix *checkIndex, i int, rule, format string, args ...any) {
	*s = append(*s, issue{idx: i, err: ix.recs[i].Errorf(rule, format, args...)})
}

// addZone records a problem of the whole zone, shown after the records' problems.
func (s *issues) addZone(ix *checkIndex, rule, format string, args ...any) {
	file := ix.origin
	if len(ix.recs) > 0 {
		file = ix.recs[0].File
	}
	*s = append(*s, issue{idx: len(ix.recs), err: &zonefile.Error{File: file, Rule: rule, Msg: fmt.Sprintf(format, args...)}})
}

func (s issues) sort() {
	sort.SliceStable(s, func(a, b int) bool { return s[a].idx < s[b].idx })
}

// errors returns the problems in file order, nil when there are none.
func (s issues) errors() []*zonefile.Error {
	if len(s) == 0 {
		return nil
	}
	s.sort()
	out := make([]*zonefile.Error, len(s))
	for i, is := range s {
		out[i] = is.err
	}
	return out
}

// join returns the problems as one error, in file order, or nil.
func (s issues) join() error {
	if len(s) == 0 {
		return nil
	}
	s.sort()
	errs := make([]error, len(s))
	for i, is := range s {
		errs[i] = is.err
	}
	return errors.Join(errs...)
}

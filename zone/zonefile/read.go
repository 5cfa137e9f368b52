package zonefile

import (
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"

	"github.com/miekg/dns"
)

// DefaultTTL is the TTL of a record that states none before any TTL was stated in the
// file (by $TTL or on a record): 3600 seconds, the default of NSD (DEFAULT_TTL) and of
// Knot DNS. After a TTL has been stated, a record without one takes the $TTL in force
// or else the last TTL stated explicitly, as RFC 1035 section 5.1 and RFC 2308
// section 4 say. (NSD keeps 3600 there instead of the last stated TTL; the RFC wins.)
// A $GENERATE that states no TTL gives its records the $TTL in force, or DefaultTTL
// (see read_generate.go).
//
// miekg/dns on its own rejects such records ("missing TTL with no previous value")
// while NSD, Knot and BIND load them; NSD's own test zones (cname_zone.zone,
// dname.zone, wcard_add_rr.zone) rely on it.
const DefaultTTL = 3600

// ReadStats describes what Read did beyond returning records.
type ReadStats struct {
	// Duplicates is the number of records dropped because an earlier record was the
	// same (owner name compared case-insensitively, class, type and RDATA; the TTL is
	// ignored, as NSD does). A repeated SOA is never dropped: zone.Check reports it.
	Duplicates int
}

// Read parses the master file of src with miekg/dns's ZoneParser ($ORIGIN, $TTL,
// $GENERATE, and $INCLUDE confined to src.FS), returning its records with file and
// line, exact duplicates collapsed. A syntax error is an *Error naming file:line.
// A file (or part of one) written only in the plain one-entry-per-line form that
// large zones use is read by a faster parser that yields the very same records
// (read_fast.go); anything else in it sends it to the ZoneParser.
//
// Names in the file are relative to origin until an $ORIGIN says otherwise. Every RR
// type miekg/dns knows is accepted, and any type in the generic form of RFC 3597
// section 5 ("TYPE65280 \# 2 abcd"). Only class IN is served: any other class is an
// error (rule "class"), as in nsd-checkzone.
//
// Line is the line on which the record's entry begins: the owner (or, for an entry
// that omits it, its first token), even when parentheses carry it over several lines.
// A record of an $INCLUDE'd file has that file's path and line; the records of a
// $GENERATE all carry the line of the $GENERATE.
func Read(src Source, origin string) ([]Record, error) {
	recs, _, err := ReadWithStats(src, origin)
	return recs, err
}

// ReadWithStats is Read, also returning how many duplicate records were dropped.
//
// A large master file is parsed in parts, one per processor, when it can be split
// without changing what the parser sees (see read_split.go); the records, their
// file:line, the duplicates and the errors are those of a parse from start to end.
func ReadWithStats(src Source, origin string) ([]Record, ReadStats, error) {
	return readWithStats(src, origin, readOptions{ways: runtime.GOMAXPROCS(0), minSplit: minSplitSize, minPart: minPartSize})
}

// readOptions says when Read may parse a file in parts: into at most ways parts of
// about minPart bytes or more, and only a file of at least minSplit bytes. noFast
// makes every part go to miekg/dns's ZoneParser, without trying the fast parser first
// (read_fast.go): the tests compare the two.
type readOptions struct {
	ways     int
	minSplit int64
	minPart  int64
	noFast   bool
}

// readWithStats is ReadWithStats, parsing in parts as opt allows.
func readWithStats(src Source, origin string, opt readOptions) ([]Record, ReadStats, error) {
	var st ReadStats
	if src.Path == "" {
		src.Path = src.Name
	}
	if src.FS == nil {
		return nil, st, &Error{File: src.Path, Rule: "open", Msg: "no file system to read the zone file from"}
	}
	if _, ok := dns.IsDomainName(origin); !ok || origin == "" {
		return nil, st, &Error{File: src.Path, Rule: "origin", Msg: fmt.Sprintf("bad zone origin %q", origin)}
	}
	origin = dns.Fqdn(origin)

	f, err := src.FS.Open(src.Name)
	if err != nil {
		return nil, st, &Error{File: src.Path, Rule: "open", Msg: err.Error()}
	}
	defer f.Close()

	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	h := newHasher(maphash.MakeSeed())
	var parts []parsed
	ways := opt.ways
	if opt.minPart > 0 {
		ways = int(min(int64(ways), size/opt.minPart))
	}
	// The file is read into memory whole: the fast parser reads it there, and a
	// file parsed in one part is small or has a single processor to parse it.
	data, err := readAll(f, size)
	if err != nil {
		return nil, st, &Error{File: src.Path, Rule: "read", Msg: err.Error()}
	}
	if ways >= 2 && size >= opt.minSplit {
		parts = parseSplit(src, origin, data, ways, h, !opt.noFast)
	} else {
		parts = []parsed{parseWhole(src, origin, data, recordHint(size), h, !opt.noFast)}
	}
	return mergeParts(parts)
}

// parseWhole parses data, the whole master file of src, in one part: with the fast
// parser when fast is set and it takes the file, else with miekg/dns's ZoneParser.
func parseWhole(src Source, origin string, data []byte, hint int, h *hasher, fast bool) parsed {
	out := newParsed(hint)
	if fast {
		fp := newFastParser(src.Path, origin, out, h)
		if fp.part(nil, data, 1, len(data), func() int { return len(data) }) {
			return fp.out
		}
		out = fp.out.reset()
	}
	done := false
	whole := func() []byte { // data, then the end
		if done {
			return nil
		}
		done = true
		return data[:len(data):len(data)]
	}
	return parsePart(src, origin, newMemLineReader(whole, src.Name, src.Path, 1), out, h)
}

// recordHint is how many records a master file of size bytes is expected to hold, to
// size the record list and the duplicate index and save their regrowth: records take
// about 90 bytes of text in the root zone and 47 in a zone of plain delegations (NS,
// A, AAAA), so 48 bytes per record rarely undercounts and at most doubles the count.
func recordHint(size int64) int {
	if size <= 0 {
		return 0
	}
	return int(min(size/48, 1<<22))
}

// parsed is what one parser read: the records of (a part of) a master file in file
// order, with their duplicate hashes, the errors of single records, and the error that
// stopped the parser, if any.
type parsed struct {
	recs   []Record
	hashes []uint64 // hashes[i] is the dedup hash of recs[i]
	errs   []error
	stop   error
}

// newParsed returns an empty parsed with room for about hint records.
func newParsed(hint int) parsed {
	return parsed{recs: make([]Record, 0, hint), hashes: make([]uint64, 0, hint)}
}

// reset returns p emptied, its room kept for another parser.
func (p parsed) reset() parsed {
	clear(p.recs)
	return parsed{recs: p.recs[:0], hashes: p.hashes[:0]}
}

// parsePart parses the master file that top reads, with origin as the initial origin,
// appending to p, an empty parsed (newParsed).
func parsePart(src Source, origin string, top *lineReader, p parsed, h *hasher) parsed {
	ifs := newIncludeFS(src)
	ifs.push(top)

	zp := dns.NewZoneParser(top, origin, src.Name)
	zp.SetDefaultTTL(DefaultTTL)
	zp.SetIncludeAllowed(true)
	zp.SetIncludeFS(ifs)

	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		cur := ifs.current()
		if cur == nil { // cannot happen: the zone file itself is never closed here
			cur = top
		}
		rec := Record{RR: rr, File: cur.file, Line: cur.entryLine}
		if ttl, ok := cur.generatedTTL(); ok {
			rr.Header().Ttl = ttl
		}
		if rr.Header().Class != dns.ClassINET {
			p.errs = append(p.errs, rec.Errorf("class", "class %s: only class IN is supported", dns.Class(rr.Header().Class)))
			continue
		}
		if cur.generateLacksRDATA() {
			p.errs = append(p.errs, rec.Errorf("syntax", "$GENERATE gives %s record %s no RDATA", dns.Type(rr.Header().Rrtype), rr.Header().Name))
			continue
		}
		p.recs = append(p.recs, rec)
		p.hashes = append(p.hashes, h.hash(rr))
	}
	if err := zp.Err(); err != nil {
		p.stop = ifs.parseErrorAt(err, top)
	}
	return p
}

// mergeParts joins the parts read in file order, dropping duplicates across all of
// them, and stops after the first part a parse error stopped: a parser reading the
// file from start to end would have stopped there.
func mergeParts(parts []parsed) ([]Record, ReadStats, error) {
	var (
		st    ReadStats
		errs  []error
		total int
	)
	for _, p := range parts {
		total += len(p.recs)
	}
	seen := newDedup(total)
	// The first part is filtered in place (a kept record never moves forward) and the
	// others are appended to it, within its capacity when parseSplit sized it well.
	recs := parts[0].recs[:0]
	for _, p := range parts {
		errs = append(errs, p.errs...)
		for i, r := range p.recs {
			if seen.duplicate(len(recs), p.hashes[i], r.RR, recs) {
				st.Duplicates++
				continue
			}
			recs = append(recs, r)
		}
		if p.stop != nil {
			errs = append(errs, p.stop)
			break
		}
	}
	if len(errs) > 0 {
		return nil, st, errors.Join(errs...)
	}
	return recs, st, nil
}

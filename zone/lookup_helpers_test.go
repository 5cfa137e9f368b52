package zone

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// parseZoneText parses an inline master file with miekg/dns's ZoneParser, the way
// zonefile.Read does, so that the lookup tests do not depend on the reader.
func parseZoneText(tb testing.TB, origin, text string) []zonefile.Record {
	tb.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "test.zone")
	var recs []zonefile.Record
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		recs = append(recs, zonefile.Record{RR: rr, File: "test.zone"})
	}
	if err := zp.Err(); err != nil {
		tb.Fatalf("parse %s: %v", origin, err)
	}
	return recs
}

// mustCompileText compiles an inline master file.
func mustCompileText(tb testing.TB, origin, text string) *Zone {
	tb.Helper()
	z, err := Compile(origin, parseZoneText(tb, origin, text))
	if err != nil {
		tb.Fatalf("Compile(%s): %v", origin, err)
	}
	return z
}

// sectionText renders a section as sorted, lower-cased zone-file lines.
func sectionText(tb testing.TB, refs []RRsetRef, sigs bool) []string {
	tb.Helper()
	var rrs []dns.RR
	for _, r := range refs {
		rrs = r.AppendRRs(rrs, sigs)
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.ToLower(rr.String()))
	}
	slices.Sort(out)
	return out
}

// wantText normalises expected records written as zone text.
func wantText(tb testing.TB, lines []string) []string {
	tb.Helper()
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			tb.Fatalf("bad expected record %q: %v", l, err)
		}
		out = append(out, strings.ToLower(rr.String()))
	}
	slices.Sort(out)
	return out
}

// glueNames lists the owners of the additional-section entries marked as glue.
func glueNames(refs []RRsetRef) []string {
	var out []string
	for _, r := range refs {
		if r.Glue {
			out = append(out, strings.ToLower(r.Set.Name)+" "+dns.TypeToString[r.Set.Type])
		}
	}
	slices.Sort(out)
	return out
}

func kindName(k AnswerKind) string {
	switch k {
	case Success:
		return "Success"
	case NoData:
		return "NoData"
	case NameError:
		return "NameError"
	case Delegation:
		return "Delegation"
	case ServerFailure:
		return "ServerFailure"
	}
	return "AnswerKind(?)"
}

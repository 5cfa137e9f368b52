package zone

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// checkHead is a valid start of the zone example.: SOA and NS on lines 2 and 3.
const checkHead = `$TTL 300
@ SOA ns hm 1 2 3 4 300
@ NS ns
ns A 192.0.2.1
`

// checkSource is text as the master file zones/z.db.
func checkSource(text string) zonefile.Source {
	fsys := fstest.MapFS{"z.db": {Data: []byte(text)}}
	return zonefile.Source{FS: fsys, Name: "z.db", Path: "zones/z.db"}
}

// problemTexts renders problems as "line rule", the part of an *Error tests compare.
func problemTexts(errs []*zonefile.Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = strings.TrimPrefix(e.File, "zones/") + ":" + strconv.Itoa(e.Line) + " " + e.Rule
	}
	return out
}

// checkErrors runs Check and returns its *Error values.
func checkErrors(tb testing.TB, origin string, recs []zonefile.Record) []*zonefile.Error {
	tb.Helper()
	err := Check(origin, recs)
	if err == nil {
		return nil
	}
	var out []*zonefile.Error
	for _, e := range zonetest.Flatten(err) {
		ze, ok := e.(*zonefile.Error)
		if !ok {
			tb.Fatalf("Check: got %T %v, want *zonefile.Error", e, e)
		}
		out = append(out, ze)
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		zone  string   // the records after checkHead (line 5 on)
		whole bool     // zone is the whole file, without checkHead
		want  []string // "file:line rule"
	}{
		{name: "valid zone", zone: "www A 192.0.2.2\nsub NS ns.sub\nns.sub A 192.0.2.3\n"},
		{name: "out-of-zone owner", zone: "www A 192.0.2.2\nfoo.test. A 192.0.2.3\n", want: []string{"z.db:6 out-of-zone"}},
		{name: "no SOA", whole: true, zone: "$TTL 300\n@ NS ns\nns A 192.0.2.1\n", want: []string{"z.db:0 no-soa"}},
		{name: "SOA not at the apex", zone: "sub SOA ns hm 1 2 3 4 5\n", want: []string{"z.db:5 soa-not-at-apex"}},
		{name: "second SOA", zone: "@ SOA ns hm 2 2 3 4 300\n", want: []string{"z.db:5 multiple-soa"}},
		{name: "repeated identical SOA", zone: "@ SOA ns hm 1 2 3 4 300\n", want: []string{"z.db:5 multiple-soa"}},
		{name: "SOA after other records is fine", whole: true, zone: "$TTL 300\n@ NS ns\nns A 192.0.2.1\n@ SOA ns hm 1 2 3 4 300\n"},
		{name: "CNAME and other data", zone: "www CNAME ns\nwww A 192.0.2.2\n", want: []string{"z.db:6 cname-and-other-data"}},
		{name: "other data then CNAME", zone: "www TXT x\nwww CNAME ns\n", want: []string{"z.db:6 cname-and-other-data"}},
		{name: "CNAME at the apex", zone: "@ CNAME other.\n", want: []string{"z.db:5 cname-and-other-data"}},
		{name: "CNAME with DS", zone: "www CNAME ns\nwww DS 1 8 2 abcd\n", want: []string{"z.db:6 cname-and-other-data"}},
		{name: "CNAME with RRSIG and NSEC is fine", zone: "www CNAME ns\nwww NSEC x CNAME RRSIG NSEC\nwww RRSIG CNAME 8 2 300 20300101000000 20200101000000 1 example. AAAA\n"},
		{name: "CNAME with NSEC3 is fine, as in nsd-checkzone", zone: "www CNAME ns\nwww NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A\n"},
		{name: "two CNAMEs", zone: "www CNAME ns\nwww CNAME ns2\n", want: []string{"z.db:6 multiple-cname"}},
		{name: "CNAME at a delegation point", zone: "sub NS ns.other.\nsub CNAME ns\n", want: []string{"z.db:6 cname-at-delegation"}},
		{name: "DNAME and CNAME", zone: "x DNAME y.\nx CNAME z.\n", want: []string{"z.db:6 cname-and-other-data"}},
		{name: "DNAME with other data is fine", zone: "x DNAME y.\nx A 192.0.2.2\nx NS ns.other.\n"},
		{name: "two DNAMEs", zone: "x DNAME y.\nx DNAME z.\n", want: []string{"z.db:6 multiple-dname"}},
		{name: "data below a DNAME", zone: "x DNAME y.\na.b.x A 192.0.2.2\na.b.x TXT t\nc.x TXT t\n", want: []string{"z.db:6 data-below-dname", "z.db:8 data-below-dname"}},
		{name: "delegation below a DNAME", zone: "x DNAME y.\nsub.x NS ns.other.\n", want: []string{"z.db:6 data-below-dname"}},
		{name: "data below a DNAME at the apex", zone: "@ DNAME other.\nwww A 192.0.2.2\n", want: []string{"z.db:4 data-below-dname", "z.db:6 data-below-dname"}},
		{name: "NSEC3 chain below a DNAME at the apex is fine", whole: true, zone: "$TTL 300\n@ SOA ns.other. hm 1 2 3 4 300\n@ NS ns.other.\n@ DNAME other.\nhash NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A\nhash RRSIG NSEC3 8 2 300 20300101000000 20200101000000 1 example. AAAA\n"},
		{name: "names compare case-insensitively", zone: "WWW CNAME ns\nwww A 192.0.2.2\n", want: []string{"z.db:6 cname-and-other-data"}},
		{name: "missing glue and no apex NS are only warnings", whole: true, zone: "$TTL 300\n@ SOA ns hm 1 2 3 4 300\nsub NS ns.sub\n"},
		{name: "problems come in file order", zone: "b CNAME ns\nfoo.test. A 192.0.2.9\nb A 192.0.2.2\n", want: []string{"z.db:6 out-of-zone", "z.db:7 cname-and-other-data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.zone
			if !tt.whole {
				text = checkHead + text
			}
			recs, err := zonefile.Read(checkSource(text), "example.")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := problemTexts(checkErrors(t, "example.", recs))
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckErrorText(t *testing.T) {
	recs, err := zonefile.Read(checkSource(checkHead+"www CNAME ns\nwww A 192.0.2.2\n"), "example.")
	if err != nil {
		t.Fatal(err)
	}
	err = Check("example.", recs)
	want := "zones/z.db:6: CNAME and other data (A) at www.example. (cname-and-other-data)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		zone string // a whole zone
		want []string
	}{
		{name: "clean", zone: checkHead + "sub NS ns.sub\nns.sub AAAA 2001:db8::1\nout NS ns.other.\n"},
		{name: "no apex NS", zone: "$TTL 300\n@ SOA ns hm 1 2 3 4 300\n", want: []string{"z.db:0 no-apex-ns"}},
		{name: "missing glue below the cut", zone: checkHead + "sub NS ns.sub\nsub NS ns2.sub\nns2.sub A 192.0.2.7\n", want: []string{"z.db:5 missing-glue"}},
		{name: "glue for the delegation point itself", zone: checkHead + "sub NS sub\n", want: []string{"z.db:5 missing-glue"}},
		{name: "a sibling name server needs no glue here", zone: checkHead + "sub NS ns.sub2\n"},
		{name: "TTL mismatch in an RRset", zone: checkHead + "a 300 A 192.0.2.1\na 600 A 192.0.2.2\n", want: []string{"z.db:6 ttl-mismatch"}},
		{name: "TTL mismatches across interleaved owners, in file order", zone: checkHead +
			"b 300 A 192.0.2.1\na 300 A 192.0.2.1\nA 600 A 192.0.2.2\nb 600 A 192.0.2.2\n",
			want: []string{"z.db:7 ttl-mismatch", "z.db:8 ttl-mismatch"}},
		{name: "glue found after owners interleave", zone: checkHead +
			"sub NS ns.sub\nother A 192.0.2.9\nNS.sub A 192.0.2.7\nsub NS ns2.sub\n",
			want: []string{"z.db:8 missing-glue"}},
		{name: "RRSIGs of different types may differ", zone: checkHead +
			"a 300 RRSIG A 8 2 300 20300101000000 20200101000000 1 example. AAAA\na 600 RRSIG TXT 8 2 600 20300101000000 20200101000000 1 example. AAAA\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := zonefile.Read(checkSource(tt.zone), "example.")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := problemTexts(Warnings("example.", recs))
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			// The Loader takes its warnings from the index Compile built for Check.
			l, _, _ := newTestLoader(t, ZoneFile{Origin: "example.", Source: checkSource(tt.zone)})
			results, err := l.LoadAll()
			if err != nil {
				t.Fatalf("LoadAll: %v", err)
			}
			if lw := problemTexts(results[0].Warnings); strings.Join(lw, ",") != strings.Join(tt.want, ",") {
				t.Errorf("LoadAll warnings: got %q, want %q", lw, tt.want)
			}
			if err := Check("example.", recs); err != nil {
				t.Errorf("Check: got %v, want no error for a zone with only warnings", err)
			}
		})
	}
}

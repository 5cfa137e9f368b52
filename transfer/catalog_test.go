package transfer

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func catalogRecords(t *testing.T, text string) []dns.RR {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "catalog.invalid.", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

const catalogHead = `$TTL 0
@ SOA invalid. invalid. 1 3600 600 2147483646 0
@ NS invalid.
`

func TestParseCatalog(t *testing.T) {
	rrs := catalogRecords(t, catalogHead+`version TXT "2"
a1.zones PTR example.com.
a2.zones PTR Example.NET.
group.a2.zones TXT "signed"
b1.zones PTR example.com.
b2.zones PTR one.example.
b2.zones PTR two.example.
b3.zones PTR catalog.invalid.
group.a1.zones TXT "g1"
group.a1.zones TXT "g2"
coo.a1.zones PTR other-catalog.invalid.
`)
	cat, warnings, err := ParseCatalog("CATALOG.invalid", rrs)
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{{Zone: "example.com.", ID: "a1"}, {Zone: "example.net.", ID: "a2", Group: "signed"}}
	if len(cat.Members) != len(want) {
		t.Fatalf("members %+v, want %+v", cat.Members, want)
	}
	for i := range want {
		if cat.Members[i] != want[i] {
			t.Errorf("member %d: %+v, want %+v", i, cat.Members[i], want[i])
		}
	}
	joined := strings.Join(warnings, "\n")
	for _, w := range []string{"entry b1 repeats member example.com.", "entry b2 has 2 PTR records", "entry b3 names \"catalog.invalid.\"", "entry a1 has 2 group properties"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings %q lack %q", joined, w)
		}
	}
}

func TestParseCatalogVersion(t *testing.T) {
	for _, v := range []string{"", `version TXT "1"` + "\n", `version TXT "2"` + "\n" + `version TXT "3"` + "\n"} {
		if _, _, err := ParseCatalog("catalog.invalid.", catalogRecords(t, catalogHead+v)); err == nil {
			t.Errorf("version records %q: no error", v)
		}
	}
}

func TestCatalogChanges(t *testing.T) {
	old := Catalog{Members: []Member{{Zone: "a.", ID: "1"}, {Zone: "b.", ID: "2"}, {Zone: "c.", ID: "3"}}}
	new := Catalog{Members: []Member{{Zone: "a.", ID: "1"}, {Zone: "c.", ID: "9"}, {Zone: "d.", ID: "4"}}}
	added, removed := CatalogChanges(old, new)
	if got := names(added); got != "c. d." {
		t.Errorf("added %q, want c. (reset) and d.", got)
	}
	if got := names(removed); got != "c. b." {
		t.Errorf("removed %q, want c. (reset) and b.", got)
	}
}

func names(ms []Member) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Zone)
	}
	return strings.Join(s, " ")
}

package zonefile_test

import (
	"testing"
	"testing/fstest"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// FuzzRead feeds any bytes to Read as a zone file (with a small file beside it for
// $INCLUDE): it must not panic, every error must be a *zonefile.Error (or several
// joined), and every record must carry its file and a line; zone.Check and
// zone.Warnings, which take what Read returns, must not panic either.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"",
		"$TTL 300\n@ SOA ns hm 1 2 3 4 300\n@ NS ns\nns A 192.0.2.1\nwww CNAME ns\nsub NS ns.sub\nx DNAME y.\na.x A 192.0.2.9\n",
		"$ORIGIN example.\n$TTL 1h\n@ IN SOA ns hm ( 1 2 3\n 4 5 ) ; c\n\tNS ns\n",
		"$GENERATE 1-4/2 h$ 300 A 192.0.2.$\n$GENERATE 1-1 x${1,3,x} AAAA ::$\n",
		"$INCLUDE inc.db\n$INCLUDE inc.db sub\n$INCLUDE ../x\n",
		"$INCLUDE /etc/passwd\n",
		"x 300 TYPE12345 \\# 2 abcd\ny CH TXT \"a\\\"b\" ; \"\nz A",
		"a 300 TXT \"multi\nline\" (\n \"x\" )\nb 300 MX 10 (\n",
		"esc\\;ape\\(\\) 300 A 192.0.2.1\n)(\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"z.db":   {Data: data},
			"inc.db": {Data: []byte("i 300 A 192.0.2.7\n")},
		}
		recs, err := zonefile.Read(zonefile.Source{FS: fsys, Name: "z.db", Path: "zones/z.db"}, "example.")
		if err != nil {
			for _, e := range zonetest.Flatten(err) {
				if _, ok := e.(*zonefile.Error); !ok {
					t.Fatalf("got error %T %v, want *zonefile.Error", e, e)
				}
			}
			return
		}
		for _, r := range recs {
			if r.RR == nil || r.Line < 1 || (r.File != "zones/z.db" && r.File != "zones/inc.db") {
				t.Fatalf("got record %v at %s:%d, want an RR with file and line", r.RR, r.File, r.Line)
			}
		}
		if err := zone.Check("example.", recs); err != nil {
			for _, e := range zonetest.Flatten(err) {
				if _, ok := e.(*zonefile.Error); !ok {
					t.Fatalf("Check: got error %T %v, want *zonefile.Error", e, e)
				}
			}
		}
		_ = zone.Warnings("example.", recs)
	})
}

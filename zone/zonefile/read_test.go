package zonefile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// readMap reads name from files as the zone at origin, shown as "zones/"+name.
func readMap(files map[string]string, name, origin string) ([]Record, ReadStats, error) {
	fsys := fstest.MapFS{}
	for n, text := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(text)}
	}
	return ReadWithStats(Source{FS: fsys, Name: name, Path: "zones/" + name}, origin)
}

// recordLines renders records as "file:line rr" with the RR in miekg/dns text form.
func recordLines(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = fmt.Sprintf("%s:%d %s", r.File, r.Line, strings.ReplaceAll(r.RR.String(), "\t", " "))
	}
	return out
}

func TestRead(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string // "z.db" is the zone file
		origin string
		want   []string // "file:line rr"
		dups   int
	}{
		{
			name:   "relative names are relative to the origin",
			origin: "example.",
			files:  map[string]string{"z.db": "@ 300 IN SOA ns hm 1 2 3 4 5\nwww 300 A 192.0.2.1\nabs.example. 300 A 192.0.2.2\n"},
			want: []string{
				"zones/z.db:1 example. 300 IN SOA ns.example. hm.example. 1 2 3 4 5",
				"zones/z.db:2 www.example. 300 IN A 192.0.2.1",
				"zones/z.db:3 abs.example. 300 IN A 192.0.2.2",
			},
		},
		{
			name:   "$ORIGIN changes the origin of relative names",
			origin: "example.",
			files:  map[string]string{"z.db": "$ORIGIN sub.example.\nwww 300 A 192.0.2.1\n$ORIGIN other\nx 300 A 192.0.2.2\n"},
			want: []string{
				"zones/z.db:2 www.sub.example. 300 IN A 192.0.2.1",
				"zones/z.db:4 x.other.sub.example. 300 IN A 192.0.2.2",
			},
		},
		{
			name:   "$TTL applies to records without a TTL",
			origin: "example.",
			files:  map[string]string{"z.db": "$TTL 1h\na A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n"},
			want: []string{
				"zones/z.db:2 a.example. 3600 IN A 192.0.2.1",
				"zones/z.db:3 b.example. 60 IN A 192.0.2.2",
				"zones/z.db:4 c.example. 3600 IN A 192.0.2.3",
			},
		},
		{
			name:   "no TTL anywhere takes DefaultTTL, then the last stated TTL",
			origin: "example.nl.",
			files:  map[string]string{"z.db": "@ IN SOA ns hm 1 2 3 4 300\n@ NS ns.other.\nx 77 A 192.0.2.1\ny A 192.0.2.2\n"},
			want: []string{
				"zones/z.db:1 example.nl. 3600 IN SOA ns.example.nl. hm.example.nl. 1 2 3 4 300",
				"zones/z.db:2 example.nl. 3600 IN NS ns.other.",
				"zones/z.db:3 x.example.nl. 77 IN A 192.0.2.1",
				"zones/z.db:4 y.example.nl. 77 IN A 192.0.2.2",
			},
		},
		{
			name:   "$GENERATE records carry the line of the directive",
			origin: "example.",
			files:  map[string]string{"z.db": "; hosts\n$GENERATE 1-3 host$ 300 A 192.0.2.$\nafter 300 A 192.0.2.9\n"},
			want: []string{
				"zones/z.db:2 host1.example. 300 IN A 192.0.2.1",
				"zones/z.db:2 host2.example. 300 IN A 192.0.2.2",
				"zones/z.db:2 host3.example. 300 IN A 192.0.2.3",
				"zones/z.db:3 after.example. 300 IN A 192.0.2.9",
			},
		},
		{
			name:   "$GENERATE without a TTL takes the $TTL in force, also in an included file",
			origin: "example.",
			files: map[string]string{
				"z.db":   "$GENERATE 1-1 a$ A 192.0.2.$\n$TTL 300\n$GENERATE 2-2 b$ A 192.0.2.$\n$GENERATE 3-3 c$ IN A 192.0.2.$\n$GENERATE 4-4 d$ 60 A 192.0.2.$\n$GENERATE 5-5 e$ IN 70 A 192.0.2.$\n$INCLUDE inc.db\n$GENERATE 7-7 g$ A 192.0.2.$\n",
				"inc.db": "$GENERATE 6-6 f$ A 192.0.2.$\n$TTL 99\n$GENERATE 8-8 h$ A 192.0.2.$\n",
			},
			want: []string{
				"zones/z.db:1 a1.example. 3600 IN A 192.0.2.1",
				"zones/z.db:3 b2.example. 300 IN A 192.0.2.2",
				"zones/z.db:4 c3.example. 300 IN A 192.0.2.3",
				"zones/z.db:5 d4.example. 60 IN A 192.0.2.4",
				"zones/z.db:6 e5.example. 70 IN A 192.0.2.5",
				"zones/inc.db:1 f6.example. 300 IN A 192.0.2.6",
				"zones/inc.db:3 h8.example. 99 IN A 192.0.2.8",
				"zones/z.db:8 g7.example. 300 IN A 192.0.2.7",
			},
		},
		{
			name:   "$INCLUDE inside the folder, with file and line of the included file",
			origin: "example.",
			files: map[string]string{
				"z.db":         "a 300 A 192.0.2.1\n$INCLUDE inc/hosts.db\nb 300 A 192.0.2.2\n$INCLUDE inc/hosts.db sub\n",
				"inc/hosts.db": "; included\n\nh1 300 A 198.51.100.1\nh2 300 (\n A\n 198.51.100.2 )\n",
			},
			want: []string{
				"zones/z.db:1 a.example. 300 IN A 192.0.2.1",
				"zones/inc/hosts.db:3 h1.example. 300 IN A 198.51.100.1",
				"zones/inc/hosts.db:4 h2.example. 300 IN A 198.51.100.2",
				"zones/z.db:3 b.example. 300 IN A 192.0.2.2",
				"zones/inc/hosts.db:3 h1.sub.example. 300 IN A 198.51.100.1",
				"zones/inc/hosts.db:4 h2.sub.example. 300 IN A 198.51.100.2",
			},
		},
		{
			name:   "RFC 3597 unknown type and a known type in generic form",
			origin: "example.",
			files:  map[string]string{"z.db": "x 300 TYPE12345 \\# 2 abcd\ny 300 A \\# 4 c0000201\nz 300 TYPE65280 \\# 0\n"},
			want: []string{
				"zones/z.db:1 x.example. 300 CLASS1 TYPE12345 \\# 2 abcd",
				"zones/z.db:2 y.example. 300 IN A 192.0.2.1",
				"zones/z.db:3 z.example. 300 CLASS1 TYPE65280 \\# 0 ", // miekg/dns prints a space after the empty RDATA
			},
		},
		{
			name:   "exact duplicates collapse to the first, owner case-insensitive, TTL ignored",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\nA 300 A 192.0.2.1\na 600 A 192.0.2.1\na 300 A 192.0.2.2\nb 300 NS NS.example.\nb 300 NS ns.example.\n"},
			want: []string{
				"zones/z.db:1 a.example. 300 IN A 192.0.2.1",
				"zones/z.db:4 a.example. 300 IN A 192.0.2.2",
				"zones/z.db:5 b.example. 300 IN NS NS.example.",
			},
			dups: 3,
		},
		{
			// The duplicate index hashes RDATA case-folded: TXT strings that differ
			// only in case hash alike but are different records (RFC 4343 section 2
			// folds names only), and a later copy of either is found down the chain.
			name:   "TXT strings differing in case are kept, their repeats dropped",
			origin: "example.",
			files:  map[string]string{"z.db": "t 300 TXT \"Ab\"\nt 300 TXT \"ab\"\nT 300 TXT \"Ab\"\nt 300 TXT \"ab\"\nt 300 TXT \"AB\"\n"},
			want: []string{
				"zones/z.db:1 t.example. 300 IN TXT \"Ab\"",
				"zones/z.db:2 t.example. 300 IN TXT \"ab\"",
				"zones/z.db:5 t.example. 300 IN TXT \"AB\"",
			},
			dups: 2,
		},
		{
			// NS, NSEC, DS, RRSIG, A and AAAA are hashed from their fields: names
			// fold, a signature or digest does not (dns.IsDuplicate compares those
			// exactly), and an IPv4 address is the same however it was written.
			name:   "field-hashed types: names fold, signatures and digests do not",
			origin: "example.",
			files: map[string]string{"z.db": "d 300 NS Ns1.Example.\nD 300 NS ns1.example.\n" +
				"d 300 NSEC E.example. A NS\nd 300 NSEC e.EXAMPLE. A NS\nd 300 NSEC e.example. A\n" +
				"d 300 DS 1 8 2 AB\nd 300 DS 1 8 2 AB\nd 300 DS 1 8 2 ab\n" +
				"d 300 RRSIG NS 8 2 300 20230524050000 20230511040000 1 Example. QUJD\n" +
				"d 300 RRSIG NS 8 2 300 20230524050000 20230511040000 1 example. QUJD\n" +
				"d 300 RRSIG NS 8 2 300 20230524050000 20230511040000 1 example. qujd\n" +
				"a 300 A 192.0.2.1\na 300 A \\# 4 c0000201\na 300 AAAA 2001:DB8::1\na 300 AAAA 2001:db8:0::1\n"},
			want: []string{
				"zones/z.db:1 d.example. 300 IN NS Ns1.Example.",
				"zones/z.db:3 d.example. 300 IN NSEC E.example. A NS",
				"zones/z.db:5 d.example. 300 IN NSEC e.example. A",
				"zones/z.db:6 d.example. 300 IN DS 1 8 2 AB",
				"zones/z.db:8 d.example. 300 IN DS 1 8 2 AB",
				"zones/z.db:9 d.example. 300 IN RRSIG NS 8 2 300 20230524050000 20230511040000 1 Example. QUJD",
				"zones/z.db:11 d.example. 300 IN RRSIG NS 8 2 300 20230524050000 20230511040000 1 example. qujd",
				"zones/z.db:12 a.example. 300 IN A 192.0.2.1",
				"zones/z.db:14 a.example. 300 IN AAAA 2001:db8::1",
			},
			dups: 6,
		},
		{
			name:   "a repeated SOA is kept for Check to report",
			origin: "example.",
			files:  map[string]string{"z.db": "@ 300 SOA ns hm 1 2 3 4 5\n@ 300 SOA ns hm 1 2 3 4 5\n"},
			want: []string{
				"zones/z.db:1 example. 300 IN SOA ns.example. hm.example. 1 2 3 4 5",
				"zones/z.db:2 example. 300 IN SOA ns.example. hm.example. 1 2 3 4 5",
			},
		},
		{
			name:   "line is the first line of the entry",
			origin: "example.",
			files: map[string]string{"z.db": `; line 1 comment
; "a quote ( in a comment
@ 300 IN SOA ns hm (
	1 ; serial ) not closed by a comment
	2 3 4 5 )
	300 NS ns  ; owner-less, line 6

txt 300 TXT "a ; not a comment" "(" ; line 8
multi 300 TXT "line 9
line 10"
paren 300 TXT ( "x"
  "y" ) ; line 11
esc\; 300 TXT \( ; line 13
last 300 A 192.0.2.1`},
			want: []string{
				"zones/z.db:3 example. 300 IN SOA ns.example. hm.example. 1 2 3 4 5",
				"zones/z.db:6 example. 300 IN NS ns.example.",
				"zones/z.db:8 txt.example. 300 IN TXT \"a ; not a comment\" \"(\"",
				"zones/z.db:9 multi.example. 300 IN TXT \"line 9\\010line 10\"",
				"zones/z.db:11 paren.example. 300 IN TXT \"x\" \"y\"",
				"zones/z.db:13 esc\\;.example. 300 IN TXT \"(\"",
				"zones/z.db:14 last.example. 300 IN A 192.0.2.1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, st, err := readMap(tt.files, "z.db", tt.origin)
			if err != nil {
				t.Fatalf("Read: got error %v, want none", err)
			}
			got := recordLines(recs)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got records\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if st.Duplicates != tt.dups {
				t.Errorf("got %d duplicates, want %d", st.Duplicates, tt.dups)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		origin string
		want   []string // the *Error texts, in order
	}{
		{
			name:   "syntax error names file and line",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\n; c\nb 300 A 192.0.2.300\n"},
			want:   []string{`zones/z.db:3: bad A A: "192.0.2.300" (syntax)`},
		},
		{
			name:   "syntax error inside an included file names that file",
			origin: "example.",
			files:  map[string]string{"z.db": "$INCLUDE inc.db\n", "inc.db": "a 300 A 192.0.2.1\nb 300 MX x\n"},
			want:   []string{`zones/inc.db:2: bad MX Pref: "x" (syntax)`},
		},
		{
			name:   "$INCLUDE ../ is refused",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\n$INCLUDE ../secret\n"},
			want:   []string{`zones/z.db:2: $INCLUDE: path "../secret" leaves the zone file's folder: $INCLUDE is confined to it (include)`},
		},
		{
			name:   "$INCLUDE of an absolute path is refused",
			origin: "example.",
			files:  map[string]string{"z.db": "$INCLUDE /etc/passwd\n", "etc/passwd": "root:x:0:0::/root:/bin/sh\n"},
			want:   []string{`zones/z.db:1: $INCLUDE: absolute path "/etc/passwd" refused: $INCLUDE takes a path relative to the zone file's folder (include)`},
		},
		{
			name:   "$INCLUDE of a missing file",
			origin: "example.",
			files:  map[string]string{"z.db": "\n$INCLUDE nothere.db\n"},
			want:   []string{`zones/z.db:2: $INCLUDE: open nothere.db: file does not exist (include)`},
		},
		{
			name:   "class other than IN",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 CH TXT \"x\"\nb 300 IN A 192.0.2.1\nc 300 HS A 192.0.2.2\n"},
			want: []string{
				`zones/z.db:1: class CH: only class IN is supported (class)`,
				`zones/z.db:3: class HS: only class IN is supported (class)`,
			},
		},
		{
			name:   "a type with no RDATA at the end of the file",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\nb 300 MX"},
			want:   []string{`zones/z.db:2: unexpected newline: "\n" (syntax)`},
		},
		{
			name:   "a $GENERATE with no RDATA",
			origin: "example.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\n$GENERATE 1-1 h$ 300 IN MX\n"},
			want:   []string{`zones/z.db:2: $GENERATE gives MX record h1.example. no RDATA (syntax)`},
		},
		{
			name:   "an error in a generated record names the line of the $GENERATE",
			origin: "example.",
			files:  map[string]string{"z.db": "; c\n\n\n$GENERATE 255-256 h$ 300 A 192.0.2.$\n"},
			want:   []string{`zones/z.db:4: bad A A: "192.0.2.256" (syntax)`},
		},
		{
			name:   "an error in a generated record of an included file",
			origin: "example.",
			files:  map[string]string{"z.db": "$INCLUDE inc.db\n", "inc.db": "\n\n$GENERATE 1-3 h$ 300 MX x$ .\n"},
			want:   []string{`zones/inc.db:3: bad MX Pref: "x1" (syntax)`},
		},
		{
			name:   "bad origin",
			origin: "exa..mple.",
			files:  map[string]string{"z.db": "a 300 A 192.0.2.1\n"},
			want:   []string{`zones/z.db: bad zone origin "exa..mple." (origin)`},
		},
		{
			name:   "missing zone file",
			origin: "example.",
			files:  map[string]string{"other.db": ""},
			want:   []string{`zones/z.db: open z.db: file does not exist (open)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := readMap(tt.files, "z.db", tt.origin)
			if err == nil {
				t.Fatalf("Read: got %d records and no error, want %q", len(recs), tt.want)
			}
			got := errorTexts(t, err)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// errorTexts returns the texts of the *Error values in err, failing the test if err
// holds anything else.
func errorTexts(tb testing.TB, err error) []string {
	tb.Helper()
	var out []string
	for _, e := range zonetest.Flatten(err) {
		var ze *Error
		if !errors.As(e, &ze) {
			tb.Fatalf("got error %T %v, want *zonefile.Error", e, e)
		}
		out = append(out, ze.Error())
	}
	return out
}

// TestReadIncludeOnDisk checks the confinement of the file system FileSource uses: a
// file beside the zone's folder cannot be included, not even through a symbolic link.
func TestReadIncludeOnDisk(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	if err := os.MkdirAll(filepath.Join(zones, "inc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "secret.db"), "secret 300 A 192.0.2.66\n")
	write(filepath.Join(zones, "inc", "a.db"), "a 300 A 192.0.2.1\n")
	write(filepath.Join(zones, "ok.db"), "$INCLUDE inc/a.db\n")
	write(filepath.Join(zones, "escape.db"), "$INCLUDE ../secret.db\n")
	write(filepath.Join(zones, "abs.db"), "$INCLUDE "+filepath.ToSlash(filepath.Join(dir, "secret.db"))+"\n")
	write(filepath.Join(zones, "dir.db"), "a 300 A 192.0.2.1\n$INCLUDE inc\n")
	if err := os.Symlink(filepath.Join(dir, "secret.db"), filepath.Join(zones, "link.db")); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(zones, "symlink.db"), "$INCLUDE link.db\n")

	recs, err := Read(FileSource(filepath.Join(zones, "ok.db")), "example.")
	if err != nil {
		t.Fatalf("ok.db: got error %v, want none", err)
	}
	if got, want := recordLines(recs), fmt.Sprintf("%s:1 a.example. 300 IN A 192.0.2.1", filepath.Join(zones, "inc", "a.db")); len(got) != 1 || got[0] != want {
		t.Errorf("ok.db: got %q, want [%q]", got, want)
	}
	for _, name := range []string{"escape.db", "abs.db", "symlink.db"} {
		recs, err := Read(FileSource(filepath.Join(zones, name)), "example.")
		var ze *Error
		if !errors.As(err, &ze) || ze.Rule != "include" || ze.Line != 1 {
			t.Errorf("%s: got %d records, error %v; want an include error at line 1", name, len(recs), err)
		}
	}
	for _, name := range []string{"inc", "dir.db"} { // a folder as the zone file, a folder included
		recs, err := Read(FileSource(filepath.Join(zones, name)), "example.")
		var ze *Error
		if !errors.As(err, &ze) || ze.Rule != "read" {
			t.Errorf("%s: got %d records, error %v; want a read error", name, len(recs), err)
		}
	}
}

// TestReadRecordTypes reads a zone with one record of many types, each as its
// concrete miekg/dns type.
func TestReadRecordTypes(t *testing.T) {
	text := `$TTL 300
@ SOA ns hm 1 2 3 4 5
@ NS ns
@ MX 10 mx
@ TXT "v=spf1 -all"
@ CAA 0 issue "ca.example"
@ DNSKEY 257 3 8 AwEAAc0=
ns A 192.0.2.1
ns AAAA 2001:db8::1
_sip._tcp SRV 0 5 5060 sip
www CNAME @
d DNAME other.
s SVCB 1 . alpn=h2
h HTTPS 1 . port=8443
t TLSA 3 1 1 abcdef
sub DS 12345 8 2 abcdef
`
	want := []uint16{dns.TypeSOA, dns.TypeNS, dns.TypeMX, dns.TypeTXT, dns.TypeCAA, dns.TypeDNSKEY, dns.TypeA,
		dns.TypeAAAA, dns.TypeSRV, dns.TypeCNAME, dns.TypeDNAME, dns.TypeSVCB, dns.TypeHTTPS, dns.TypeTLSA, dns.TypeDS}
	recs, _, err := readMap(map[string]string{"z.db": text}, "z.db", "example.")
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if got := r.RR.Header().Rrtype; got != want[i] {
			t.Errorf("record %d: got type %s, want %s", i, dns.Type(got), dns.Type(want[i]))
		}
		if _, generic := r.RR.(*dns.RFC3597); generic {
			t.Errorf("record %d: got the generic RFC 3597 form for a known type", i)
		}
		if r.Line != i+2 {
			t.Errorf("record %d: got line %d, want %d", i, r.Line, i+2)
		}
	}
}

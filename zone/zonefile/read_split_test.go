package zonefile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/miekg/dns"
)

// sequential forces Read to parse a file from start to end with one parser.
var sequential = readOptions{ways: 1}

// splitInto makes Read cut any file, however small, into up to ways parts.
func splitInto(ways int) readOptions { return readOptions{ways: ways, minSplit: 0} }

// readText reads text as the master file zones/big.zone of the zone at origin, with
// the extra files of files beside it.
func readText(text, origin string, files map[string]string, opt readOptions) ([]Record, ReadStats, error) {
	fsys := fstest.MapFS{"big.zone": &fstest.MapFile{Data: []byte(text)}}
	for n, t := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(t)}
	}
	return readWithStats(Source{FS: fsys, Name: "big.zone", Path: "zones/big.zone"}, origin, opt)
}

// sameRead fails unless two reads gave the same records (reflect.DeepEqual of each
// RR, with file and line), the same duplicate count and the same error text.
func sameRead(t testing.TB, name string, got, want []Record, gotSt, wantSt ReadStats, gotErr, wantErr error) {
	t.Helper()
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%s: got error %v, want %v", name, gotErr, wantErr)
	}
	if gotSt != wantSt {
		t.Errorf("%s: got stats %+v, want %+v", name, gotSt, wantSt)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d", name, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: record %d: got %#v at %s:%d, want %#v at %s:%d", name, i,
				got[i].RR, got[i].File, got[i].Line, want[i].RR, want[i].File, want[i].Line)
		}
	}
}

// genZone returns a zone of example. with n groups of entries that use what a cut
// must respect: $ORIGIN changes (absolute and relative), $TTL changes (when
// withTTL), relative and "@" owners, entries without owner or TTL, multi-line
// parenthesised records with comments, quoted strings holding ";", "(" and escaped
// quotes, comment lines, and records repeated far apart and in another letter case.
func genZone(n int, withTTL bool) string {
	var b strings.Builder
	b.WriteString("; generated\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n\tNS ns1\nns1 A 192.0.2.1\n")
	for i := range n {
		if withTTL && i%37 == 5 {
			fmt.Fprintf(&b, "$TTL %d ; a new default\n", 100+i)
		}
		switch i % 53 {
		case 7:
			fmt.Fprintf(&b, "$ORIGIN sub%d.example.\n", i)
		case 19:
			b.WriteString("$ORIGIN deeper\n") // relative to the origin in force
		case 31:
			b.WriteString("$ORIGIN example.\n")
		}
		switch i % 9 {
		case 0:
			fmt.Fprintf(&b, "h%d %d IN A 192.0.2.%d\n", i, 60+i%7, i%250)
		case 1:
			fmt.Fprintf(&b, "h%d IN TXT \"a;b(c\" \"d\\\"e ; (\" ; tail (\n\tAAAA 2001:db8::%x\n", i, i)
		case 2:
			fmt.Fprintf(&b, "m%d 600 IN MX ( 10 ; first line (\n\t\tmail%d ; \"\n\t) ; done\n", i, i)
		case 3:
			fmt.Fprintf(&b, "n%d IN A 198.51.100.%d\n", i, i%250) // no TTL
		case 4:
			fmt.Fprintf(&b, "; comment line %d ( \" \n\n", i)
		case 5:
			fmt.Fprintf(&b, "dup%d.example. 300 IN A 203.0.113.%d\n", i%11, i%3) // repeats across the file
		case 6:
			fmt.Fprintf(&b, "DUP%d.EXAMPLE. IN A 203.0.113.%d\n", i%11, i%3) // the same, another case
		case 7:
			fmt.Fprintf(&b, "@ IN TXT \"at %d\"\n", i)
		case 8:
			fmt.Fprintf(&b, "t%d IN 120 TXT ( \"multi\"\n \"line\" )\n", i)
		}
	}
	return b.String()
}

// TestSplitReadMatchesSequential reads files cut into 2 to 16 parts and compares the
// records, lines, duplicates and errors with a read from start to end.
func TestSplitReadMatchesSequential(t *testing.T) {
	files := map[string]string{
		"with $TTL":      genZone(600, true),
		"without $TTL":   genZone(600, false),
		"crlf":           strings.ReplaceAll(genZone(200, false), "\n", "\r\n"),
		"include late":   genZone(300, false) + "$INCLUDE inc.zone\nlast 60 A 192.0.2.9\n",
		"include early":  "$INCLUDE inc.zone\n" + genZone(300, false),
		"include middle": genZone(300, true) + "$INCLUDE inc.zone\n" + genZone(300, true),
		"generate late":  genZone(300, true) + "$GENERATE 1-20 g$ A 192.0.2.$\n" + genZone(50, true),
	}
	extra := map[string]string{"inc.zone": "inc1 60 A 192.0.2.7\ninc2 TXT \"x\"\n"}
	for name, text := range files {
		want, wantSt, wantErr := readText(text, "example.", extra, sequential)
		if wantErr != nil {
			t.Fatalf("%s: sequential read: %v", name, wantErr)
		}
		if wantSt.Duplicates == 0 {
			t.Fatalf("%s: the file has no duplicates to test", name)
		}
		cut := false
		for ways := 2; ways <= 16; ways++ {
			if len(splitPoints([]byte(text), ways)) > 1 {
				cut = true
			}
			got, st, err := readText(text, "example.", extra, splitInto(ways))
			sameRead(t, fmt.Sprintf("%s, %d ways", name, ways), got, want, st, wantSt, err, wantErr)
		}
		if !cut && name != "include early" {
			t.Errorf("%s: never cut into parts", name)
		}
	}
}

// TestSplitReadRootZone compares the split and sequential reads of the root zone.
func TestSplitReadRootZone(t *testing.T) {
	src := FileSource(rootZone)
	want, wantSt, wantErr := readWithStats(src, ".", sequential)
	if wantErr != nil {
		t.Fatal(wantErr)
	}
	for _, ways := range []int{2, 3} {
		got, st, err := readWithStats(src, ".", readOptions{ways: ways, minSplit: minSplitSize})
		sameRead(t, fmt.Sprintf("%d ways", ways), got, want, st, wantSt, err, wantErr)
	}
}

// TestSplitPoints checks where a file is cut: at an entry with an owner in column 0
// that states its TTL (no $TTL), or at any such entry (after a $TTL), never after a
// $INCLUDE or $GENERATE.
func TestSplitPoints(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantLines []int // lines the parts begin on
		wantHead  []string
	}{
		{
			name:      "the first line at the middle that states a TTL",
			text:      "a 60 A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n\tA 192.0.2.4\nd IN 60 A 192.0.2.5\n",
			wantLines: []int{1, 5},
			wantHead:  []string{"", ""},
		},
		{
			name:      "after a $TTL any owner line",
			text:      "$TTL 60\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n; x\nd A 192.0.2.4\n",
			wantLines: []int{1, 4},
			wantHead:  []string{"", "$TTL 60\n"},
		},
		{
			name:      "not inside parentheses",
			text:      "a 60 TXT ( \"x\" ; " + strings.Repeat("p", 60) + "\nb 60 A 192.0.2.1\nc 60 A 192.0.2.1 )\nd 60 A 192.0.2.2\n",
			wantLines: []int{1, 4},
			wantHead:  []string{"", ""},
		},
		{
			name:      "not inside a quoted string",
			text:      "a 60 TXT \"x ; ( " + strings.Repeat("p", 60) + "\nb 60 A \"\nc 60 A 192.0.2.3\n",
			wantLines: []int{1, 3},
			wantHead:  []string{"", ""},
		},
		{
			name:      "after the $ORIGIN entries before it",
			text:      "$ORIGIN sub.example.\na 60 A 192.0.2.1\n$ORIGIN x ; (\nb 60 A 192.0.2.1\n",
			wantLines: []int{1, 4},
			wantHead:  []string{"", "$ORIGIN sub.example.\n$ORIGIN x ; (\n"},
		},
		{
			name:      "no cut after a $GENERATE",
			text:      "$GENERATE 1-2 a$ A 192.0.2.$\nb 60 A 192.0.2.2\nc 60 A 192.0.2.3\nd 60 A 192.0.2.4\n",
			wantLines: []int{1},
			wantHead:  []string{""},
		},
		{
			name:      "no cut after a $INCLUDE",
			text:      "a 60 A 192.0.2.1\n$INCLUDE x\nc 60 A 192.0.2.3\nd 60 A 192.0.2.4\ne 60 A 192.0.2.4\n",
			wantLines: []int{1},
			wantHead:  []string{""},
		},
		{
			name:      "no line qualifies",
			text:      "a 60 A 192.0.2.1\nb A 192.0.2.2\n c 60 A 192.0.2.3\n",
			wantLines: []int{1},
			wantHead:  []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitPoints([]byte(tt.text), 2)
			var lines []int
			var heads []string
			for _, s := range got {
				lines = append(lines, s.line)
				heads = append(heads, string(s.header))
				if s.start > 0 && tt.text[s.start-1] != '\n' {
					t.Errorf("part at offset %d does not begin a line", s.start)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.wantLines) {
				t.Errorf("got parts at lines %v, want %v", lines, tt.wantLines)
			}
			if fmt.Sprintf("%q", heads) != fmt.Sprintf("%q", tt.wantHead) {
				t.Errorf("got headers %q, want %q", heads, tt.wantHead)
			}
		})
	}
}

// TestSplitReadErrorLines puts errors in the second part of a file and checks that
// they name the same file:line as a read from start to end, and that a parse error
// in the first part hides what follows it, as it does there.
func TestSplitReadErrorLines(t *testing.T) {
	body := genZone(400, true)
	lines := strings.Count(body, "\n")
	tests := []struct {
		name string
		text string
		want string // the error text
	}{
		{
			name: "syntax error in the second part",
			text: body + "bad 60 A 192.0.2.999\n",
			want: fmt.Sprintf(`zones/big.zone:%d: bad A A: "192.0.2.999" (syntax)`, lines+1),
		},
		{
			name: "syntax error on the second line of an entry",
			text: body + "mx 60 MX ( 10\n\n bad..name. )\n",
			want: fmt.Sprintf(`zones/big.zone:%d: bad MX Mx: "bad..name." (syntax)`, lines+3),
		},
		{
			name: "class CH in the second part",
			text: body + "ch 60 CH TXT \"x\"\nok 60 A 192.0.2.1\n",
			want: fmt.Sprintf(`zones/big.zone:%d: class CH: only class IN is supported (class)`, lines+1),
		},
		{
			name: "a bad $GENERATE in the second part",
			text: body + "$GENERATE 1-3 g$ 60 A 192.0.2.x$\n",
			want: fmt.Sprintf(`zones/big.zone:%d: bad A A: "192.0.2.x1" (syntax)`, lines+1),
		},
		{
			name: "errors in both parts, in file order",
			text: "@ 60 SOA ns hm 1 2 3 4 5\nch 60 CH A 192.0.2.1\n" + body + "bad 60 A x\n",
			want: fmt.Sprintf("zones/big.zone:2: class CH: only class IN is supported (class)\nzones/big.zone:%d: bad A A: \"x\" (syntax)", lines+3),
		},
		{
			name: "a parse error in the first part hides the rest",
			text: "@ 60 SOA ns hm 1 2 3 4 5\nbad 60 A x\n" + body + "ch 60 CH TXT \"x\"\n",
			want: `zones/big.zone:2: bad A A: "x" (syntax)`,
		},
		{
			name: "$GENERATE in the second part",
			text: body + "$GENERATE 1-3 g$ 60 CH TXT x\n",
			want: strings.TrimSuffix(strings.Repeat(fmt.Sprintf("zones/big.zone:%d: class CH: only class IN is supported (class)\n", lines+1), 3), "\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := splitPoints([]byte(tt.text), 2)
			if len(parts) != 2 {
				t.Fatalf("got %d parts, want 2", len(parts))
			}
			_, _, want := readText(tt.text, "example.", nil, sequential)
			if fmt.Sprint(want) != tt.want {
				t.Fatalf("sequential read: got error\n%v\nwant\n%s", want, tt.want)
			}
			for ways := 2; ways <= 6; ways++ {
				_, _, err := readText(tt.text, "example.", nil, splitInto(ways))
				if fmt.Sprint(err) != tt.want {
					t.Errorf("%d ways: got error\n%v\nwant\n%s", ways, err, tt.want)
				}
			}
		})
	}
}

// TestSplitReadRRSIGDuplicates checks that a signature repeated after the cut (owner
// and signer in another letter case, another TTL) is dropped as a duplicate, and
// that signatures differing in one field are not.
func TestSplitReadRRSIGDuplicates(t *testing.T) {
	const sig = "A 8 2 300 20260101000000 20251201000000 12345 example. dGVzdHNpZ25hdHVyZQ=="
	head := "@ 60 SOA ns hm 1 2 3 4 5\nwww 60 A 192.0.2.1\nwww 60 RRSIG " + sig + "\n"
	tail := "WWW.EXAMPLE. 120 RRSIG " + strings.Replace(sig, "example.", "EXAMPLE.", 1) + "\n" +
		"www 60 RRSIG " + strings.Replace(sig, "dGVz", "eGVz", 1) + "\n" + // another signature
		"www 60 RRSIG " + strings.Replace(sig, "12345", "12346", 1) + "\n" + // another key tag
		"www 60 RRSIG " + strings.Replace(sig, "A 8", "A 13", 1) + "\n" // another algorithm
	text := head + genZone(300, false) + tail
	want, wantSt, wantErr := readText(text, "example.", nil, sequential)
	if wantErr != nil {
		t.Fatal(wantErr)
	}
	var lines []int // of the RRSIGs kept at www
	for _, r := range want {
		if strings.EqualFold(r.RR.Header().Name, "www.example.") && r.RR.Header().Rrtype == dns.TypeRRSIG {
			lines = append(lines, r.Line)
		}
	}
	last := strings.Count(head+genZone(300, false), "\n")
	if got, want := fmt.Sprint(lines), fmt.Sprint([]int{3, last + 2, last + 3, last + 4}); got != want {
		t.Errorf("got the RRSIGs of www kept from lines %s, want %s", got, want)
	}
	for ways := 2; ways <= 4; ways++ {
		got, st, err := readText(text, "example.", nil, splitInto(ways))
		sameRead(t, fmt.Sprintf("%d ways", ways), got, want, st, wantSt, err, wantErr)
	}
}

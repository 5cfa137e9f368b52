package lab

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// at returns t0 plus ms milliseconds.
func at(t0 time.Time, ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// failover is a synthetic scenario: PoP A answers until the fault at 1 s, the queries sent
// in the next 300 ms are lost, then PoP B answers; IPv6 moves, IPv4 stays when only is set.
func failover(only string) record {
	t0 := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	r := record{num: 2, name: "listener blackholed", fault: "nft drop", to: "pop-b", only: only,
		start: t0, faultAt: at(t0, 1000), end: at(t0, 3000)}
	for ms := 0; ms < 3000; ms += 50 {
		for _, fam := range []string{"IPv4", "IPv6"} {
			s := sample{family: fam, sent: at(t0, ms), rtt: 2 * time.Millisecond}
			switch {
			case ms < 1000 || (fam == "IPv4" && only == "IPv6"):
				s.node = "pop-a"
			case ms < 1300:
				s.rtt = 0 // lost
			default:
				s.node = "pop-b"
			}
			r.samples = append(r.samples, s)
		}
	}
	r.events = []event{{at: r.faultAt, label: `drop "53" <udp>`, kind: eventFault}, {at: at(t0, 1290), label: "IPv6 → pop-b", kind: eventRoute}}
	return r
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name     string
		rec      record
		family   string
		sent     int
		lost     int
		byNode   map[string]int
		switched bool
		after    time.Duration
		last     map[string]int
	}{
		{"both families move, IPv4", failover(""), "IPv4", 60, 6, map[string]int{"pop-a": 20, "pop-b": 34}, true, 302 * time.Millisecond, map[string]int{"pop-b": 20}},
		{"both families move, IPv6", failover(""), "IPv6", 60, 6, map[string]int{"pop-a": 20, "pop-b": 34}, true, 302 * time.Millisecond, map[string]int{"pop-b": 20}},
		{"IPv6-only fault, IPv4 stays", failover("IPv6"), "IPv4", 60, 0, map[string]int{"pop-a": 60}, false, 0, map[string]int{"pop-a": 20}},
		{"IPv6-only fault, IPv6 moves", failover("IPv6"), "IPv6", 60, 6, map[string]int{"pop-a": 20, "pop-b": 34}, true, 302 * time.Millisecond, map[string]int{"pop-b": 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := analyze(tc.rec, tc.family)
			if o.sent != tc.sent || o.lost != tc.lost {
				t.Errorf("got %d sent, %d lost; want %d sent, %d lost", o.sent, o.lost, tc.sent, tc.lost)
			}
			if !equalCounts(o.byNode, tc.byNode) {
				t.Errorf("got answers %v, want %v", o.byNode, tc.byNode)
			}
			if o.switched != tc.switched || o.switchAfter != tc.after {
				t.Errorf("got switched %v after %v, want %v after %v", o.switched, o.switchAfter, tc.switched, tc.after)
			}
			if !equalCounts(o.last, tc.last) {
				t.Errorf("got last-second answers %v, want %v", o.last, tc.last)
			}
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBars(t *testing.T) {
	r := failover("")
	bs := bars(r, "IPv6")
	if got, want := len(bs), 31; got != want {
		t.Fatalf("got %d buckets for 3 s, want %d", got, want)
	}
	tests := []struct {
		i     int
		node  string
		count int
		lost  int
	}{
		{0, "pop-a", 2, 0},  // 0 and 50 ms
		{9, "pop-a", 2, 0},  // 900 and 950 ms
		{10, "pop-b", 0, 2}, // the fault: both lost
		{12, "pop-b", 0, 2},
		{13, "pop-b", 2, 0}, // 1300 ms: PoP B
		{29, "pop-b", 2, 0},
	}
	for _, tc := range tests {
		if got := bs[tc.i].answers[tc.node]; got != tc.count {
			t.Errorf("bucket %d: got %d answers from %s, want %d", tc.i, got, tc.node, tc.count)
		}
		if got := bs[tc.i].lost; got != tc.lost {
			t.Errorf("bucket %d: got %d lost, want %d", tc.i, got, tc.lost)
		}
	}
}

func TestTable(t *testing.T) {
	got := table([]record{failover(""), failover("IPv6")})
	for _, want := range []string{
		"| 2 | listener blackholed | nft drop | IPv4 | pop-b after 302 ms | 6 of 60 | 20 | 34 | pop-b 20 |",
		"| 2 | listener blackholed | nft drop | IPv4 | not affected | 0 of 60 | 60 | 0 | pop-a 20 |",
		"| 2 | listener blackholed | nft drop | IPv6 | pop-b after 302 ms | 6 of 60 | 20 | 34 | pop-b 20 |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks row\n%s\ngot:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 2+4 {
		t.Errorf("got %d lines, want 6 (header, rule, 2 records × 2 families):\n%s", n, got)
	}
}

func TestTimelineSVG(t *testing.T) {
	svg := timelineSVG(failover(""))
	// Well-formed XML: the labels are escaped.
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	var texts []string
	rects := map[string]int{}
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			inText = el.Name.Local == "text" || el.Name.Local == "title"
		case xml.CharData:
			if inText {
				texts = append(texts, string(el))
			}
		case xml.EndElement:
			inText = false
		}
	}
	for _, s := range texts {
		if name, _, ok := strings.Cut(s, " "); ok && (name == "pop-a" || name == "pop-b" || name == "lost") && len(s) < 10 {
			rects[name]++
		}
	}
	// 10 buckets of PoP A, 17 of PoP B, 3 of losses, per family; two families.
	for node, want := range map[string]int{"pop-a": 20, "pop-b": 34, "lost": 6} {
		if rects[node] != want {
			t.Errorf("got %d bars of %s, want %d", rects[node], node, want)
		}
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{`drop "53" <udp>`, "IPv6 → pop-b", "Scenario 2: listener blackholed (nft drop)", "-1 s", "2 s"} {
		if !strings.Contains(joined, want) {
			t.Errorf("SVG text lacks %q; texts: %q", want, texts)
		}
	}
}

func TestSpeakerEvents(t *testing.T) {
	log := `==== lab: starting pop-a at 2026-11-26T04:10:00Z
{"level":"info","ts":"2026-11-26T04:10:02.775216349Z","logger":"bgp","msg":"bgp drain","prefix":"198.51.100.53/32","reason":"shutdown"}
{"level":"info","ts":"2026-11-26T04:10:03.776077124Z","logger":"bgp","msg":"bgp withdraw","prefix":"2001:db8:53::53/128","reason":"shutdown"}
{"level":"info","ts":"2026-11-26T04:10:03.9Z","logger":"health","msg":"health transition","prefix":"2001:db8:53::53/128"}
{"level":"info","ts":"2026-11-26T04:20:00Z","logger":"bgp","msg":"bgp announce","prefix":"198.51.100.53/32","reason":"rise"}
`
	path := filepath.Join(t.TempDir(), "pop-a.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 26, 4, 10, 0, 0, time.UTC)
	evs := speakerEvents(path, "pop-a", from, from.Add(time.Minute))
	wantEvents(t, evs, eventSpeaker, []string{"pop-a drain IPv4 (shutdown)", "pop-a withdraw IPv6 (shutdown)"},
		0, time.Date(2026, 11, 26, 4, 10, 2, 775216349, time.UTC))
}

// wantEvents asserts that evs are the labels want, all of kind, and that event i
// happened at at.
func wantEvents(t *testing.T, evs []event, kind string, want []string, i int, at time.Time) {
	t.Helper()
	if len(evs) != len(want) {
		t.Fatalf("got %d events %v, want %v", len(evs), evs, want)
	}
	for i, e := range evs {
		if e.label != want[i] || e.kind != kind {
			t.Errorf("event %d: got %q (%s), want %q (%s)", i, e.label, e.kind, want[i], kind)
		}
	}
	if got := evs[i].at; !got.Equal(at) {
		t.Errorf("event %d: got time %v, want %v", i, got, at)
	}
}

// Both routers' logs give the same session events: BIRD's protocol traces and FRR's
// "%ADJCHANGE" lines, the other lines and those outside the window left out.
func TestSessionEvents(t *testing.T) {
	names := map[string]string{"10.250.1.2": "pop_a4", "fd00:250:2::2": "pop_b6", "10.250.2.2": "pop_b4"}
	tests := []struct {
		name, log string
		parse     func(path string, from, to time.Time) []event
	}{
		{"BIRD", `2026-11-26 04:06:59.041 <RMT> pop_a4: Received: Hold timer expired
2026-11-26 04:06:59.041 <TRACE> pop_a4: BGP session closed
2026-11-26 04:06:59.041 <TRACE> pop_a4: State changed to stop
2026-11-26 04:07:05.262 <TRACE> pop_b6: BGP session established
2026-11-26 05:00:00.000 <TRACE> pop_b4: BGP session established
`, birdSessionEvents},
		{"FRR", `2026/11/26 04:06:58.100 BGP: [M8SSC-Q34TS] EBGP inbound/outbound policy not properly setup
2026/11/26 04:06:59.041 BGP: [PXVXG-TFNNT] %ADJCHANGE: neighbor 10.250.1.2(pop-a) in vrf default Down BGP Notification received
2026/11/26 04:07:05.262 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor fd00:250:2::2(pop-b) in vrf default Up
2026/11/26 05:00:00.000 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor 10.250.2.2 in vrf default Up
`, func(path string, from, to time.Time) []event { return frrSessionEvents(path, names, from, to) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "router.log")
			if err := os.WriteFile(path, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			from := time.Date(2026, 11, 26, 4, 6, 0, 0, time.Local)
			evs := tc.parse(path, from, from.Add(time.Minute+10*time.Second))
			wantEvents(t, evs, eventSession, []string{"router: pop_a4 down", "router: pop_b6 up"},
				1, time.Date(2026, 11, 26, 4, 7, 5, 262e6, time.Local))
		})
	}
}

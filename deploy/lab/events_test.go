package lab

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"strings"
	"time"
)

// speakerEvents reads a PoP's JSON log and returns its BGP speaker's decisions in
// [from, to]: each announce, drain (GRACEFUL_SHUTDOWN) and withdraw, with its prefix's
// family and its reason, e.g. "pop-a withdraw IPv6 (fall)".
func speakerEvents(path, node string, from, to time.Time) []event {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue // the lab's own start and exit lines
		}
		var e struct {
			TS     string `json:"ts"`
			Msg    string `json:"msg"`
			Prefix string `json:"prefix"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		action, ok := strings.CutPrefix(e.Msg, "bgp ")
		if !ok || (action != "announce" && action != "withdraw" && action != "drain") {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, e.TS)
		if err != nil || at.Before(from) || at.After(to) {
			continue
		}
		fam := e.Prefix
		if p, err := netip.ParsePrefix(e.Prefix); err == nil {
			fam = map[bool]string{true: "IPv4", false: "IPv6"}[p.Addr().Is4()]
		}
		evs = append(evs, event{at: at, label: node + " " + action + " " + fam + " (" + e.Reason + ")", kind: eventSpeaker})
	}
	return evs
}

// birdTimeLayout is BIRD's "timeformat log iso long ms", in the local time zone.
const birdTimeLayout = "2006-01-02 15:04:05.000"

// sessionEvents reads BIRD's log and returns the BGP sessions that came up or went down
// in [from, to], e.g. "router: pop_a4 down".
func sessionEvents(path string, from, to time.Time) []event {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < len(birdTimeLayout) {
			continue
		}
		var what string
		switch {
		case strings.HasSuffix(line, ": BGP session established"):
			what = "up"
		case strings.HasSuffix(line, ": BGP session closed"):
			what = "down"
		default:
			continue
		}
		at, err := time.ParseInLocation(birdTimeLayout, line[:len(birdTimeLayout)], time.Local)
		if err != nil || at.Before(from) || at.After(to) {
			continue
		}
		// "<TRACE> pop_a4: BGP session closed": the protocol names the session.
		fields := strings.Fields(line[len(birdTimeLayout):])
		if len(fields) < 2 {
			continue
		}
		evs = append(evs, event{at: at, label: "router: " + strings.TrimSuffix(fields[1], ":") + " " + what, kind: eventSession})
	}
	return evs
}

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

// sessionLogEvents reads a router's log and returns the BGP sessions that came up or
// went down in [from, to]: parse turns one line into its time, the session's name and
// "up" or "down", or reports that the line says neither.
func sessionLogEvents(path string, from, to time.Time, parse func(line string) (at time.Time, session, what string, ok bool)) []event {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		at, session, what, ok := parse(sc.Text())
		if !ok || at.Before(from) || at.After(to) {
			continue
		}
		evs = append(evs, event{at: at, label: "router: " + session + " " + what, kind: eventSession})
	}
	return evs
}

// birdTimeLayout is BIRD's "timeformat log iso long ms", in the local time zone.
const birdTimeLayout = "2006-01-02 15:04:05.000"

// birdSessionEvents reads BIRD's log and returns the BGP sessions that came up or went
// down in [from, to], e.g. "router: pop_a4 down".
func birdSessionEvents(path string, from, to time.Time) []event {
	return sessionLogEvents(path, from, to, func(line string) (time.Time, string, string, bool) {
		var what string
		switch {
		case len(line) < len(birdTimeLayout):
			return time.Time{}, "", "", false
		case strings.HasSuffix(line, ": BGP session established"):
			what = "up"
		case strings.HasSuffix(line, ": BGP session closed"):
			what = "down"
		default:
			return time.Time{}, "", "", false
		}
		at, err := time.ParseInLocation(birdTimeLayout, line[:len(birdTimeLayout)], time.Local)
		// "<TRACE> pop_a4: BGP session closed": the protocol names the session.
		fields := strings.Fields(line[len(birdTimeLayout):])
		if err != nil || len(fields) < 2 {
			return time.Time{}, "", "", false
		}
		return at, strings.TrimSuffix(fields[1], ":"), what, true
	})
}

// frrTimeLayout is FRR's log timestamp with "log timestamp precision 3", local time.
const frrTimeLayout = "2006/01/02 15:04:05.000"

// frrSessionEvents reads FRR bgpd's log and returns the BGP sessions that came up or
// went down in [from, to], from its "%ADJCHANGE" lines ("bgp log-neighbor-changes"),
// each named by names (neighbour address → session name), e.g. "router: pop_a4 down".
func frrSessionEvents(path string, names map[string]string, from, to time.Time) []event {
	return sessionLogEvents(path, from, to, func(line string) (time.Time, string, string, bool) {
		// "2026/12/06 03:34:10.893 BGP: [N9HHH-F8H1M] %ADJCHANGE: neighbor
		// 10.250.1.2(pop-a) in vrf default Up" (or "Down" and the reason).
		_, change, ok := strings.Cut(line, "%ADJCHANGE: neighbor ")
		fields := strings.Fields(change)
		if !ok || len(line) < len(frrTimeLayout) || len(fields) < 5 || fields[1] != "in" || fields[2] != "vrf" {
			return time.Time{}, "", "", false
		}
		what := map[string]string{"Up": "up", "Down": "down"}[fields[4]]
		at, err := time.ParseInLocation(frrTimeLayout, line[:len(frrTimeLayout)], time.Local)
		if what == "" || err != nil {
			return time.Time{}, "", "", false
		}
		addr, _, _ := strings.Cut(fields[0], "(") // the peer's host name follows in brackets
		session := names[addr]
		if session == "" {
			session = addr
		}
		return at, session, what, true
	})
}

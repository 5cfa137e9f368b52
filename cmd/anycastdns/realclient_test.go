package main_test

import (
	"context"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Real clients against the running binary: every dig example of the README (run in
// exactly its form, on the test's own ports), the same questions asked with kdig, and a
// truncated UDP answer retried over TCP by both.

// clientReply is what the tests read from dig's or kdig's full output.
type clientReply struct {
	status    string   // NOERROR, NXDOMAIN, REFUSED...
	flags     []string // header flags, e.g. qr aa rd
	answer    []string // records, fields separated by one space
	authority []string
	nsid      string // the NSID as text, "" when absent
	transport string // UDP or TCP, from the footer
	retried   bool   // the client said it retried over TCP after a truncated reply
	raw       string
}

var (
	reStatus    = regexp.MustCompile(`status: ([A-Z]+)`)
	reFlags     = regexp.MustCompile(`(?i);; flags: ([a-z ]*);`)
	reNSID      = regexp.MustCompile(`NSID: [0-9A-Fa-f ]+ \(?"([^"]*)"\)?`)
	reTransport = regexp.MustCompile(`(?:SERVER:|From) .*\((UDP|TCP)\)`)
	reRetried   = regexp.MustCompile(`Truncated, retrying in TCP mode|truncated reply .*retrying over TCP`)
)

// parseClient reads the output of dig (BIND 9.18) or kdig (Knot 3.2). With a retry
// over TCP, dig prints only the TCP reply; kdig prints only the TCP reply too.
func parseClient(out string) clientReply {
	r := clientReply{raw: out, retried: reRetried.MatchString(out)}
	if m := reStatus.FindAllStringSubmatch(out, -1); m != nil {
		r.status = m[len(m)-1][1]
	}
	if m := reFlags.FindAllStringSubmatch(out, -1); m != nil {
		r.flags = strings.Fields(m[len(m)-1][1])
	}
	if m := reNSID.FindStringSubmatch(out); m != nil {
		r.nsid = m[1]
	}
	if m := reTransport.FindAllStringSubmatch(out, -1); m != nil {
		r.transport = m[len(m)-1][1]
	}
	var cur *[]string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(line, "ANSWER SECTION:"):
			cur = &r.answer
		case strings.Contains(line, "AUTHORITY SECTION:"):
			cur = &r.authority
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, ";"):
			cur = nil
		case cur != nil:
			*cur = append(*cur, strings.Join(strings.Fields(line), " "))
		}
	}
	return r
}

// runClient runs tool with args, bounded to 20 seconds, and returns its combined
// output; a non-zero exit fails the test.
func runClient(t *testing.T, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// clientCase is one question asked with dig and kdig, and what the reply must show.
type clientCase struct {
	name      string
	v6        bool     // ask [::1] instead of 127.0.0.1
	args      []string // after @SERVER -p PORT
	status    string
	flags     []string // flags that must be set
	noFlags   []string // flags that must be clear
	answer    []string // the whole answer section (any order), "" entries never
	authority []string // records the authority section must hold
	nsid      string
	transport string
}

// exampleCases are the questions asked of the built-in example zones. The first two are
// the README's examples, in exactly its form.
var exampleCases = []clientCase{
	{
		name: "README SOA +nsid", args: []string{"example.org", "SOA", "+nsid"},
		status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"tc", "ra"},
		answer: []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112601 7200 3600 1209600 300"},
		nsid:   "test-node-1", transport: "UDP",
	},
	{
		name: "README hostname.bind CH TXT", args: []string{"hostname.bind", "CH", "TXT"},
		status: "NOERROR", flags: []string{"qr"}, noFlags: []string{"tc", "ra"},
		answer: []string{`hostname.bind. 0 CH TXT "test-node-1"`}, transport: "UDP",
	},
	{
		name: "id.server CH TXT", args: []string{"id.server", "CH", "TXT"},
		status: "NOERROR", flags: []string{"qr"},
		answer: []string{`id.server. 0 CH TXT "test-node-1"`},
	},
	{
		name: "SOA over TCP", args: []string{"+tcp", "example.org", "SOA"},
		status: "NOERROR", flags: []string{"qr", "aa"},
		answer:    []string{"example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112601 7200 3600 1209600 300"},
		transport: "TCP",
	},
	{
		name: "AAAA over IPv6", v6: true, args: []string{"www.example.org", "AAAA"},
		status: "NOERROR", flags: []string{"qr", "aa"},
		answer: []string{"www.example.org. 3600 IN AAAA 2001:db8::10"}, transport: "UDP",
	},
	{
		name: "NSID over IPv6 and TCP", v6: true, args: []string{"+tcp", "+nsid", "example.net", "A"},
		status: "NOERROR", flags: []string{"qr", "aa"},
		answer: []string{"example.net. 86400 IN A 198.51.100.80"}, nsid: "test-node-1", transport: "TCP",
	},
	{
		// RFC 2308 section 3: the SOA in authority with TTL min(SOA TTL, MINIMUM) = 300.
		name: "NXDOMAIN", args: []string{"nope.example.org", "A"},
		status: "NXDOMAIN", flags: []string{"qr", "aa"},
		authority: []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2026112601 7200 3600 1209600 300"},
	},
	{
		name: "CNAME followed", args: []string{"docs.example.org", "A"},
		status: "NOERROR", flags: []string{"qr", "aa"},
		answer: []string{"docs.example.org. 3600 IN CNAME www.example.org.", "www.example.org. 3600 IN A 192.0.2.10"},
	},
	{
		name: "wildcard, mixed case", args: []string{"Host1.DYN.example.org", "A"},
		status: "NOERROR", flags: []string{"qr", "aa"},
		answer: []string{"Host1.DYN.example.org. 300 IN A 192.0.2.100"},
	},
	{
		// RFC 1034 section 4.3.2 step 3b: a referral is not authoritative.
		name: "referral", args: []string{"+norec", "www.sub.example.org", "A"},
		status: "NOERROR", flags: []string{"qr"}, noFlags: []string{"aa", "rd"},
		authority: []string{"sub.example.org. 3600 IN NS ns1.sub.example.org.", "sub.example.org. 3600 IN NS ns2.sub.example.org."},
	},
	{
		name: "outside our zones", args: []string{"example.com", "A"},
		status: "REFUSED", noFlags: []string{"aa"},
	},
}

// ask runs tool (dig or kdig) for c against n and checks the reply.
func ask(t *testing.T, tool string, n *node, c clientCase) clientReply {
	t.Helper()
	server, port := "@127.0.0.1", n.port4
	if c.v6 {
		server, port = "@::1", n.port6
	}
	args := append([]string{server, "-p", strconv.Itoa(port)}, c.args...)
	r := parseClient(runClient(t, tool, args...))
	cmd := tool + " " + strings.Join(args, " ")
	if r.status != c.status {
		t.Errorf("%s: got status %q, want %q\n%s", cmd, r.status, c.status, r.raw)
	}
	for _, f := range c.flags {
		if !slices.Contains(r.flags, f) {
			t.Errorf("%s: got flags %v, want %s set", cmd, r.flags, f)
		}
	}
	for _, f := range c.noFlags {
		if slices.Contains(r.flags, f) {
			t.Errorf("%s: got flags %v, want %s clear", cmd, r.flags, f)
		}
	}
	if c.answer != nil {
		// Names compare case-insensitively (RFC 4343); the test data has no other letters
		// whose case matters.
		got, want := lowerSorted(r.answer), lowerSorted(c.answer)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got answer\n\t%s\nwant\n\t%s", cmd, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	}
	for _, rr := range c.authority {
		if !slices.Contains(lowerSorted(r.authority), strings.ToLower(rr)) {
			t.Errorf("%s: got authority %q, want it to hold %q", cmd, r.authority, rr)
		}
	}
	if r.nsid != c.nsid {
		t.Errorf("%s: got NSID %q, want %q", cmd, r.nsid, c.nsid)
	}
	if c.transport != "" && r.transport != c.transport {
		t.Errorf("%s: got transport %q, want %q", cmd, r.transport, c.transport)
	}
	return r
}

// testDig asks every example question with dig.
func testDig(t *testing.T, bin string) {
	dig := requireTool(t, "dig")
	n := startNode(t, bin, "example.org.")
	for _, c := range exampleCases {
		t.Run(c.name, func(t *testing.T) { ask(t, dig, n, c) })
	}
}

// testKdig asks every example question with kdig (Knot's client).
func testKdig(t *testing.T, bin string) {
	kdig := requireTool(t, "kdig")
	n := startNode(t, bin, "example.org.")
	for _, c := range exampleCases {
		t.Run(c.name, func(t *testing.T) { ask(t, kdig, n, c) })
	}
}

// testTruncation serves a zone with a 50-record TXT set and checks that a UDP reply
// too small for it sets TC (RFC 1035 section 4.2.1, RFC 6891 section 7) and that dig
// and kdig then retry over TCP and get the whole set (RFC 7766 section 5).
func testTruncation(t *testing.T, bin string) {
	dig := requireTool(t, "dig")
	kdig := requireTool(t, "kdig")
	zf := writeFile(t, "big.test.zone", bigZone())
	n := startNode(t, bin, "big.test.", "-zone", "big.test.="+zf)

	var all []string
	for i := range 50 {
		all = append(all, "many.big.test. 3600 IN TXT \"record "+twoDigits(i)+" of a set too large for one UDP reply\"")
	}
	cases := []struct {
		tool string
		clientCase
		retried bool
	}{
		// +ignore keeps the truncated UDP reply: TC set, and whole RRsets only (RFC 2181
		// section 9), so the 50-record set is left out entirely.
		{dig, clientCase{name: "dig udp 512 kept", args: []string{"+ignore", "+bufsize=512", "many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa", "tc"}, answer: []string{}, transport: "UDP"}, false},
		{dig, clientCase{name: "dig udp no EDNS kept", args: []string{"+ignore", "+noedns", "many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa", "tc"}, answer: []string{}, transport: "UDP"}, false},
		{dig, clientCase{name: "dig udp 512 retried over TCP", args: []string{"+bufsize=512", "many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"tc"}, answer: all, transport: "TCP"}, true},
		{dig, clientCase{name: "dig default size retried over TCP", args: []string{"many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"tc"}, answer: all, transport: "TCP"}, true},
		{dig, clientCase{name: "dig small answer not truncated", args: []string{"+bufsize=512", "ns1.big.test", "A"},
			status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"tc"},
			answer: []string{"ns1.big.test. 3600 IN A 192.0.2.53"}, transport: "UDP"}, false},
		{kdig, clientCase{name: "kdig udp 512 kept", args: []string{"+ignore", "+bufsize=512", "many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa", "tc"}, answer: []string{}, transport: "UDP"}, false},
		{kdig, clientCase{name: "kdig udp 512 retried over TCP", args: []string{"+bufsize=512", "many.big.test", "TXT"},
			status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"tc"}, answer: all, transport: "TCP"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ask(t, c.tool, n, c.clientCase)
			if r.retried != c.retried {
				t.Errorf("%s: got retried over TCP %v, want %v\n%s", c.name, r.retried, c.retried, r.raw)
			}
		})
	}
}

func twoDigits(i int) string {
	s := strconv.Itoa(i)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

// lowerSorted returns rrs lower-cased and sorted.
func lowerSorted(rrs []string) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = strings.ToLower(rr)
	}
	slices.Sort(out)
	return out
}

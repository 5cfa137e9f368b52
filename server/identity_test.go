package server

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// chaosQuery returns a CH-class query.
func chaosQuery(name string, qtype uint16) *dns.Msg {
	m := newQuery(name, qtype)
	m.Question[0].Qclass = dns.ClassCHAOS
	return m
}

// withNSID adds an empty NSID option (RFC 5001 section 2.1).
func withNSID(m *dns.Msg) *dns.Msg {
	withEDNS(m, 1232, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	return m
}

// nsidOf returns the NSID payload of the reply, and whether there was one.
func nsidOf(r *dns.Msg) (string, bool) {
	opt := r.IsEdns0()
	if opt == nil {
		return "", false
	}
	for _, o := range opt.Option {
		if n, ok := o.(*dns.EDNS0_NSID); ok {
			b, err := hex.DecodeString(n.Nsid)
			if err != nil {
				return "", false
			}
			return string(b), true
		}
	}
	return "", false
}

// TestIdentity checks hostname.bind, id.server, version.bind, version.server and NSID.
func TestIdentity(t *testing.T) {
	shown := newTestServer(t, testConfig(), nil)
	hiddenCfg := testConfig()
	hiddenCfg.HideVersion = true
	hiddenCfg.NSID = false
	hidden := newTestServer(t, hiddenCfg, nil)

	tests := []struct {
		name  string
		s     *Server
		q     *dns.Msg
		rcode int
		txt   string // the TXT answer wanted, "" for none
		nsid  string // the NSID wanted, "" for none
	}{
		{name: "hostname.bind", s: shown, q: chaosQuery("hostname.bind.", dns.TypeTXT), txt: "node1.test"},
		{name: "HOSTNAME.BIND", s: shown, q: chaosQuery("HOSTNAME.BIND.", dns.TypeTXT), txt: "node1.test"},
		{name: "id.server", s: shown, q: chaosQuery("id.server.", dns.TypeTXT), txt: "node1.test"},
		{name: "version.bind shown", s: shown, q: chaosQuery("version.bind.", dns.TypeTXT), txt: "anycastdns-test"},
		{name: "version.server shown", s: shown, q: chaosQuery("version.server.", dns.TypeTXT), txt: "anycastdns-test"},
		{name: "version.bind hidden", s: hidden, q: chaosQuery("version.bind.", dns.TypeTXT), rcode: dns.RcodeRefused},
		{name: "version.server hidden", s: hidden, q: chaosQuery("version.server.", dns.TypeTXT), rcode: dns.RcodeRefused},
		{name: "hostname.bind with version hidden", s: hidden, q: chaosQuery("hostname.bind.", dns.TypeTXT), txt: "node1.test"},
		{name: "NSID asked", s: shown, q: withNSID(newQuery("example.", dns.TypeSOA)), nsid: "node1.test"},
		{name: "NSID on REFUSED", s: shown, q: withNSID(newQuery("example.org.", dns.TypeSOA)), rcode: dns.RcodeRefused, nsid: "node1.test"},
		{name: "NSID with CH", s: shown, q: withNSID(chaosQuery("id.server.", dns.TypeTXT)), txt: "node1.test", nsid: "node1.test"},
		{name: "NSID not asked", s: shown, q: withEDNS(newQuery("example.", dns.TypeSOA), 1232, false)},
		{name: "NSID off", s: hidden, q: withNSID(newQuery("example.", dns.TypeSOA))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := ask(t, tc.s, tc.q, udp)
			if r.Rcode != tc.rcode {
				t.Errorf("got rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
			}
			if tc.txt != "" {
				if len(r.Answer) != 1 {
					t.Fatalf("got %d answers, want 1", len(r.Answer))
				}
				txt, ok := r.Answer[0].(*dns.TXT)
				if !ok {
					t.Fatalf("got %v, want TXT", r.Answer[0])
				}
				if got := strings.Join(txt.Txt, ""); got != tc.txt {
					t.Errorf("got TXT %q, want %q", got, tc.txt)
				}
				if txt.Hdr.Class != dns.ClassCHAOS {
					t.Errorf("got class %d, want CH", txt.Hdr.Class)
				}
				if !r.Authoritative {
					t.Error("got AA clear, want set")
				}
			}
			got, ok := nsidOf(r)
			if ok != (tc.nsid != "") || got != tc.nsid {
				t.Errorf("got NSID %q (present %v), want %q", got, ok, tc.nsid)
			}
		})
	}
}

// TestIdentityLong checks that an identity longer than a character-string is split
// (RFC 1035 section 3.3.14) and comes back whole, backslashes included.
func TestIdentityLong(t *testing.T) {
	cfg := testConfig()
	cfg.Identity = strings.Repeat(`pop\`, 100)
	s := newTestServer(t, cfg, nil)
	r, _ := ask(t, s, chaosQuery("hostname.bind.", dns.TypeTXT), tcp)
	if len(r.Answer) != 1 {
		t.Fatalf("got %d answers, want 1", len(r.Answer))
	}
	// miekg/dns escapes the backslashes it unpacks.
	got := strings.ReplaceAll(strings.Join(r.Answer[0].(*dns.TXT).Txt, ""), `\\`, `\`)
	if got != cfg.Identity {
		t.Errorf("got identity %q, want %q", got, cfg.Identity)
	}
}

// TestIdentityDefault checks that an empty Identity becomes the host name.
func TestIdentityDefault(t *testing.T) {
	cfg := testConfig()
	cfg.Identity = ""
	s := newTestServer(t, cfg, nil)
	if s.cfg.Identity == "" {
		t.Fatal("got empty identity, want the host name")
	}
	r, _ := ask(t, s, chaosQuery("id.server.", dns.TypeTXT), udp)
	if len(r.Answer) != 1 || strings.Join(r.Answer[0].(*dns.TXT).Txt, "") != s.cfg.Identity {
		t.Errorf("got %v, want the host name %q", r.Answer, s.cfg.Identity)
	}
}

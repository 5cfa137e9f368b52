package server

import (
	"testing"

	"github.com/miekg/dns"
)

// TestEDNS checks the OPT record of replies (RFC 6891).
func TestEDNS(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	small := testConfig()
	small.UDPSize = 600
	sSmall := newTestServer(t, small, nil)

	unknownOption := func() *dns.Msg {
		m := withEDNS(newQuery("example.", dns.TypeSOA), 1232, false)
		opt := m.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: 100, Data: []byte{1, 2, 3}})
		return m
	}
	unknownFlag := func(version uint8) *dns.Msg {
		m := withEDNS(newQuery("example.", dns.TypeSOA), 1232, false)
		m.IsEdns0().SetVersion(version)
		m.IsEdns0().SetZ(0x40) // an unassigned EDNS flag
		return m
	}
	version := func(v uint8, do bool) *dns.Msg {
		m := withEDNS(newQuery("example.", dns.TypeSOA), 1232, do)
		m.IsEdns0().SetVersion(v)
		return m
	}

	tests := []struct {
		name    string
		s       *Server
		q       *dns.Msg
		opt     bool
		size    uint16 // the payload size advertised
		rcode   int
		answers int
		do      bool
	}{
		{name: "no OPT, none back", s: s, q: newQuery("example.", dns.TypeSOA), answers: 1},
		{name: "OPT advertises our size", s: s, q: withEDNS(newQuery("example.", dns.TypeSOA), 4096, false), opt: true, size: 1232, answers: 1},
		{name: "configured size", s: sSmall, q: withEDNS(newQuery("example.", dns.TypeSOA), 4096, false), opt: true, size: 600, answers: 1},
		{name: "small client size", s: s, q: withEDNS(newQuery("example.", dns.TypeSOA), 100, false), opt: true, size: 1232, answers: 1},
		{name: "DO copied", s: s, q: withEDNS(newQuery("example.", dns.TypeSOA), 1232, true), opt: true, size: 1232, answers: 1, do: true},
		{name: "version 1 is BADVERS", s: s, q: version(1, false), opt: true, size: 1232, rcode: dns.RcodeBadVers},
		{name: "version 255 is BADVERS", s: s, q: version(255, false), opt: true, size: 1232, rcode: dns.RcodeBadVers},
		{name: "BADVERS copies DO", s: s, q: version(1, true), opt: true, size: 1232, rcode: dns.RcodeBadVers, do: true},
		{name: "unknown option ignored", s: s, q: unknownOption(), opt: true, size: 1232, answers: 1},
		{name: "unknown flag ignored", s: s, q: unknownFlag(0), opt: true, size: 1232, answers: 1},
		{name: "unknown flag with version 1", s: s, q: unknownFlag(1), opt: true, size: 1232, rcode: dns.RcodeBadVers},
		{name: "refused keeps OPT", s: s, q: withEDNS(newQuery("example.org.", dns.TypeSOA), 1232, false), opt: true, size: 1232, rcode: dns.RcodeRefused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := ask(t, tc.s, tc.q, udp)
			if r.Rcode != tc.rcode {
				t.Errorf("got rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
			}
			if len(r.Answer) != tc.answers {
				t.Errorf("got %d answers, want %d", len(r.Answer), tc.answers)
			}
			opt := r.IsEdns0()
			if (opt != nil) != tc.opt {
				t.Fatalf("got OPT %v, want %v", opt != nil, tc.opt)
			}
			if opt == nil {
				return
			}
			if got := opt.UDPSize(); got != tc.size {
				t.Errorf("got advertised size %d, want %d", got, tc.size)
			}
			if got := opt.Version(); got != 0 {
				t.Errorf("got EDNS version %d, want 0", got)
			}
			if got := opt.Do(); got != tc.do {
				t.Errorf("got DO %v, want %v", got, tc.do)
			}
			if got := opt.Z(); got != 0 {
				t.Errorf("got EDNS flags %#x besides DO, want none (RFC 6891 section 6.1.4)", got)
			}
			for _, o := range opt.Option {
				// NSID when asked; an Extended DNS Error with REFUSED (ede.go).
				if o.Option() != dns.EDNS0NSID && !(o.Option() == dns.EDNS0EDE && tc.rcode == dns.RcodeRefused) {
					t.Errorf("got option %d in the reply, want only NSID when asked", o.Option())
				}
			}
			if tc.rcode == dns.RcodeBadVers && r.Authoritative {
				t.Error("got AA on BADVERS, want clear")
			}
		})
	}
}

// TestUDPSizeLimit checks that UDP replies fit min(client size, our size), never
// less than 512, and 512 without EDNS.
func TestUDPSizeLimit(t *testing.T) {
	s := newTestServer(t, testConfig(), nil)
	tests := []struct {
		name   string
		q      *dns.Msg
		tr     transport
		max    int
		wantTC bool
	}{
		{name: "no EDNS", q: newQuery("many.example.", dns.TypeA), max: 512, wantTC: true},
		{name: "EDNS 512", q: withEDNS(newQuery("many.example.", dns.TypeA), 512, false), max: 512, wantTC: true},
		{name: "EDNS below 512 counts as 512", q: withEDNS(newQuery("many.example.", dns.TypeA), 100, false), max: 512, wantTC: true},
		{name: "EDNS 1232 fits", q: withEDNS(newQuery("many.example.", dns.TypeA), 1232, false), max: 1232},
		{name: "EDNS 4096 capped at ours", q: withEDNS(newQuery("big.example.", dns.TypeTXT), 4096, false), max: 1232, wantTC: true},
		{name: "TCP takes it all", q: withEDNS(newQuery("big.example.", dns.TypeTXT), 512, false), tr: tcp, max: 65535},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, n := ask(t, s, tc.q, tc.tr)
			if n > tc.max {
				t.Errorf("got %d octets, want at most %d", n, tc.max)
			}
			if r.Truncated != tc.wantTC {
				t.Errorf("got TC %v, want %v", r.Truncated, tc.wantTC)
			}
		})
	}
}

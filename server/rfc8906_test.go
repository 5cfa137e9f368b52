package server

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// rawExchange sends msg to addr over UDP or TCP from a fresh socket and returns the
// reply.
func rawExchange(t *testing.T, network, addr string, msg []byte) *dns.Msg {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 65535)
	var b []byte
	if network == "tcp" {
		if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:2]); err != nil {
			t.Fatalf("no reply: %v", err)
		}
		b = buf[:binary.BigEndian.Uint16(buf)]
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
	} else {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no reply: %v", err)
		}
		b = buf[:n]
	}
	r := new(dns.Msg)
	if err := r.Unpack(b); err != nil {
		t.Fatalf("reply does not unpack: %v", err)
	}
	return r
}

// TestRFC8906 runs the test battery of RFC 8906 section 8 (the dig commands there,
// as messages) against a running server, over UDP and over TCP (the TCP test of
// section 8.1 is the whole battery run again over TCP). The zone is "example.",
// whose SOA fits in any reply; the truncation test asks for a TXT set larger than
// 512 octets with a 512-octet EDNS buffer.
func TestRFC8906(t *testing.T) {
	_, addr, _ := startServer(t, testConfig(), nil)
	pack := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// soa is "dig +norec soa example." with the changes f makes.
	soa := func(f func(m *dns.Msg)) []byte {
		m := newQuery("example.", dns.TypeSOA)
		if f != nil {
			f(m)
		}
		return pack(m)
	}
	edns := func(version uint8, do bool, z uint16, opts ...dns.EDNS0) func(m *dns.Msg) {
		return func(m *dns.Msg) {
			m.SetEdns0(4096, do)
			opt := m.IsEdns0()
			opt.SetVersion(version)
			opt.SetZ(z)
			opt.Option = append(opt.Option, opts...)
		}
	}
	unknownOpt := &dns.EDNS0_LOCAL{Code: 100, Data: []byte{0xde, 0xad}}
	zflag := soa(nil)
	zflag[3] |= 0x40 // the Z bit of the header
	truncated := newQuery("big.example.", dns.TypeTXT)
	truncated.SetEdns0(512, true)

	tests := []struct {
		name    string // "basic" for RFC 8906 section 8.1, "EDNS" for section 8.2
		msg     []byte
		rcode   int
		soa     bool // the SOA is in the answer
		aa      bool
		opt     bool // an OPT (version 0) is in the reply
		do      bool
		tc      bool
		udpOnly bool
	}{
		{name: "basic: zone configured", msg: soa(nil), soa: true, aa: true},
		{name: "basic: unknown type", msg: pack(newQuery("example.", 1000)), aa: true},
		{name: "basic: header bit CD", msg: soa(func(m *dns.Msg) { m.CheckingDisabled = true }), soa: true, aa: true},
		{name: "basic: header bit AD", msg: soa(func(m *dns.Msg) { m.AuthenticatedData = true }), soa: true, aa: true},
		{name: "basic: reserved header bit Z", msg: zflag, soa: true, aa: true},
		{name: "basic: unknown opcode", msg: rawHeader(15<<3, 0, 0, 0, 0, 0), rcode: dns.RcodeNotImplemented},
		{name: "EDNS: minimal", msg: soa(edns(0, false, 0)), soa: true, aa: true, opt: true},
		{name: "EDNS: version 1", msg: soa(edns(1, false, 0)), rcode: dns.RcodeBadVers, opt: true},
		{name: "EDNS: unknown option", msg: soa(edns(0, false, 0, unknownOpt)), soa: true, aa: true, opt: true},
		{name: "EDNS: unknown flag", msg: soa(edns(0, false, 0x40)), soa: true, aa: true, opt: true},
		{name: "EDNS: version 1 and unknown flag", msg: soa(edns(1, false, 0x40)), rcode: dns.RcodeBadVers, opt: true},
		{name: "EDNS: version 1 and unknown option", msg: soa(edns(1, false, 0, unknownOpt)), rcode: dns.RcodeBadVers, opt: true},
		{name: "EDNS: truncated response", msg: pack(truncated), aa: true, opt: true, do: true, tc: true, udpOnly: true},
		{name: "EDNS: DNSSEC", msg: soa(edns(0, true, 0)), soa: true, aa: true, opt: true, do: true},
		{name: "EDNS: version 1 and DNSSEC", msg: soa(edns(1, true, 0)), rcode: dns.RcodeBadVers, opt: true, do: true},
		{name: "EDNS: several defined options", msg: soa(edns(0, false, 0,
			&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"},
			&dns.EDNS0_NSID{Code: dns.EDNS0NSID},
			&dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true},
			&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, Address: net.IPv4zero.To4()},
		)), soa: true, aa: true, opt: true},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range tests {
			if tc.udpOnly && network == "tcp" {
				continue
			}
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				r := rawExchange(t, network, addr, tc.msg)
				if r.Id != binary.BigEndian.Uint16(tc.msg) {
					t.Errorf("got id %d, want %d", r.Id, binary.BigEndian.Uint16(tc.msg))
				}
				if !r.Response {
					t.Error("got QR clear, want set")
				}
				if r.Rcode != tc.rcode {
					t.Errorf("got rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
				}
				if got := countType(r.Answer, dns.TypeSOA) == 1; got != tc.soa {
					t.Errorf("got SOA in answer %v, want %v", got, tc.soa)
				}
				if r.Authoritative != tc.aa {
					t.Errorf("got AA %v, want %v", r.Authoritative, tc.aa)
				}
				if r.Truncated != tc.tc {
					t.Errorf("got TC %v, want %v", r.Truncated, tc.tc)
				}
				if r.Zero || r.RecursionAvailable || r.AuthenticatedData {
					t.Errorf("got Z %v RA %v AD %v, want all clear", r.Zero, r.RecursionAvailable, r.AuthenticatedData)
				}
				opt := r.IsEdns0()
				if (opt != nil) != tc.opt {
					t.Fatalf("got OPT %v, want %v", opt != nil, tc.opt)
				}
				if opt == nil {
					return
				}
				if opt.Version() != 0 {
					t.Errorf("got EDNS version %d, want 0", opt.Version())
				}
				if opt.Do() != tc.do {
					t.Errorf("got DO %v, want %v", opt.Do(), tc.do)
				}
				if opt.Z() != 0 {
					t.Errorf("got MBZ flags %#x, want none", opt.Z())
				}
				for _, o := range opt.Option {
					if o.Option() == unknownOpt.Code {
						t.Errorf("got option %d echoed, want it ignored", o.Option())
					}
				}
			})
		}
	}
}

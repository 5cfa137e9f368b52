package server_test

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The protocol half of the differential test: odd queries of the RFC 8906 section 8
// battery (unknown opcode, EDNS version 1, unknown EDNS option and flag, header flags,
// unknown type, bad QDCOUNT, other classes) go to knotd and to our server, and the
// header, the OPT record and the sections of both replies must agree.

// protoCase is one crafted query. edit changes a query for flags. (SOA, RD set, EDNS
// payload 1232) before it is sent.
type protoCase struct {
	name string
	edit func(m *dns.Msg)
}

var protoCases = []protoCase{
	{"plain SOA", func(m *dns.Msg) {}},
	{"no EDNS", func(m *dns.Msg) { m.Extra = nil }},
	{"RD clear", func(m *dns.Msg) { m.RecursionDesired = false }},
	{"CD set", func(m *dns.Msg) { m.CheckingDisabled = true }},
	{"AD set", func(m *dns.Msg) { m.AuthenticatedData = true }},
	{"Z bit set", func(m *dns.Msg) { m.Zero = true }},
	{"unknown opcode 3", func(m *dns.Msg) { m.Opcode = 3 }},
	{"unknown opcode 15", func(m *dns.Msg) { m.Opcode = 15 }},
	{"EDNS version 1", func(m *dns.Msg) { m.IsEdns0().SetVersion(1) }},
	{"EDNS version 1 unknown name", func(m *dns.Msg) {
		m.IsEdns0().SetVersion(1)
		m.Question[0].Name = "nope.flags."
	}},
	{"unknown EDNS option", func(m *dns.Msg) {
		opt := m.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: 65001, Data: []byte{1, 2, 3}})
	}},
	{"unknown EDNS flag", func(m *dns.Msg) { m.IsEdns0().Hdr.Ttl |= 0x4000 }},
	{"EDNS payload below 512", func(m *dns.Msg) { m.IsEdns0().SetUDPSize(100) }},
	{"unknown type", func(m *dns.Msg) { m.Question[0].Qtype = 65000 }},
	{"unknown type at a missing name", func(m *dns.Msg) {
		m.Question[0] = dns.Question{Name: "nope.flags.", Qtype: 65000, Qclass: dns.ClassINET}
	}},
	{"QDCOUNT 0", func(m *dns.Msg) { m.Question = nil }},
	{"QDCOUNT 2", func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }},
	{"class CH, not an identity name", func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }},
	{"class NONE", func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassNONE }},
	{"mixed-case name", func(m *dns.Msg) { m.Question[0].Name = "FlAgS." }},
	// A message with QR set is a response, not a query: both servers drop it
	// (answering it would let two servers reply to each other forever).
	{"QR set", func(m *dns.Msg) { m.Response = true }},
}

// protoAccepted lists the differences of protoCases that the RFCs allow, by case
// name: the RFC reason, and what our reply must then show.
var protoAccepted = map[string]struct {
	reason string
	ours   func(r *dns.Msg) bool
}{
	"CD set": {
		"RFC 4035 section 3.1.6: the name server side MUST copy the CD bit from a query to " +
			"the response; we do, Knot 3.2 clears it when DO is not set",
		func(r *dns.Msg) bool { return r.CheckingDisabled && r.Rcode == dns.RcodeSuccess },
	},
	"class CH, not an identity name": {
		"RFC 8914 section 4.22: REFUSED with EDE 21 (Not Supported), a CHAOS name we do " +
			"not answer; Knot 3.2 sends no EDE",
		func(r *dns.Msg) bool { return r.Rcode == dns.RcodeRefused && replyEDE(r) == 21 },
	},
	"class NONE": {
		"RFC 8914 section 4.22: REFUSED with EDE 21 (Not Supported), a class we do not " +
			"serve; Knot 3.2 sends no EDE",
		func(r *dns.Msg) bool { return r.Rcode == dns.RcodeRefused && replyEDE(r) == 21 },
	},
	"QDCOUNT 2": {
		"RFC 9619 (updating RFC 1035 section 4.1.2): a QUERY with QDCOUNT > 1 is a format " +
			"error, answered with FORMERR (keeping the OPT record, RFC 6891 section 7); " +
			"Knot 3.2 drops it unanswered",
		func(r *dns.Msg) bool { return r.Rcode == dns.RcodeFormatError && r.IsEdns0() != nil },
	},
}

// exchangeRaw sends m over UDP to addr and returns the reply, or nil after timeout (a
// server may stay silent).
func exchangeRaw(addr string, m *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	b, err := m.Pack()
	if err != nil {
		return nil, err
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(b); err != nil {
		return nil, err
	}
	buf := make([]byte, dns.MaxMsgSize)
	n, err := c.Read(buf)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return nil, nil
		}
		return nil, err
	}
	r := new(dns.Msg)
	if err := r.Unpack(buf[:n]); err != nil {
		return nil, fmt.Errorf("unpack reply: %w", err)
	}
	return r, nil
}

// headerDiff compares what replyDiff does not: opcode, the RD, RA, AD, CD and Z bits,
// and the OPT record's version, DO bit, payload size and option codes.
func headerDiff(knot, ours *dns.Msg) []string {
	var d []string
	for _, f := range []struct {
		name       string
		knot, ours any
	}{
		{"opcode", knot.Opcode, ours.Opcode},
		{"rd", knot.RecursionDesired, ours.RecursionDesired},
		{"ra", knot.RecursionAvailable, ours.RecursionAvailable},
		{"ad", knot.AuthenticatedData, ours.AuthenticatedData},
		{"cd", knot.CheckingDisabled, ours.CheckingDisabled},
		{"z", knot.Zero, ours.Zero},
	} {
		if f.knot != f.ours {
			d = append(d, fmt.Sprintf("%s: knot %v, ours %v", f.name, f.knot, f.ours))
		}
	}
	ko, oo := knot.IsEdns0(), ours.IsEdns0()
	if ko == nil || oo == nil {
		return d // presence is compared by replyDiff
	}
	codes := func(o *dns.OPT) []uint16 {
		var c []uint16
		for _, e := range o.Option {
			c = append(c, e.Option())
		}
		slices.Sort(c)
		return c
	}
	for _, f := range []struct {
		name       string
		knot, ours any
	}{
		{"edns version", ko.Version(), oo.Version()},
		{"edns do", ko.Do(), oo.Do()},
		{"edns flags", ko.Hdr.Ttl & 0xffff, oo.Hdr.Ttl & 0xffff},
		{"edns payload", ko.UDPSize(), oo.UDPSize()},
		{"edns options", fmt.Sprint(codes(ko)), fmt.Sprint(codes(oo))},
	} {
		if f.knot != f.ours {
			d = append(d, fmt.Sprintf("%s: knot %v, ours %v", f.name, f.knot, f.ours))
		}
	}
	return d
}

// TestDifferentialKnotProtocol sends protoCases to knotd and to our server, both
// serving Knot's flags. zone, and compares everything in the replies.
func TestDifferentialKnotProtocol(t *testing.T) {
	requireTool(t, "knotd", "/usr/sbin/knotd")
	specs := []zoneSpec{{Origin: "flags.", File: sharedData(t, "knot-tests-extra/data_flags.zone")}}
	knot := startKnot(t, specs)
	ours := startOurs(t, specs)
	for i, c := range protoCases {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion("flags.", dns.TypeSOA)
			q.Id = uint16(1000 + i)
			q.SetEdns0(1232, false)
			c.edit(q)
			k, err := exchangeRaw(knot, q, time.Second)
			if err != nil {
				t.Fatalf("knot: %v", err)
			}
			o, err := exchangeRaw(ours.udp, q, time.Second)
			if err != nil {
				t.Fatalf("ours: %v", err)
			}
			var d []string
			switch {
			case k == nil && o == nil:
				return // both silent
			case k == nil || o == nil:
				d = []string{fmt.Sprintf("reply: from knot %v, from ours %v", k != nil, o != nil)}
			default:
				d = append(replyDiff(k, o), headerDiff(k, o)...)
			}
			if len(d) == 0 {
				return
			}
			if a, ok := protoAccepted[c.name]; ok && o != nil && a.ours(o) {
				t.Logf("accepted difference (%s): %q", a.reason, d)
				return
			}
			t.Errorf("replies differ:\n\t%s\nknot:\n%v\nours:\n%v", strings.Join(d, "\n\t"), k, o)
		})
	}
}

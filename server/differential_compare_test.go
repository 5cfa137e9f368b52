package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// This file compares two replies to the same query the way the differential test
// needs: rcode, the AA and TC flags, the question as sent, and each section as a
// multiset of records in a canonical text form (TTLs included).

// canonicalRR returns rr as text with its owner name and the domain names in its rdata
// lower-cased (the canonical form of RFC 4034 section 6.2), so that two servers that
// keep different letter case still compare equal. Other rdata (TXT strings, hashes)
// keeps its case.
func canonicalRR(rr dns.RR) string {
	rr = dns.Copy(rr)
	h := rr.Header()
	h.Name = strings.ToLower(h.Name)
	switch r := rr.(type) {
	case *dns.NS:
		r.Ns = strings.ToLower(r.Ns)
	case *dns.CNAME:
		r.Target = strings.ToLower(r.Target)
	case *dns.DNAME:
		r.Target = strings.ToLower(r.Target)
	case *dns.PTR:
		r.Ptr = strings.ToLower(r.Ptr)
	case *dns.MX:
		r.Mx = strings.ToLower(r.Mx)
	case *dns.SOA:
		r.Ns, r.Mbox = strings.ToLower(r.Ns), strings.ToLower(r.Mbox)
	case *dns.SRV:
		r.Target = strings.ToLower(r.Target)
	case *dns.NAPTR:
		r.Replacement = strings.ToLower(r.Replacement)
	case *dns.AFSDB:
		r.Hostname = strings.ToLower(r.Hostname)
	case *dns.RT:
		r.Host = strings.ToLower(r.Host)
	case *dns.KX:
		r.Exchanger = strings.ToLower(r.Exchanger)
	case *dns.MINFO:
		r.Rmail, r.Email = strings.ToLower(r.Rmail), strings.ToLower(r.Email)
	case *dns.RP:
		r.Mbox, r.Txt = strings.ToLower(r.Mbox), strings.ToLower(r.Txt)
	case *dns.PX:
		r.Map822, r.Mapx400 = strings.ToLower(r.Map822), strings.ToLower(r.Mapx400)
	case *dns.RRSIG:
		r.SignerName = strings.ToLower(r.SignerName)
	case *dns.NSEC:
		r.NextDomain = strings.ToLower(r.NextDomain)
	case *dns.SVCB:
		r.Target = strings.ToLower(r.Target)
	case *dns.HTTPS:
		r.Target = strings.ToLower(r.Target)
	}
	return rr.String()
}

// section returns the canonical texts of rrs, sorted, without the OPT record.
func section(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, canonicalRR(rr))
	}
	slices.Sort(out)
	return out
}

// hasOPT reports whether m carries an OPT record (EDNS(0), RFC 6891 section 6.1.1).
func hasOPT(m *dns.Msg) bool { return m.IsEdns0() != nil }

// multisetDiff returns the elements of a missing from b and of b missing from a, both
// sorted inputs treated as multisets.
func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		default:
			onlyB = append(onlyB, b[j])
			j++
		}
	}
	return append(onlyA, a[i:]...), append(onlyB, b[j:]...)
}

// replyDiff lists how ours differs from knot's reply ("" entries never appear). Each
// entry names the field; record differences name the section and the records that
// only one side has.
func replyDiff(knot, ours *dns.Msg) []string {
	var d []string
	if knot.Rcode != ours.Rcode {
		d = append(d, fmt.Sprintf("rcode: knot %s, ours %s", dns.RcodeToString[knot.Rcode], dns.RcodeToString[ours.Rcode]))
	}
	if knot.Authoritative != ours.Authoritative {
		d = append(d, fmt.Sprintf("aa: knot %v, ours %v", knot.Authoritative, ours.Authoritative))
	}
	if knot.Truncated != ours.Truncated {
		d = append(d, fmt.Sprintf("tc: knot %v, ours %v", knot.Truncated, ours.Truncated))
	}
	if hasOPT(knot) != hasOPT(ours) {
		d = append(d, fmt.Sprintf("opt: knot %v, ours %v", hasOPT(knot), hasOPT(ours)))
	}
	if len(knot.Question) != len(ours.Question) || (len(knot.Question) == 1 && knot.Question[0] != ours.Question[0]) {
		d = append(d, fmt.Sprintf("question: knot %v, ours %v", knot.Question, ours.Question))
	}
	for _, s := range []struct {
		name       string
		knot, ours []dns.RR
	}{
		{"answer", knot.Answer, ours.Answer},
		{"authority", knot.Ns, ours.Ns},
		{"additional", knot.Extra, ours.Extra},
	} {
		onlyKnot, onlyOurs := multisetDiff(section(s.knot), section(s.ours))
		for _, rr := range onlyKnot {
			d = append(d, fmt.Sprintf("%s: only knot has %s", s.name, rr))
		}
		for _, rr := range onlyOurs {
			d = append(d, fmt.Sprintf("%s: only ours has %s", s.name, rr))
		}
	}
	return d
}

// TestReplyDiff proves the comparison of the differential test: letter case of names
// and record order do not matter; TTLs, rdata, flags and rcode do.
func TestReplyDiff(t *testing.T) {
	msg := func(rcode int, aa bool, answer ...string) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("www.example.", dns.TypeA)
		m.Response, m.Rcode, m.Authoritative = true, rcode, aa
		for _, s := range answer {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		return m
	}
	base := msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME a.example.", "a.example. 300 IN A 192.0.2.1")
	tests := []struct {
		name  string
		other *dns.Msg
		want  int // number of differences reported
	}{
		{"identical", msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME a.example.", "a.example. 300 IN A 192.0.2.1"), 0},
		{"case and order", msg(dns.RcodeSuccess, true, "A.Example. 300 IN A 192.0.2.1", "WWW.example. 300 IN CNAME A.EXAMPLE."), 0},
		{"ttl", msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME a.example.", "a.example. 299 IN A 192.0.2.1"), 2},
		{"rdata", msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME b.example.", "a.example. 300 IN A 192.0.2.1"), 2},
		{"missing record", msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME a.example."), 1},
		{"duplicate record", msg(dns.RcodeSuccess, true, "www.example. 300 IN CNAME a.example.", "a.example. 300 IN A 192.0.2.1", "a.example. 300 IN A 192.0.2.1"), 1},
		{"aa", msg(dns.RcodeSuccess, false, "www.example. 300 IN CNAME a.example.", "a.example. 300 IN A 192.0.2.1"), 1},
		{"rcode", msg(dns.RcodeNameError, true, "www.example. 300 IN CNAME a.example.", "a.example. 300 IN A 192.0.2.1"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replyDiff(base, tt.other); len(got) != tt.want {
				t.Errorf("got %d differences %q, want %d", len(got), got, tt.want)
			}
		})
	}
}

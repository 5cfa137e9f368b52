package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// The examples of RFC 4035 appendix B (B.1 to B.8) and RFC 5155 appendix B (B.1 to
// B.6), with a few cases of RFC 4035 section 3.1.4.1 and RFC 5155 section 7.2 beside
// them, asked with DO over TCP of NSD, Knot DNS and our server side by side, each
// serving the same zone file. For every query the test compares, per server, the
// rcode, the AA bit, the RRsets of the answer section and those of the authority
// section (owner and type, RRSIGs named with the type they cover) with what the RFC's
// appendix lists. The apex NS RRset and its RRSIG are left out of the authority
// section: the RFCs' examples add them to positive answers, as NSD does, minimal
// responses (Knot, ours) leave them out, and the answer algorithm of RFC 1034
// section 4.3.2 asks for none. The additional section is not compared.
//
// Where NSD or Knot returns something else, rfcDeviations says what it returns
// instead and which RFC text it departs from, so that the test asserts what each
// server does today: a deviation that disappears fails the test as much as a new
// one. Our server has no entry: it follows the RFCs in every case.

// The servers compared, as named in rfcDeviations and in the messages.
const (
	serverOurs = "anycastdns"
	serverKnot = "knot"
	serverNSD  = "nsd"
)

// rfcReply is what the test compares of a reply.
type rfcReply struct {
	rcode  int
	aa     bool
	answer []string // "owner TYPE" per RRset, "owner RRSIG TYPE" per signature set
	auth   []string // as answer, without the apex NS RRset and its RRSIG
}

// String renders the reply on one line, each section sorted, for messages.
func (r rfcReply) String() string {
	aa := ""
	if r.aa {
		aa = " aa"
	}
	return fmt.Sprintf("%s%s answer [%s] authority [%s]", dns.RcodeToString[r.rcode], aa,
		strings.Join(sorted(r.answer), ", "), strings.Join(sorted(r.auth), ", "))
}

// equal reports whether two replies agree in every compared field.
func (r rfcReply) equal(o rfcReply) bool {
	return r.rcode == o.rcode && r.aa == o.aa && slices.Equal(sorted(r.answer), sorted(o.answer)) &&
		slices.Equal(sorted(r.auth), sorted(o.auth))
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// rfcCase is one query and the reply the RFC describes for it.
type rfcCase struct {
	ref   string // the RFC example or section, e.g. "RFC 4035 B.2"; unique in its zone
	what  string // what the example shows
	qname string
	qtype uint16
	want  rfcReply
}

// rfcZone is a zone file and the cases asked of it.
type rfcZone struct {
	name  string // the subtest's name, and the zone's name in rfcDeviations
	file  string // relative to ../shared/data; its origin is example.
	cases []rfcCase
}

// signed returns each "owner TYPE" entry followed by its RRSIG entry: every RRset of
// these answers but a delegation's NS is signed (RFC 4035 section 2.2).
func signed(entries ...string) []string {
	var out []string
	for _, e := range entries {
		owner, typ, _ := strings.Cut(e, " ")
		out = append(out, e, owner+" RRSIG "+typ)
	}
	return out
}

// withNS returns the authority section of a referral: the delegation's unsigned NS
// RRset, then the signed entries (the DS or the proof that there is none).
func withNS(cut string, entries ...string) []string {
	return append([]string{cut + " NS"}, signed(entries...)...)
}

// nsec3 returns the "owner NSEC3" entry of an NSEC3 RR in the zone example.
func nsec3(hash string) string { return hash + ".example. NSEC3" }

// Reply shapes: a positive answer, a name error and a no-data answer (AA set, the
// SOA and the proofs in authority, RFC 4035 section 3.1.3), and a referral (AA clear,
// RFC 1034 section 4.3.2).
func answer(answer, auth []string) rfcReply {
	return rfcReply{rcode: dns.RcodeSuccess, aa: true, answer: answer, auth: auth}
}

func nxdomain(proof ...string) rfcReply {
	return rfcReply{rcode: dns.RcodeNameError, aa: true, auth: signed(append([]string{"example. SOA"}, proof...)...)}
}

func nodata(proof ...string) rfcReply {
	return rfcReply{rcode: dns.RcodeSuccess, aa: true, auth: signed(append([]string{"example. SOA"}, proof...)...)}
}

func referral(cut string, proof ...string) rfcReply {
	return rfcReply{rcode: dns.RcodeSuccess, auth: withNS(cut, proof...)}
}

var rfcZones = []rfcZone{
	{
		// RFC 4035 appendix A's zone as Knot's tests extend it: b.example is an
		// unsigned delegation, a.example a signed one, and wildcards and a delegation
		// below z.z.example follow the RFC's names in the NSEC chain.
		name: "rfc4035",
		file: "knot-tests-extra/basic_nsec_example.zone.nsec",
		cases: []rfcCase{
			{"RFC 4035 B.1", "answer", "x.w.example.", dns.TypeMX,
				answer(signed("x.w.example. MX"), nil)},
			// The NSEC of b.example covers ml.example; the apex NSEC covers *.example.
			{"RFC 4035 B.2", "name error", "ml.example.", dns.TypeA,
				nxdomain("b.example. NSEC", "example. NSEC")},
			{"RFC 4035 B.3", "no data", "ns1.example.", dns.TypeMX,
				nodata("ns1.example. NSEC")},
			{"RFC 4035 B.4", "referral to a signed zone", "mc.a.example.", dns.TypeMX,
				referral("a.example.", "a.example. DS")},
			{"RFC 4035 B.5", "referral to an unsigned zone", "mc.b.example.", dns.TypeMX,
				referral("b.example.", "b.example. NSEC")},
			// The NSEC of x.y.w.example covers z.w.example, the next closer name.
			{"RFC 4035 B.6", "wildcard expansion", "a.z.w.example.", dns.TypeMX,
				answer(signed("a.z.w.example. MX"), signed("x.y.w.example. NSEC"))},
			{"RFC 4035 B.7", "wildcard no data", "a.z.w.example.", dns.TypeAAAA,
				nodata("x.y.w.example. NSEC", "*.w.example. NSEC")},
			{"RFC 4035 B.8", "DS at the child's apex, no data", "example.", dns.TypeDS,
				nodata("example. NSEC")},
			{"RFC 4035 3.1.4.1", "DS at an unsigned delegation: the parent's NSEC", "b.example.", dns.TypeDS,
				nodata("b.example. NSEC")},
			{"RFC 4035 3.1.4.1 signed", "DS at a signed delegation: the parent's DS", "a.example.", dns.TypeDS,
				answer(signed("a.example. DS"), nil)},
			// y.w.example owns nothing: the NSEC of x.w.example, which covers it,
			// proves that it holds no type (RFC 4035 section 3.1.3.1, no NSEC of its own).
			{"RFC 4035 3.1.3.1", "no data at an empty non-terminal", "y.w.example.", dns.TypeA,
				nodata("x.w.example. NSEC")},
		},
	},
	{
		// RFC 5155 appendix A's zone: NSEC3 with Opt-Out, salt aabbccdd, 12
		// iterations. The hashes are those its appendix and the file's header list:
		// 0p9m… = H(example), 35mt… = H(a.example), 2t7b… = H(ns1.example),
		// b4um… = H(x.w.example), ji6n… = H(y.w.example), k8ud… = H(w.example),
		// q04j… = H(ns2.example), r53b… = H(*.w.example), gjeq… = H(ai.example).
		name: "rfc5155",
		file: "knot-tests-extra/basic_opt-out_example.zone",
		cases: []rfcCase{
			// Closest encloser x.w.example matched, next closer c.x.w.example and
			// *.x.w.example covered.
			{"RFC 5155 B.1", "name error", "a.c.x.w.example.", dns.TypeA,
				nxdomain(nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), nsec3("b4um86eghhds6nea196smvmlo4ors995"),
					nsec3("35mthgpgcu1qg68fab165klnsnk3dpvl"))},
			{"RFC 5155 B.2", "no data", "ns1.example.", dns.TypeMX,
				nodata(nsec3("2t7b4g4vsa5smi47k61mv5bv1a22bojr"))},
			{"RFC 5155 B.2.1", "no data at an empty non-terminal", "y.w.example.", dns.TypeA,
				nodata(nsec3("ji6neoaepv8b5o6k4ev33abha8ht9fgc"))},
			// Closest provable encloser example matched; the NSEC3 covering the next
			// closer c.example has the Opt-Out flag.
			{"RFC 5155 B.3", "referral to an opt-out unsigned zone", "mc.c.example.", dns.TypeMX,
				referral("c.example.", nsec3("35mthgpgcu1qg68fab165klnsnk3dpvl"), nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"))},
			// The NSEC3 covering the next closer z.w.example.
			{"RFC 5155 B.4", "wildcard expansion", "a.z.w.example.", dns.TypeMX,
				answer(signed("a.z.w.example. MX"), signed(nsec3("q04jkcevqvmu85r014c7dkba38o0ji5r")))},
			// Closest encloser w.example matched, next closer z.w.example covered,
			// *.w.example matched without AAAA.
			{"RFC 5155 B.5", "wildcard no data", "a.z.w.example.", dns.TypeAAAA,
				nodata(nsec3("k8udemvp1j2f7eg6jebps17vp3n8i58h"), nsec3("q04jkcevqvmu85r014c7dkba38o0ji5r"),
					nsec3("r53bq7cc2uvmubfu5ocmm6pers9tk9en"))},
			{"RFC 5155 B.6", "DS at the child's apex, no data", "example.", dns.TypeDS,
				nodata(nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"))},
			// No NSEC3 matches c.example: the closest provable encloser proof, whose
			// covering NSEC3 has the Opt-Out flag.
			{"RFC 5155 7.2.4", "DS at an opt-out delegation", "c.example.", dns.TypeDS,
				nodata(nsec3("35mthgpgcu1qg68fab165klnsnk3dpvl"), nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"))},
			{"RFC 5155 7.2.7", "referral to a signed zone", "mc.a.example.", dns.TypeMX,
				referral("a.example.", "a.example. DS")},
			// An NSEC3 owner name holding nothing else is a name error: closest
			// encloser example matched, the name itself covered by gjeq…, *.example
			// covered by q04j….
			{"RFC 5155 7.2.8", "an NSEC3 owner name, type NSEC3", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.", dns.TypeNSEC3,
				nxdomain(nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), nsec3("gjeqe526plbf1g8mklp59enfd789njgi"),
					nsec3("q04jkcevqvmu85r014c7dkba38o0ji5r"))},
			{"RFC 5155 7.2.8 A", "an NSEC3 owner name, type A", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.", dns.TypeA,
				nxdomain(nsec3("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"), nsec3("gjeqe526plbf1g8mklp59enfd789njgi"),
					nsec3("q04jkcevqvmu85r014c7dkba38o0ji5r"))},
			// The second condition of 7.2.8 fails: this NSEC3 owner name also holds an
			// A RRset, so it exists and answers.
			{"RFC 5155 7.2.8 data", "an NSEC3 owner name that holds data", "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", dns.TypeA,
				answer(signed("2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. A"), nil)},
		},
	},
	{
		// Knot's NSEC3 zone (salt deadbeef, 10 iterations, no Opt-Out): RFC 4035's
		// names signed with NSEC3. The hashes: q0tt… = H(example), j795… =
		// H(ns1.example), iaqq… = H(y.w.example), 6tf0… = H(w.example), q1p6… =
		// H(*.w.example), 4jid… = H(b.example); bgbq… covers H(ml.example), r86i…
		// covers H(*.example), 4riu… covers H(z.w.example).
		name: "knot-nsec3",
		file: "knot-tests-extra/basic_nsec3_example.zone.nsec3",
		cases: []rfcCase{
			{"RFC 5155 7.2.2", "name error", "ml.example.", dns.TypeA,
				nxdomain(nsec3("q0tt0cnbos6ecvmbdbacq2jbfi6u53g5"), nsec3("bgbqcjj2hgnu20verkkalgns4c0befol"),
					nsec3("r86ivoiu3c2pog7c65erglgdhaibhk6q"))},
			{"RFC 5155 7.2.3", "no data", "ns1.example.", dns.TypeMX,
				nodata(nsec3("j795u0ukq5051m5m57fs8u3n0h9qibke"))},
			{"RFC 5155 7.2.3 ENT", "no data at an empty non-terminal", "y.w.example.", dns.TypeA,
				nodata(nsec3("iaqqaesh1f2bjg9v1skehr7ohppcbrk9"))},
			{"RFC 5155 7.2.6", "wildcard expansion", "a.z.w.example.", dns.TypeMX,
				answer(signed("a.z.w.example. MX"), signed(nsec3("4riu8qjs32lf6obvil9koplnld2dbvjn")))},
			{"RFC 5155 7.2.5", "wildcard no data", "a.z.w.example.", dns.TypeAAAA,
				nodata(nsec3("6tf0e8mesjjqljkv6kamrv3rn66i16id"), nsec3("4riu8qjs32lf6obvil9koplnld2dbvjn"),
					nsec3("q1p62jkk9753oa2fva0cc5ep89ksmlcg"))},
			// Without Opt-Out the unsigned delegation has its own NSEC3, which shows
			// NS and no DS.
			{"RFC 5155 7.2.7", "referral to an unsigned zone", "mc.b.example.", dns.TypeMX,
				referral("b.example.", nsec3("4jid9hemjtdkkj18lvc29jmsmjhiosva"))},
			{"RFC 5155 7.2.7 signed", "referral to a signed zone", "mc.a.example.", dns.TypeMX,
				referral("a.example.", "a.example. DS")},
			{"RFC 5155 7.2.3 DS", "DS at an unsigned delegation", "b.example.", dns.TypeDS,
				nodata(nsec3("4jid9hemjtdkkj18lvc29jmsmjhiosva"))},
		},
	},
}

// rfcDeviation is a reply of NSD or Knot that differs from what the RFC describes.
type rfcDeviation struct {
	server string // serverKnot or serverNSD; never ours
	zone   string // rfcZone.name
	ref    string // rfcCase.ref
	why    string // what differs, and the RFC text it departs from
	got    rfcReply
}

// rfcDeviations lists what NSD 4.6.1 and Knot DNS 3.2.6 return where they differ from
// the RFCs' examples. Both follow every example in the fields compared: the table is
// empty. (NSD, whose responses are not minimal, adds the apex NS RRset to the
// authority section of positive answers and its addresses to the additional section,
// as the RFCs' own examples do; that field is not compared, see above.)
var rfcDeviations []rfcDeviation

// checkDeviations returns the problems of a deviation table: an entry for our server
// (it must follow the RFCs), for a case that does not exist, or without a reason.
func checkDeviations(devs []rfcDeviation) []string {
	var problems []string
	for _, d := range devs {
		if d.server != serverKnot && d.server != serverNSD {
			problems = append(problems, fmt.Sprintf("%s %s %s: server %q, want %q or %q",
				d.server, d.zone, d.ref, d.server, serverKnot, serverNSD))
		}
		found := false
		for _, z := range rfcZones {
			for _, c := range z.cases {
				found = found || (z.name == d.zone && c.ref == d.ref)
			}
		}
		if !found || d.why == "" {
			problems = append(problems, fmt.Sprintf("%s %s %s: no such case, or no reason given", d.server, d.zone, d.ref))
		}
	}
	return problems
}

// judgeRFCReply compares got, the reply of server to case c of zone, with the RFC's
// reply, or with the reply devs lists for that server and case. It returns a line for
// the table of results, or an error: the reply differs from what is expected, or a
// listed deviation has gone (the entry must then be removed).
func judgeRFCReply(devs []rfcDeviation, server, zone string, c rfcCase, got rfcReply) (string, error) {
	var d *rfcDeviation
	for i := range devs {
		if devs[i].server == server && devs[i].zone == zone && devs[i].ref == c.ref {
			d = &devs[i]
		}
	}
	query := fmt.Sprintf("%s %s", c.qname, dns.TypeToString[c.qtype])
	switch {
	case d == nil && got.equal(c.want):
		return fmt.Sprintf("%-10s %-22s %s: as the RFC", server, c.ref, query), nil
	case d != nil && got.equal(d.got):
		return fmt.Sprintf("%-10s %-22s %s: deviates as listed: %s", server, c.ref, query, d.why), nil
	case d != nil && got.equal(c.want):
		return "", fmt.Errorf("%s %s (%s): now as the RFC; remove the deviation %q from rfcDeviations",
			server, c.ref, query, d.why)
	case d != nil:
		return "", fmt.Errorf("%s %s, %s (%s):\n got  %s\nwant %s (the listed deviation)\n RFC %s",
			server, c.ref, c.what, query, got, d.got, c.want)
	default:
		return "", fmt.Errorf("%s %s, %s (%s):\n got  %s\nwant %s (the RFC's)", server, c.ref, c.what, query, got, c.want)
	}
}

// summarize renders a reply as the test compares it.
func summarize(m *dns.Msg) rfcReply {
	return rfcReply{rcode: m.Rcode, aa: m.Authoritative, answer: rrsetEntries(m.Answer, ""),
		auth: rrsetEntries(m.Ns, "example.")}
}

// rrsetEntries names each RRset of a section once, as "owner TYPE" or "owner RRSIG
// TYPE", owners in lower case, leaving out the NS RRset at apex and its RRSIG.
func rrsetEntries(rrs []dns.RR, apex string) []string {
	var out []string
	for _, rr := range rrs {
		h := rr.Header()
		owner, covered, entry := strings.ToLower(h.Name), h.Rrtype, dns.TypeToString[h.Rrtype]
		if sig, ok := rr.(*dns.RRSIG); ok {
			covered = sig.TypeCovered
			entry = "RRSIG " + dns.TypeToString[covered]
		}
		if owner == apex && covered == dns.TypeNS {
			continue
		}
		if e := owner + " " + entry; !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// TestRFCDeviations proves the rules of rfcDeviations (our server is never excused,
// every entry names a case and a reason) and how judgeRFCReply uses a table: a
// listed deviation is accepted from its server only, and one that has gone fails.
func TestRFCDeviations(t *testing.T) {
	for _, p := range checkDeviations(rfcDeviations) {
		t.Errorf("rfcDeviations: %s", p)
	}
	c := rfcZones[0].cases[1] // RFC 4035 B.2, a name error
	other := c.want
	other.auth = other.auth[:2] // the SOA without the NSEC proofs
	devs := []rfcDeviation{{server: serverNSD, zone: rfcZones[0].name, ref: c.ref, why: "a test entry", got: other}}
	if p := checkDeviations(append(devs, rfcDeviation{server: serverOurs, zone: "nozone", ref: c.ref})); len(p) != 2 {
		t.Errorf("checkDeviations of an entry for ours in no zone: got %q, want two problems", p)
	}
	tests := []struct {
		name, server string
		got          rfcReply
		ok           bool
	}{
		{"as the RFC, nothing listed", serverKnot, c.want, true},
		{"a difference not listed", serverKnot, other, false},
		{"the listed deviation", serverNSD, other, true},
		{"a listed deviation that has gone", serverNSD, c.want, false},
		{"another difference than the listed one", serverNSD, nodata(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := judgeRFCReply(devs, tt.server, rfcZones[0].name, c, tt.got)
			if (err == nil) != tt.ok || (err == nil) == (line == "") {
				t.Errorf("got line %q, error %v; want ok=%v", line, err, tt.ok)
			}
		})
	}
}

// TestRFCAppendixB serves each zone from NSD, Knot and our server, asks every case of
// it with DO over TCP, and compares each server's reply with the RFC's, or with the
// listed deviation of that server.
func TestRFCAppendixB(t *testing.T) {
	requireTool(t, "nsd", "/usr/sbin/nsd")
	requireTool(t, "knotd", "/usr/sbin/knotd")
	for _, z := range rfcZones {
		t.Run(z.name, func(t *testing.T) {
			// All three zones have the origin example.: each runs alone.
			specs := []zoneSpec{{Origin: "example.", File: sharedData(t, z.file)}}
			servers := []struct{ name, addr string }{
				{serverOurs, startOurs(t, specs).tcp},
				{serverKnot, startKnot(t, specs)},
				{serverNSD, startNSD(t, specs)},
			}
			for _, s := range servers {
				q := &querier{tr: overTCPDO, addr: s.addr}
				for i, c := range z.cases {
					m, err := q.exchange(diffQuery{Name: c.qname, Type: c.qtype, Class: dns.ClassINET}, uint16(i+1))
					if err != nil {
						t.Errorf("%s: %s %s %s: %v", s.name, c.ref, c.qname, dns.TypeToString[c.qtype], err)
						continue
					}
					line, err := judgeRFCReply(rfcDeviations, s.name, z.name, c, summarize(m))
					if err != nil {
						t.Error(err)
						continue
					}
					t.Log(line)
				}
				q.close()
			}
		})
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/server"
)

// The DNSSEC half of the differential test: signed zones served by knotd and by our
// server, the same planned queries (and a name that does not exist below and beside
// every owner) asked with the DO bit set, over TCP and over UDP with EDNS payloads of
// 512 and 1232 octets. With DO set a reply carries the RRSIGs of its RRsets and the
// NSEC or NSEC3 records that prove a name error, a no-data answer, a wildcard
// expansion or an unsigned delegation (RFC 4035 section 3.1, RFC 5155 section 7.2),
// and a referral carries the DS set or the proof that there is none (RFC 4035 section
// 3.1.4). The replies are compared as the differential compares them, section by
// section, with the differences of differential_accepted_test.go.

// dnssecDiffGroup is a set of signed zones served together.
type dnssecDiffGroup struct {
	name   string
	budget int // TCP queries per zone at most, as in diffGroup
	zones  func(t testing.TB) []zoneSpec
}

// sharedZones returns the zone specs of files in ../shared/data, as origin, file pairs.
func sharedZones(pairs ...string) func(t testing.TB) []zoneSpec {
	return func(t testing.TB) []zoneSpec {
		var specs []zoneSpec
		for i := 0; i+1 < len(pairs); i += 2 {
			specs = append(specs, zoneSpec{Origin: pairs[i], File: sharedData(t, pairs[i+1])})
		}
		return specs
	}
}

var dnssecDiffGroups = []dnssecDiffGroup{
	{
		// The signed root zone (NSEC, RSA/SHA-256): every TLD's referral with its DS
		// or the NSEC proving there is none, and name errors covered by the NSEC chain
		// of 1,480 delegations. The glue names are sampled, as in the DO-clear group.
		name:   "root",
		budget: 8000,
		zones:  sharedZones(".", "root.zone"),
	},
	{
		// RFC 4035 appendix A's zone as Knot signs it for its tests (NSEC).
		name:   "knot-nsec",
		budget: 3000,
		zones:  sharedZones("example.", "knot-tests-extra/basic_nsec_example.zone.nsec"),
	},
	{
		// The same zone with NSEC3 (salt, 10 iterations), no Opt-Out.
		name:   "knot-nsec3",
		budget: 3000,
		zones:  sharedZones("example.", "knot-tests-extra/basic_nsec3_example.zone.nsec3"),
	},
	{
		// RFC 5155 appendix A's zone: NSEC3 with Opt-Out, an unsigned delegation in an
		// opt-out span.
		name:   "knot-opt-out",
		budget: 3000,
		zones:  sharedZones("example.", "knot-tests-extra/basic_opt-out_example.zone"),
	},
	{
		// NSD's NSEC3 zones: RFC 5155's zone with keys of a private algorithm, a zone
		// with an NSEC3 owner name shorter than a hash, and a wildcard below empty
		// non-terminals asked for types it lacks and for DS.
		name:   "nsd-nsec3",
		budget: 3000,
		zones: sharedZones(
			"example.", "nsd-tpkg/nsec3_zone.zone",
			"example.net.", "nsd-tpkg/nsec3_short_rrname.zone",
			"example.com.", "nsd-tpkg/nsec3_wildnodatads.zone.signed",
		),
	},
	{
		// The zone signed at test time in each form (server.SignTestZones): secure
		// and insecure delegations with glue, Opt-Out spans, wildcards, empty
		// non-terminals, CNAMEs into wildcards, a DNAME. The children are not served:
		// every name below a delegation gets a referral.
		name:   "signed-now",
		budget: 3000,
		zones: func(t testing.TB) []zoneSpec {
			var specs []zoneSpec
			for _, form := range server.DNSSECForms {
				z := server.SignTestZones(t, form).Parent
				specs = append(specs, zoneSpec{Origin: z.Origin, File: z.File})
			}
			return specs
		},
	},
}

// dnssecUDPBudget caps each UDP pass of a DNSSEC group: the replies are larger than
// with DO clear, and the TCP pass covers their content.
const dnssecUDPBudget = 1500

// TestDifferentialKnotDNSSEC serves each signed group from knotd and from our server and
// compares their replies to queries with DO set, over TCP, then a sample of them over
// UDP with EDNS payloads of 512 and 1232 octets.
func TestDifferentialKnotDNSSEC(t *testing.T) {
	requireTool(t, "knotd", "/usr/sbin/knotd")
	for _, g := range dnssecDiffGroups {
		t.Run(g.name, func(t *testing.T) {
			runDifferential(t, g.zones(t), diffPlan{budget: g.budget, around: true, tcp: overTCPDO,
				udp: []transport{overUDP512DO, overUDP1232DO}, udpBudget: dnssecUDPBudget})
		})
	}
}

// TestDifferentialAcceptsDroppedAdditionalRRSIG proves the DNSSEC clause of
// udp-optional-additional: over UDP one server may drop the RRSIGs of an address in the
// additional section (RFC 4035 section 3.1.1), over TCP it may not, and RRSIGs of
// other types are never optional.
func TestDifferentialAcceptsDroppedAdditionalRRSIG(t *testing.T) {
	const sig = " 13 3 3600 20270104000000 20261205000000 11424 nsec.test. AAAA"
	reply := func(extra ...string) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("nsec.test.", dns.TypeMX)
		m.Response, m.Authoritative = true, true
		for _, s := range append([]string{"nsec.test. 3600 IN MX 10 mail.nsec.test.", "nsec.test. 3600 IN RRSIG MX" + sig}, extra...) {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(s, "nsec.test.") {
				m.Answer = append(m.Answer, rr)
			} else {
				m.Extra = append(m.Extra, rr)
			}
		}
		return m
	}
	addr := []string{"mail.nsec.test. 3600 IN A 192.0.2.25", "mail.nsec.test. 3600 IN RRSIG A" + sig}
	knot := reply(append(addr, "mail.nsec.test. 3600 IN AAAA 2001:db8::25", "mail.nsec.test. 3600 IN RRSIG AAAA"+sig)...)
	tests := []struct {
		name string
		tr   transport
		ours *dns.Msg
		want string
	}{
		{"UDP, RRSIG of an address dropped", overUDP1232DO, reply(append(addr, "mail.nsec.test. 3600 IN AAAA 2001:db8::25")...), "udp-optional-additional"},
		{"TCP, RRSIG of an address dropped", overTCPDO, reply(append(addr, "mail.nsec.test. 3600 IN AAAA 2001:db8::25")...), ""},
		{"UDP, RRSIG of a TXT added", overUDP1232DO, reply(append(addr, "mail.nsec.test. 3600 IN AAAA 2001:db8::25",
			"mail.nsec.test. 3600 IN RRSIG AAAA"+sig, "mail.nsec.test. 3600 IN RRSIG TXT"+sig)...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := diffCase{q: diffQuery{Name: "nsec.test.", Type: dns.TypeMX, Class: dns.ClassINET}, tr: tt.tr, knot: knot, ours: tt.ours}
			if got := acceptedBy(c); got != tt.want {
				t.Errorf("got accepted by %q, want %q", got, tt.want)
			}
		})
	}
}

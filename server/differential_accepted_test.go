package server_test

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The differences between Knot DNS 3.2 and us that the RFCs allow. Each entry says
// which RFC text lets both answers stand, and accepts a pair of replies only when
// everything else agrees, so that it cannot hide another difference.

// diffCase is a query whose replies differ, with what an acceptedDiff may look at.
type diffCase struct {
	q          diffQuery
	tr         transport
	knot, ours *dns.Msg
	owners     map[string]bool // every owner name of the zones served, lower-case
}

// acceptedDiff is a difference between Knot and us that the RFCs allow.
type acceptedDiff struct {
	id     string
	reason string // the RFC text that allows either answer
	accept func(c diffCase) bool
}

// knotCNAMEChainMax is how many CNAMEs Knot 3.2 follows in one answer before it stops
// and returns the chain so far (the resolver continues from the last target).
const knotCNAMEChainMax = 5

var acceptedDiffs = []acceptedDiff{
	{
		id: "truncated-content",
		reason: "RFC 1035 section 4.2.1 and RFC 2181 section 9: a reply with TC set is not used " +
			"(the client retries over TCP), so what a server leaves in it is its own choice; " +
			"both replies must set TC with the same rcode, AA and question",
		accept: func(c diffCase) bool {
			return c.tr.net == "udp" && c.knot.Truncated && c.ours.Truncated && sameHeader(c.knot, c.ours)
		},
	},
	{
		id: "any-subset",
		reason: "RFC 8482 section 4.1: a server may answer ANY with a subset of the RRsets at the " +
			"name (Knot returns all of them); rcode and AA must agree, and the subset must be " +
			"records Knot has too",
		accept: func(c diffCase) bool {
			if c.q.Type != dns.TypeANY || !sameHeader(c.knot, c.ours) {
				return false
			}
			if len(c.knot.Answer) > 0 && len(c.ours.Answer) == 0 {
				return false
			}
			return isSubset(c.ours.Answer, c.knot.Answer)
		},
	},
	{
		id: "rrsig-subset",
		reason: "RFC 4035 does not say how many RRSIGs a QTYPE=RRSIG query returns; Knot returns " +
			"one (minimal, like RFC 8482 for ANY), we return every RRSIG at the name; both " +
			"answers must be RRSIGs of the name and Knot's must be among ours. Over UDP our " +
			"larger answer may not fit where Knot's does: then ours sets TC (RFC 2181 " +
			"section 9) and the client gets them all over TCP",
		accept: func(c diffCase) bool {
			if c.q.Type != dns.TypeRRSIG || c.knot.Rcode != c.ours.Rcode || c.knot.Authoritative != c.ours.Authoritative {
				return false
			}
			if c.tr.net == "udp" && c.ours.Truncated && !c.knot.Truncated {
				return isSubset(c.ours.Answer, c.knot.Answer) // what we kept, Knot has too
			}
			if !sameHeader(c.knot, c.ours) || !sameSections(c.knot, c.ours, false, true, true) {
				return false
			}
			for _, rr := range c.ours.Answer {
				if rr.Header().Rrtype != dns.TypeRRSIG || !strings.EqualFold(rr.Header().Name, c.q.Name) {
					return false
				}
			}
			return isSubset(c.knot.Answer, c.ours.Answer)
		},
	},
	{
		id: "cname-chain-cap",
		reason: "RFC 1034 section 4.3.2 step 3a restarts the lookup at each CNAME target without " +
			"a limit; servers cap the chain (RFC 1034 section 5.3.2 guards loops) and the " +
			"resolver follows the rest. Knot stops after 5 CNAMEs, we go further, so our " +
			"answer must start with all of Knot's records; rcode and authority then describe " +
			"the end of our longer chain",
		accept: func(c diffCase) bool {
			if c.knot.Authoritative != c.ours.Authoritative || !sameSections(c.knot, c.ours, false, false, true) {
				return false
			}
			n := 0
			for _, rr := range c.knot.Answer {
				if rr.Header().Rrtype == dns.TypeCNAME {
					n++
				}
			}
			return n == knotCNAMEChainMax && len(c.ours.Answer) > len(c.knot.Answer) && isSubset(c.knot.Answer, c.ours.Answer)
		},
	},
	{
		id: "udp-optional-additional",
		reason: "RFC 9471 section 3: when a UDP reply is short of space, only in-domain glue of " +
			"a referral must be there (or TC set); sibling glue and the addresses of NS, MX " +
			"and SRV targets of other answers are added as space permits (RFC 1034 section " +
			"4.3.2 step 6), and the two servers fill the space differently; with DO set, RFC " +
			"4035 section 3.1.1 lets a server keep an additional RRset and drop its RRSIGs " +
			"when both do not fit. Both replies must agree on everything else and on every " +
			"in-domain glue record",
		accept: func(c diffCase) bool {
			if c.tr.net != "udp" || !sameHeader(c.knot, c.ours) || !sameSections(c.knot, c.ours, true, true, false) {
				return false
			}
			cut := referralCut(c.knot)
			return everyDiffering(c.knot.Extra, c.ours.Extra, func(knot bool, rr dns.RR) bool {
				t := coveredType(rr)
				if t != dns.TypeA && t != dns.TypeAAAA {
					return false
				}
				if cut != "" && dns.IsSubDomain(cut, rr.Header().Name) {
					return false // in-domain glue is not optional
				}
				return true
			})
		},
	},
	{
		id: "udp-proof-before-sibling-glue",
		reason: "RFC 9471 sections 3 and 4.1: in a UDP referral only in-domain glue must fit (or " +
			"TC be set), sibling glue is optional; RFC 4035 section 3.1.4 asks for the DS and its " +
			"RRSIG (or the proof of no DS) in a signed referral. When 512 octets are short, we " +
			"keep the authority section whole with its RRSIGs and the in-domain glue, and leave " +
			"out sibling glue; Knot adds glue in NS order and sets TC. Ours must then be a whole " +
			"reply (no TC) with the same rcode, AA, question and answer, every authority record " +
			"of Knot's and every in-domain glue record of Knot's; what else differs must be " +
			"addresses (and their RRSIGs)",
		accept: func(c diffCase) bool {
			if c.tr.net != "udp" || !c.knot.Truncated || c.ours.Truncated || c.knot.Rcode != c.ours.Rcode ||
				c.knot.Authoritative != c.ours.Authoritative || !slices.Equal(c.knot.Question, c.ours.Question) ||
				!sameSections(c.knot, c.ours, true, false, false) || !isSubset(c.knot.Ns, c.ours.Ns) {
				return false
			}
			cut := referralCut(c.ours)
			return everyDiffering(c.knot.Extra, c.ours.Extra, func(knot bool, rr dns.RR) bool {
				t := coveredType(rr)
				if t != dns.TypeA && t != dns.TypeAAAA {
					return false
				}
				if knot && cut != "" && dns.IsSubDomain(cut, rr.Header().Name) {
					return false // in-domain glue Knot has, we must have too
				}
				return true
			})
		},
	},
	{
		id: "nsec3-owner-not-a-hash",
		reason: "RFC 5155 section 3: the first label of an NSEC3 owner is the base32hex hash of a " +
			"name. NSD's nsec3_short_rrname zone holds an NSEC3 whose owner label is shorter; we " +
			"leave it out of the chain, Knot sorts it among the hashes by name and may give it " +
			"as the covering record, which no validator can match to a hash. Only NSEC3 records " +
			"(and their RRSIGs) in the authority section may differ, and every NSEC3 only Knot " +
			"has must have such an owner",
		accept: func(c diffCase) bool {
			if !sameHeader(c.knot, c.ours) || !sameSections(c.knot, c.ours, true, false, true) {
				return false
			}
			malformed := false
			if !everyDiffering(c.knot.Ns, c.ours.Ns, func(knot bool, rr dns.RR) bool {
				t := coveredType(rr)
				if t != dns.TypeNSEC3 {
					return false
				}
				if knot && rr.Header().Rrtype == dns.TypeNSEC3 {
					if label := dns.SplitDomainName(rr.Header().Name)[0]; len(label) == 32 {
						return false
					}
					malformed = true
				}
				return true
			}) {
				return false
			}
			return malformed
		},
	},
	{
		id: "additional-duplicates",
		reason: "RFC 2181 section 5: duplicate records in a section should be suppressed; Knot " +
			"repeats a target's address once per SRV record naming it, we list it once",
		accept: func(c diffCase) bool {
			if !sameHeader(c.knot, c.ours) || !sameSections(c.knot, c.ours, true, true, false) {
				return false
			}
			return slices.Equal(slices.Compact(section(c.knot.Extra)), slices.Compact(section(c.ours.Extra)))
		},
	},
	{
		id: "additional-optional",
		reason: "RFC 1034 section 4.3.2 step 6 makes additional data optional (\"may be useful\"). " +
			"For SVCB and HTTPS answers RFC 9460 section 4.2 asks (SHOULD) for the target's SVCB " +
			"and address records, and the servers differ: Knot 3.2 follows AliasMode chains " +
			"but not a ServiceMode TargetName \".\" (the owner itself, RFC 9460 section 2.5), " +
			"we do the reverse where they differ. Knot also adds addresses synthesized from a " +
			"wildcard for an MX target; we add only existing in-zone A/AAAA. Only such records " +
			"may differ; everything else must agree",
		accept: func(c diffCase) bool {
			if !sameHeader(c.knot, c.ours) || !sameSections(c.knot, c.ours, true, true, false) {
				return false
			}
			svcb := false
			for _, rr := range c.knot.Answer {
				t := rr.Header().Rrtype
				svcb = svcb || t == dns.TypeSVCB || t == dns.TypeHTTPS
			}
			return everyDiffering(c.knot.Extra, c.ours.Extra, func(knot bool, rr dns.RR) bool {
				t := rr.Header().Rrtype
				addr := t == dns.TypeA || t == dns.TypeAAAA
				svcbData := svcb && (addr || t == dns.TypeSVCB || t == dns.TypeHTTPS)
				wildcardAddr := knot && addr && !c.owners[strings.ToLower(rr.Header().Name)]
				return svcbData || wildcardAddr
			})
		},
	},
}

// referralCut returns the owner of the NS set in the authority section of a referral
// (AA clear), or "" for any other reply.
func referralCut(m *dns.Msg) string {
	if m.Authoritative {
		return ""
	}
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeNS {
			return rr.Header().Name
		}
	}
	return ""
}

// acceptedBy returns the id of the accepted difference that allows the pair, or "".
func acceptedBy(c diffCase) string {
	for _, a := range acceptedDiffs {
		if a.accept(c) {
			return a.id
		}
	}
	return ""
}

// sameHeader reports whether rcode, AA, TC and the question agree.
func sameHeader(a, b *dns.Msg) bool {
	return a.Rcode == b.Rcode && a.Authoritative == b.Authoritative && a.Truncated == b.Truncated &&
		slices.Equal(a.Question, b.Question)
}

// sameSections reports whether the chosen sections hold the same records.
func sameSections(a, b *dns.Msg, answer, authority, additional bool) bool {
	return (!answer || slices.Equal(section(a.Answer), section(b.Answer))) &&
		(!authority || slices.Equal(section(a.Ns), section(b.Ns))) &&
		(!additional || slices.Equal(section(a.Extra), section(b.Extra)))
}

// isSubset reports whether every record of sub is in super (canonical text, TTL included).
func isSubset(sub, super []dns.RR) bool {
	only, _ := multisetDiff(section(sub), section(super))
	return len(only) == 0
}

// everyDiffering reports whether ok holds for every record that only one of the two
// sections has (knot says which): the records both have are not looked at.
func everyDiffering(knotRRs, oursRRs []dns.RR, ok func(knot bool, rr dns.RR) bool) bool {
	onlyKnot, onlyOurs := multisetDiff(section(knotRRs), section(oursRRs))
	for _, side := range []struct {
		knot      bool
		differing []string
		all       []dns.RR
	}{{true, onlyKnot, knotRRs}, {false, onlyOurs, oursRRs}} {
		for _, rr := range side.all {
			if slices.Contains(side.differing, canonicalRR(rr)) && !ok(side.knot, rr) {
				return false
			}
		}
	}
	return true
}

// coveredType returns the type of rr, or the type an RRSIG covers.
func coveredType(rr dns.RR) uint16 {
	if sig, ok := rr.(*dns.RRSIG); ok {
		return sig.TypeCovered
	}
	return rr.Header().Rrtype
}

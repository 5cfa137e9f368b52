package zone

import (
	"slices"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// checkSignatures checks the signatures of every authoritative RRset and of the
// NSEC3 chain (see CheckDNSSEC) and, with DNSSECOptions.Verify, verifies them on
// every CPU.
func (c *dnssecCheck) checkSignatures() {
	var algs []uint8 // of the zone keys: each must sign every RRset
	for _, k := range c.keys {
		if !slices.Contains(algs, k.key.Algorithm) {
			algs = append(algs, k.key.Algorithm)
		}
	}
	var jobs []sigJob
	check := func(s *RRset) {
		var signed []uint8 // algorithms with a signature by a zone key
		for _, rr := range s.Signatures() {
			sig := rr.(*dns.RRSIG)
			c.report.Signatures++
			if !c.checkSigner(s, sig) {
				continue
			}
			if !slices.Contains(signed, sig.Algorithm) {
				signed = append(signed, sig.Algorithm)
			}
			c.checkValidity(s, sig)
			if c.checkLabels(s, sig) && c.opts.Verify {
				jobs = append(jobs, sigJob{sig: sig, set: s})
			}
		}
		for _, alg := range algs {
			if slices.Contains(signed, alg) {
				continue
			}
			if len(s.Signatures()) == 0 {
				c.add(atRR(s.first()), false, "rrsig-missing", "%s %s is not signed", s.Name, dns.Type(s.Type))
				break
			}
			c.add(atRR(s.first()), false, "rrsig-missing", "%s %s has no RRSIG by a key of algorithm %s in the DNSKEY RRset",
				s.Name, dns.Type(s.Type), algName(alg))
		}
	}
	for n := range c.z.allNodes() {
		if !n.authoritative() {
			continue // glue and occluded data are not signed (RFC 4035 section 2.2)
		}
		for _, s := range n.sets {
			if s.Type != dns.TypeRRSIG && (!n.is(flagDelegation) || s.Type == dns.TypeDS || s.Type == dns.TypeNSEC) {
				check(s)
			}
		}
	}
	for _, n := range c.z.nsec3 {
		if s := n.rrset(dns.TypeNSEC3); s != nil {
			check(s)
		}
	}
	c.verify(jobs)
}

// checkSigner reports whether sig is by the zone and a key of its DNSKEY RRset,
// recording the problem when not: a signer other than the zone is an error (RFC
// 4035 section 5.3.1), a key that is not in the RRset a warning (a retired key's
// signature, which validators pass over; "rrsig-missing" tells whether the RRset
// is signed otherwise).
func (c *dnssecCheck) checkSigner(s *RRset, sig *dns.RRSIG) bool {
	if !foldEqualLower(sig.SignerName, c.z.origin) {
		c.add(atRR(sig), false, "rrsig-signer", "the RRSIG over %s %s names the signer %s, not the zone %s",
			s.Name, dns.Type(s.Type), sig.SignerName, c.z.origin)
		return false
	}
	if !c.z.byZoneKey(c.keys, sig) {
		c.add(atRR(sig), true, "rrsig-unknown-key", "the RRSIG over %s %s is by key %d (%s), which is not a zone key of the DNSKEY RRset",
			s.Name, dns.Type(s.Type), sig.KeyTag, algName(sig.Algorithm))
		return false
	}
	return true
}

// checkLabels reports whether the Labels field of sig counts the labels of the
// owner, the root and a leading wildcard label left out (RFC 4034 section 3.1.3),
// recording the error when not: a validator would take the RRset for a wildcard
// expansion, or reject it (RFC 4035 section 5.3.1).
func (c *dnssecCheck) checkLabels(s *RRset, sig *dns.RRSIG) bool {
	want := dns.CountLabel(s.Name)
	if isWildcardName(canonicalName(s.Name)) {
		want--
	}
	if int(sig.Labels) == want {
		return true
	}
	c.add(atRR(sig), false, "rrsig-labels", "the RRSIG over %s %s has Labels %d, want %d",
		s.Name, dns.Type(s.Type), sig.Labels, want)
	return false
}

// checkValidity checks the validity window of sig at the check time: a validator
// accepts a signature only from its Inception to its Expiration (RFC 4035 section
// 5.3.1); one that expires within the warning time is a warning.
func (c *dnssecCheck) checkValidity(s *RRset, sig *dns.RRSIG) {
	now := c.opts.Now
	exp, inc := rrsigTime(sig.Expiration), rrsigTime(sig.Inception)
	switch {
	case now.After(exp):
		c.add(atRR(sig), false, "rrsig-expired", "the RRSIG over %s %s by key %d expired at %s, before the check time %s",
			s.Name, dns.Type(s.Type), sig.KeyTag, stamp(exp), stamp(now))
	case now.Before(inc):
		c.add(atRR(sig), false, "rrsig-not-yet-valid", "the RRSIG over %s %s by key %d is valid from %s, after the check time %s",
			s.Name, dns.Type(s.Type), sig.KeyTag, stamp(inc), stamp(now))
	case c.opts.ExpiryWarning > 0 && exp.Before(now.Add(c.opts.ExpiryWarning)):
		c.add(atRR(sig), true, "rrsig-expiring", "the RRSIG over %s %s by key %d expires at %s, within %s of the check time %s",
			s.Name, dns.Type(s.Type), sig.KeyTag, stamp(exp), c.opts.ExpiryWarning, stamp(now))
	}
}

// stamp writes t as RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// algName names a DNSSEC algorithm by its mnemonic (RFC 8624), or by its number.
func algName(a uint8) string {
	if s, ok := dns.AlgorithmToString[a]; ok {
		return s
	}
	return strconv.Itoa(int(a))
}

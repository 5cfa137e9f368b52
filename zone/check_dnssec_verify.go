package zone

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math/bits"
	"slices"

	"github.com/miekg/dns"
)

// verifiable lists the algorithms whose signatures miekg/dns verifies: those RFC
// 8624 section 3.1 asks a validator to support, and RSASHA1.
var verifiable = map[uint8]bool{
	dns.RSASHA1: true, dns.RSASHA1NSEC3SHA1: true, dns.RSASHA256: true, dns.RSASHA512: true,
	dns.ECDSAP256SHA256: true, dns.ECDSAP384SHA384: true, dns.ED25519: true,
}

// minRSABits is the shortest RSA modulus Go's crypto/rsa verifies with.
const minRSABits = 1024

// sigJob is one signature to verify with the keys that may have made it.
type sigJob struct {
	sig    *dns.RRSIG
	set    *RRset
	tried  bool   // a key could be tried
	ok     bool   // the signature verified
	err    error  // why it did not, with the last key tried
	cannot string // why no key could be tried
}

// verify verifies the signatures of jobs with their keys on every CPU (RFC 4035
// section 5.3.3) and records those that do not verify. A signature no key of which
// can be used here (an algorithm miekg/dns does not know, an RSA key too short for
// Go) is a warning: a validator that cannot verify it either treats the zone as
// insecure, not bogus (RFC 4035 section 5.2).
func (c *dnssecCheck) verify(jobs []sigJob) {
	unusable := make([]string, len(c.keys))
	for i, k := range c.keys {
		unusable[i] = cannotVerify(k.key)
	}
	inChunks(len(jobs), func(_, lo, hi int) {
		for i := range jobs[lo:hi] {
			c.verifyOne(&jobs[lo+i], unusable)
		}
	})
	cannot := make(map[string]int)
	for _, j := range jobs {
		switch {
		case j.ok:
			c.report.Verified++
		case !j.tried:
			cannot[j.cannot]++
		default:
			c.add(atRR(j.sig), false, "rrsig-bad", "the RRSIG over %s %s by key %d (%s) does not verify: %v",
				j.set.Name, dns.Type(j.set.Type), j.sig.KeyTag, algName(j.sig.Algorithm), j.err)
		}
	}
	for _, why := range slices.Sorted(maps.Keys(cannot)) {
		c.add(atZone(), true, "rrsig-unverifiable", "%d signatures cannot be verified here: %s", cannot[why], why)
	}
}

// verifyOne verifies the signature of j with each key that may have made it.
func (c *dnssecCheck) verifyOne(j *sigJob, unusable []string) {
	rrs := sameOwner(j.set.Records())
	for i, k := range c.keys {
		if !k.signsFor(j.sig) {
			continue
		}
		if unusable[i] != "" {
			j.cannot = unusable[i]
			continue
		}
		j.tried = true
		if j.err = j.sig.Verify(k.key, rrs); j.err == nil {
			j.ok = true
			return
		}
	}
}

// cannotVerify says why signatures by k cannot be verified here, or returns "".
func cannotVerify(k *dns.DNSKEY) string {
	if !verifiable[k.Algorithm] {
		return fmt.Sprintf("algorithm %s of key %d is not supported", algName(k.Algorithm), k.KeyTag())
	}
	switch k.Algorithm {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
		if n := rsaModulusBits(k); n < minRSABits {
			return fmt.Sprintf("key %d is a %d-bit RSA key, shorter than the %d bits Go's crypto/rsa accepts", k.KeyTag(), n, minRSABits)
		}
	}
	return ""
}

// rsaModulusBits returns the length in bits of the modulus of the RSA key k (RFC
// 3110 section 2: an exponent length of one octet, or of three beginning with
// zero, the exponent, then the modulus), or 0 when the key is malformed.
func rsaModulusBits(k *dns.DNSKEY) int {
	b, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(b) < 3 {
		return 0
	}
	expLen, off := int(b[0]), 1
	if expLen == 0 {
		expLen, off = int(b[1])<<8|int(b[2]), 3
	}
	mod := b[min(off+expLen, len(b)):]
	for len(mod) > 0 && mod[0] == 0 {
		mod = mod[1:]
	}
	if len(mod) == 0 {
		return 0
	}
	return (len(mod)-1)*8 + bits.Len8(mod[0])
}

// sameOwner returns rrs with every owner spelt as the first one's: a master file
// may spell the owners of one RRset in different cases, which miekg/dns's Verify
// takes for different RRsets, while the signature covers the canonical, lower-case
// form (RFC 4034 section 6.2).
func sameOwner(rrs []dns.RR) []dns.RR {
	name := rrs[0].Header().Name
	for i, rr := range rrs {
		if rr.Header().Name == name {
			continue
		}
		out := append([]dns.RR(nil), rrs[:i]...)
		for _, rr := range rrs[i:] {
			if rr.Header().Name != name {
				rr = dns.Copy(rr)
				rr.Header().Name = name
			}
			out = append(out, rr)
		}
		return out
	}
	return rrs
}

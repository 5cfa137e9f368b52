package transfer

import (
	"fmt"
	"net/netip"
	"strings"
)

// ACL says who may send a message of one kind (allow-notify, allow-transfer): a
// list of rules, any of which admits. The zero ACL admits nobody, the safe default
// for both (RFC 5936 section 6 leaves transfer policy to the operator; RFC 1996
// section 3.10 asks a secondary to check the source of a NOTIFY).
type ACL struct {
	rules []aclRule
}

// aclRule admits a message from inside prefix (when set) signed with key (when
// set); a rule with neither is never made.
type aclRule struct {
	prefix netip.Prefix // the zero Prefix: any address
	key    string       // "": no signature needed; else the key's fully qualified name
}

// ParseACL reads the rules of an access list, each written as an address or
// prefix ("192.0.2.1", "2001:db8::/48"), a key ("key xfr-key": any address that
// signs with it), or both ("192.0.2.0/24 key xfr-key": both must hold).
func ParseACL(rules []string) (ACL, error) {
	var acl ACL
	for _, text := range rules {
		r, err := parseRule(text)
		if err != nil {
			return ACL{}, err
		}
		acl.rules = append(acl.rules, r)
	}
	return acl, nil
}

func parseRule(text string) (aclRule, error) {
	var r aclRule
	f := strings.Fields(text)
	if len(f) >= 2 && f[len(f)-2] == "key" {
		r.key = canonical(f[len(f)-1])
		f = f[:len(f)-2]
	}
	switch len(f) {
	case 0:
		if r.key == "" {
			return r, fmt.Errorf("empty rule; want an address, a prefix or \"key NAME\"")
		}
		return r, nil
	case 1:
		p, err := parsePrefix(f[0])
		if err != nil {
			return r, fmt.Errorf("rule %q: %v", text, err)
		}
		r.prefix = p
		return r, nil
	}
	return r, fmt.Errorf("rule %q: want an address or prefix, \"key NAME\", or both", text)
}

// parsePrefix reads an address (a prefix of its whole length) or a prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%q is not an address prefix", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Allows reports whether a message from addr, signed with the key called key
// ("" when unsigned; the signature already verified), is admitted.
func (a ACL) Allows(addr netip.Addr, key string) bool {
	addr = addr.Unmap()
	for _, r := range a.rules {
		if r.prefix.IsValid() && !r.prefix.Contains(addr) {
			continue
		}
		if r.key != "" && r.key != key {
			continue
		}
		return true
	}
	return false
}

// Keys returns the key names the rules name, for the configuration to check that
// each is defined.
func (a ACL) Keys() []string {
	var ks []string
	for _, r := range a.rules {
		if r.key != "" {
			ks = append(ks, r.key)
		}
	}
	return ks
}

// Empty reports whether the ACL admits nobody.
func (a ACL) Empty() bool { return len(a.rules) == 0 }

// Prefixes returns the address prefixes the rules name, signed or not: the
// peers a server trusts, which Response Rate Limiting exempts. A rule with a key
// alone names no address.
func (a ACL) Prefixes() []netip.Prefix {
	var ps []netip.Prefix
	for _, r := range a.rules {
		if r.prefix.IsValid() {
			ps = append(ps, r.prefix)
		}
	}
	return ps
}

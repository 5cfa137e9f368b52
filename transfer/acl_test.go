package transfer

import (
	"net/netip"
	"strings"
	"testing"
)

func TestACLAllows(t *testing.T) {
	acl, err := ParseACL([]string{"192.0.2.1", "198.51.100.0/24 key Xfr.", "key notify-key", "2001:db8::/48"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr, key string
		want      bool
	}{
		{"192.0.2.1", "", true},
		{"::ffff:192.0.2.1", "", true}, // a v4-mapped source is the IPv4 address
		{"192.0.2.2", "", false},
		{"198.51.100.7", "xfr.", true},
		{"198.51.100.7", "", false},          // the prefix alone is not enough
		{"198.51.100.7", "other.", false},    // nor another key
		{"203.0.113.9", "notify-key.", true}, // a key rule admits any address
		{"2001:db8:0:1::5", "", true},
		{"2001:db9::5", "", false},
	} {
		if got := acl.Allows(netip.MustParseAddr(c.addr), c.key); got != c.want {
			t.Errorf("Allows(%s, %q) = %v, want %v", c.addr, c.key, got, c.want)
		}
	}
	if (ACL{}).Allows(netip.MustParseAddr("127.0.0.1"), "") {
		t.Error("the zero ACL admits")
	}
	// The prefixes named, a key alone naming none.
	var got []string
	for _, p := range acl.Prefixes() {
		got = append(got, p.String())
	}
	if want := "192.0.2.1/32 198.51.100.0/24 2001:db8::/48"; strings.Join(got, " ") != want {
		t.Errorf("Prefixes() = %v, want %s", got, want)
	}
}

func TestParseACLRejects(t *testing.T) {
	for _, rule := range []string{"", "192.0.2.300", "10.0.0.0/33", "key", "a b", "192.0.2.1 xfr"} {
		if _, err := ParseACL([]string{rule}); err == nil {
			t.Errorf("ParseACL(%q): no error", rule)
		}
	}
}

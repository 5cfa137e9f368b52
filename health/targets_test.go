package health

import (
	"net/netip"
	"slices"
	"testing"
)

// The probe targets of a prefix: the listen addresses inside it, else the prefix's
// address on each wildcard listen port of its family.
func TestTargetAddrs(t *testing.T) {
	tests := []struct {
		name   string
		listen []string
		ports  []int // bound ports; nil: as configured
		prefix string
		want   []string
	}{
		{"listen address inside", []string{"192.0.2.53:53", "127.0.0.1:5353"}, nil, "192.0.2.53/32", []string{"192.0.2.53:53"}},
		{"two inside a wider prefix", []string{"192.0.2.1:53", "192.0.2.2:53", "198.51.100.1:53"}, nil, "192.0.2.0/24", []string{"192.0.2.1:53", "192.0.2.2:53"}},
		{"inside wins over wildcard", []string{"0.0.0.0:53", "192.0.2.53:5300"}, nil, "192.0.2.53/32", []string{"192.0.2.53:5300"}},
		{"IPv4 wildcard", []string{"0.0.0.0:53", "[::]:54"}, nil, "192.0.2.53/32", []string{"192.0.2.53:53"}},
		{"IPv6 wildcard", []string{"0.0.0.0:53", "[::]:54"}, nil, "2001:db8::53/128", []string{"[2001:db8::53]:54"}},
		{"empty host: both families", []string{":53"}, nil, "2001:db8::53/128", []string{"[2001:db8::53]:53"}},
		{"IPv6 listen inside", []string{"[2001:db8::53]:53"}, nil, "2001:db8::53/128", []string{"[2001:db8::53]:53"}},
		{"bound port replaces port 0", []string{"127.0.0.1:0"}, []int{41234}, "127.0.0.1/32", []string{"127.0.0.1:41234"}},
		{"other family only", []string{"[::]:53"}, nil, "192.0.2.53/32", nil},
		{"outside the prefix", []string{"192.0.2.1:53"}, nil, "192.0.2.53/32", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TargetAddrs(tc.listen, tc.ports, netip.MustParsePrefix(tc.prefix))
			if !slices.Equal(got, tc.want) {
				t.Errorf("targets of %s with listen %v: got %v, want %v", tc.prefix, tc.listen, got, tc.want)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	p4, p6 := netip.MustParsePrefix("192.0.2.53/32"), netip.MustParsePrefix("2001:db8::53/128")
	got := Targets([]string{"0.0.0.0:53"}, []int{5300}, []netip.Prefix{p4, p6})
	if len(got) != 2 || got[0].Prefix != p4 || !slices.Equal(got[0].Addrs, []string{"192.0.2.53:5300"}) ||
		got[1].Prefix != p6 || got[1].Addrs != nil {
		t.Errorf("got %+v, want 192.0.2.53:5300 for the IPv4 prefix and nothing for the IPv6 one", got)
	}
}

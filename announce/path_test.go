package announce

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
)

func TestAttributes(t *testing.T) {
	med := uint32(7)
	tests := []struct {
		name    string
		cfg     Config
		prefix  string
		gshut   bool
		nextHop string
		asPath  []uint32 // nil: no AS_PATH attribute
		med     *uint32
		comms   []uint32
	}{
		{"plain v4", Config{}, "192.0.2.53/32", false, "0.0.0.0", nil, nil, nil},
		{"plain v6", Config{}, "2001:db8::53/128", false, "::", nil, nil, nil},
		{"gshut only", Config{}, "192.0.2.53/32", true, "0.0.0.0", nil, nil, []uint32{GracefulShutdown}},
		{"everything", Config{Prepend: 3, MED: &med, Communities: []string{"no-export"}}, "2001:db8::53/128", true, "::",
			[]uint32{65001, 65001, 65001}, &med, []uint32{0xffffff01, GracefulShutdown}},
		{"gshut configured already", Config{Communities: []string{"graceful-shutdown"}}, "192.0.2.53/32", true, "0.0.0.0", nil, nil, []uint32{GracefulShutdown}},
		{"explicit next hops v4", Config{NextHop4: netip.MustParseAddr("192.0.2.1"), NextHop6: netip.MustParseAddr("2001:db8::1")}, "192.0.2.53/32", false, "192.0.2.1", nil, nil, nil},
		{"explicit next hops v6", Config{NextHop4: netip.MustParseAddr("192.0.2.1"), NextHop6: netip.MustParseAddr("2001:db8::1")}, "2001:db8::53/128", false, "2001:db8::1", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.LocalAS = 65001
			s := &Speaker{cfg: cfg}
			for _, c := range cfg.Communities {
				v, err := ParseCommunity(c)
				if err != nil {
					t.Fatal(err)
				}
				s.communities = append(s.communities, v)
			}
			prefix := netip.MustParsePrefix(tt.prefix)
			nlri, attrs := s.attributes(prefix, tt.gshut)
			if got := nlri.String(); got != tt.prefix {
				t.Errorf("nlri: got %s, want %s", got, tt.prefix)
			}
			var nextHop string
			var asPath []uint32
			var gotMED *uint32
			var comms []uint32
			origin := false
			for _, a := range attrs {
				switch a := a.(type) {
				case *bgp.PathAttributeOrigin:
					origin = a.Value == bgp.BGP_ORIGIN_ATTR_TYPE_IGP
				case *bgp.PathAttributeNextHop:
					nextHop = a.Value.String()
				case *bgp.PathAttributeMpReachNLRI:
					nextHop = a.Nexthop.String()
				case *bgp.PathAttributeAsPath:
					for _, seg := range a.Value {
						asPath = append(asPath, seg.GetAS()...)
					}
				case *bgp.PathAttributeMultiExitDisc:
					v := a.Value
					gotMED = &v
				case *bgp.PathAttributeCommunities:
					comms = a.Value
				}
			}
			if !origin {
				t.Error("origin: got none or not IGP, want IGP")
			}
			if nextHop != tt.nextHop {
				t.Errorf("next hop: got %q, want %q", nextHop, tt.nextHop)
			}
			if !slices.Equal(asPath, tt.asPath) {
				t.Errorf("AS path: got %v, want %v", asPath, tt.asPath)
			}
			if (gotMED == nil) != (tt.med == nil) || (gotMED != nil && *gotMED != *tt.med) {
				t.Errorf("MED: got %v, want %v", gotMED, tt.med)
			}
			if !slices.Equal(comms, tt.comms) {
				t.Errorf("communities: got %v, want %v", comms, tt.comms)
			}
			if _, err := s.path(prefix, tt.gshut); err != nil {
				t.Errorf("path: %v", err)
			}
		})
	}
}

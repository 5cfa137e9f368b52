package announce

import (
	"net/netip"
	"slices"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
)

// attributes returns the NLRI and path attributes announcing prefix, with
// the GRACEFUL_SHUTDOWN community added when gshut is set.
func (s *Speaker) attributes(prefix netip.Prefix, gshut bool) (bgp.AddrPrefixInterface, []bgp.PathAttributeInterface) {
	// A locally originated route has ORIGIN IGP (RFC 4271 5.1.1).
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	var nlri bgp.AddrPrefixInterface
	if prefix.Addr().Is4() {
		nlri = bgp.NewIPAddrPrefix(uint8(prefix.Bits()), prefix.Addr().String())
		// The unspecified next hop tells GoBGP to send the session's own
		// address: next-hop self.
		nh := "0.0.0.0"
		if s.cfg.NextHop4.IsValid() {
			nh = s.cfg.NextHop4.String()
		}
		attrs = append(attrs, bgp.NewPathAttributeNextHop(nh))
	} else {
		nlri = bgp.NewIPv6AddrPrefix(uint8(prefix.Bits()), prefix.Addr().String())
		// IPv6 reachability travels in MP_REACH_NLRI (RFC 4760 3); "::"
		// again means next-hop self.
		nh := "::"
		if s.cfg.NextHop6.IsValid() {
			nh = s.cfg.NextHop6.String()
		}
		attrs = append(attrs, bgp.NewPathAttributeMpReachNLRI(nh, []bgp.AddrPrefixInterface{nlri}))
	}
	if s.cfg.Prepend > 0 {
		// GoBGP adds LocalAS once more when it sends the route to an eBGP
		// peer (RFC 4271 5.1.2), so the peer sees Prepend+1 copies.
		asns := make([]uint32, s.cfg.Prepend)
		for i := range asns {
			asns[i] = s.cfg.LocalAS
		}
		attrs = append(attrs, bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{
			bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asns),
		}))
	}
	if s.cfg.MED != nil {
		attrs = append(attrs, bgp.NewPathAttributeMultiExitDisc(*s.cfg.MED))
	}
	comms := slices.Clone(s.communities)
	if gshut && !slices.Contains(comms, GracefulShutdown) {
		comms = append(comms, GracefulShutdown)
	}
	if len(comms) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(comms))
	}
	return nlri, attrs
}

// path returns the GoBGP API path announcing prefix.
func (s *Speaker) path(prefix netip.Prefix, gshut bool) (*api.Path, error) {
	nlri, attrs := s.attributes(prefix, gshut)
	return apiutil.NewPath(nlri, false, attrs, time.Now())
}

// family returns the GoBGP address family of prefix.
func family(prefix netip.Prefix) *api.Family {
	if prefix.Addr().Is4() {
		return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	}
	return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
}

package server

import "github.com/anycastdns/anycastdns/zone"

// zoneExpire returns the EDNS EXPIRE value of z (RFC 7314 section 3): what
// Options.ZoneExpire says (a secondary zone's remaining time), else the EXPIRE
// field of its SOA, the value a primary gives.
func (s *Server) zoneExpire(z *zone.Zone) uint32 {
	if s.expireOf != nil {
		return s.expireOf(z)
	}
	return z.SOA().Expire
}

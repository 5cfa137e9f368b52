package transfer

import (
	"math"
	"time"

	"github.com/anycastdns/anycastdns/zone"
)

// ZoneStatus is what the engine knows of a secondary zone's freshness, for the
// health checks (withdraw while a required zone is expired or lags) and /readyz.
type ZoneStatus struct {
	Origin        string
	Serial        uint32    // of the version held; 0 when none (Loaded false)
	Loaded        bool      // a version is held (serving unless Expired)
	PrimarySerial uint32    // the serial the primary last answered
	PrimaryKnown  bool      // a primary has answered since start
	LastRefresh   time.Time // the last successful refresh (SOA check or transfer)
	LastTransfer  time.Time // when the version held was taken in
	Expires       time.Time // the expire deadline (RFC 1034 section 4.3.5)
	Expired       bool      // past Expires: answering SERVFAIL
	Required      bool      // from the configuration
	// Joining is set for a zone added while the engine runs (a catalog member)
	// until a version of it is held.
	Joining bool
	// LaggingSince is the first time the primary answered a serial newer than the
	// one held that is still not taken in; zero while up to date.
	LaggingSince time.Time
	// SignatureExpiry is the earliest RRSIG expiration of the version held; zero
	// for an unsigned zone.
	SignatureExpiry time.Time
	// Refresh is the interval between SOA checks in use (the SOA's, clamped).
	Refresh time.Duration
}

// Status returns the status of every secondary zone, sorted by origin.
func (s *Secondary) Status() []ZoneStatus {
	zs := s.zoneList()
	out := make([]ZoneStatus, 0, len(zs))
	for _, z := range zs {
		out = append(out, statusOf(z.cfg, z.get(), z.joining))
	}
	return out
}

func statusOf(cfg SecondaryZone, fr freshness, joining bool) ZoneStatus {
	st := ZoneStatus{
		Origin: cfg.Origin, Required: cfg.Required, Loaded: fr.cur != nil,
		PrimarySerial: fr.primarySerial, PrimaryKnown: fr.primaryKnown,
		LastRefresh: fr.lastRefresh, LastTransfer: fr.lastTransfer, Expires: fr.expires,
		Expired: fr.expired, LaggingSince: fr.laggingSince, Refresh: fr.refresh,
		SignatureExpiry: fr.res.SignatureExpiry,
	}
	if fr.cur != nil {
		st.Serial = fr.cur.Serial()
	}
	st.Joining = joining && fr.cur == nil
	return st
}

// Expire returns the EDNS EXPIRE value of z (RFC 7314 section 3): for a secondary
// zone whose copy this node holds, the whole seconds left until that copy expires
// (rounded up, 0 once past); for any other zone, the EXPIRE field of its SOA, the
// value its primary gives.
func (s *Secondary) Expire(z *zone.Zone) uint32 {
	s.mu.Lock()
	sz := s.zones[canonical(z.Origin())]
	s.mu.Unlock()
	if sz == nil {
		return z.SOA().Expire
	}
	fr := sz.get()
	if fr.expires.IsZero() {
		return z.SOA().Expire
	}
	left := fr.expires.Sub(s.cfg.Now())
	if left <= 0 {
		return 0
	}
	return uint32(min((left+time.Second-1)/time.Second, math.MaxUint32))
}

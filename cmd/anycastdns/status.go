package main

import (
	"slices"
	"strings"
	"time"

	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/transfer"
)

// nodeStatus is what GET /admin/status answers and `anycastdns ctl status`
// shows: who the node is, whether it is ready, what it announces, and every zone
// with its serial and freshness.
type nodeStatus struct {
	Identity    string                `json:"identity"`
	Version     string                `json:"version"`
	Started     time.Time             `json:"started"`
	UptimeSecs  float64               `json:"uptime_seconds"`
	Ready       bool                  `json:"ready"`
	NotReady    []string              `json:"not_ready,omitempty"`
	Listeners   []string              `json:"listeners"`
	Anycast     bool                  `json:"anycast"` // bgp.prefixes configured
	Maintenance *health.AdminSwitch   `json:"maintenance,omitempty"`
	Prefixes    []health.PrefixStatus `json:"prefixes,omitempty"`
	Peers       []peerStatus          `json:"bgp_peers,omitempty"`
	Zones       []zoneStatus          `json:"zones"`
}

// peerStatus is a BGP session.
type peerStatus struct {
	Address string `json:"address"`
	State   string `json:"state"` // idle, connect, active, opensent, openconfirm, established
}

// zoneStatus is one zone as the node serves it.
type zoneStatus struct {
	Zone    string `json:"zone"`
	Source  string `json:"source"` // "file" or "transfer"
	Loaded  bool   `json:"loaded"` // a version serves (a secondary zone may have none yet)
	Serial  uint32 `json:"serial"`
	Records int    `json:"records"`
	// SignatureExpiry is the earliest RRSIG expiration of a signed zone.
	SignatureExpiry *time.Time `json:"signature_expiry,omitempty"`
	// The freshness of a secondary zone (transfer.ZoneStatus).
	Secondary *secondaryStatus `json:"secondary,omitempty"`
}

// secondaryStatus is the freshness of a zone taken by transfer.
type secondaryStatus struct {
	PrimarySerial uint32     `json:"primary_serial,omitempty"`
	LastRefresh   *time.Time `json:"last_refresh,omitempty"`
	LastTransfer  *time.Time `json:"last_transfer,omitempty"`
	Expires       *time.Time `json:"expires,omitempty"`
	Expired       bool       `json:"expired"`
	LaggingSince  *time.Time `json:"lagging_since,omitempty"`
	Joining       bool       `json:"joining,omitempty"`
}

// status gathers the node's status. a is the anycast part, nil when no prefix is
// configured.
func (n *node) status(a *anycast, now time.Time) nodeStatus {
	notReady := n.ready.notReady()
	st := nodeStatus{
		Identity: n.dns.Identity(), Version: version(),
		Started: n.startedAt, UptimeSecs: now.Sub(n.startedAt).Seconds(),
		Ready: len(notReady) == 0, NotReady: notReady,
		Listeners: addrStrings(n.dns.Addrs()),
		Zones:     n.zoneStatuses(),
	}
	if a != nil {
		admin := a.mon.AdminState()
		st.Anycast = true
		st.Maintenance = &admin.Maintenance
		st.Prefixes = admin.Prefixes
		if a.sp != nil {
			for _, p := range a.sp.Peers() {
				st.Peers = append(st.Peers, peerStatus{Address: p.Address.String(), State: p.State})
			}
		}
	}
	return st
}

// zoneStatuses lists the zones served from files and those taken by transfer, by
// name.
func (n *node) zoneStatuses() []zoneStatus {
	var out []zoneStatus
	secondary := map[string]transfer.ZoneStatus{}
	if n.fleet.secondary != nil {
		for _, s := range n.fleet.secondary.Status() {
			secondary[s.Origin] = s
		}
	}
	seen := map[string]bool{}
	for _, z := range n.loader.Zones() {
		zs := zoneStatus{Zone: z.Origin(), Source: "file", Loaded: true, Serial: z.Serial(), Records: z.RecordCount()}
		if exp, ok := z.SignatureExpiry(); ok {
			zs.SignatureExpiry = &exp
		}
		if s, ok := secondary[z.Origin()]; ok {
			zs.Source, zs.Loaded, zs.Secondary = "transfer", s.Loaded && !s.Expired, freshnessOf(s)
		}
		seen[z.Origin()] = true
		out = append(out, zs)
	}
	for origin, s := range secondary {
		if !seen[origin] { // nothing held yet
			out = append(out, zoneStatus{Zone: origin, Source: "transfer", Secondary: freshnessOf(s)})
		}
	}
	slices.SortFunc(out, func(a, b zoneStatus) int { return strings.Compare(a.Zone, b.Zone) })
	return out
}

// freshnessOf returns the freshness part of a secondary zone's status.
func freshnessOf(s transfer.ZoneStatus) *secondaryStatus {
	return &secondaryStatus{
		PrimarySerial: s.PrimarySerial, LastRefresh: timeOrNil(s.LastRefresh),
		LastTransfer: timeOrNil(s.LastTransfer), Expires: timeOrNil(s.Expires),
		Expired: s.Expired, LaggingSince: timeOrNil(s.LaggingSince), Joining: s.Joining,
	}
}

// timeOrNil returns &t, or nil for the zero time (left out of the JSON).
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

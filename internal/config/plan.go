package config

import (
	"reflect"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Plan is what a reload of the configuration does: the changes (Diff) that a
// running node applies, and the keys that changed but take effect only at the
// next start. A reload applies what it can and names the rest, as knotc reload
// does: an operator who adds a zone and moves the metrics listener in one edit
// gets the zone at once and is told, by key, that the listener waits for a
// restart.
type Plan struct {
	Changes
	// Restart are the keys whose new values the running node does not take, in the
	// order of the file ("metrics", "tcp", "bgp.router-id"), then
	// "zones[ORIGIN].primaries" for each zone of ZonesKept.
	Restart []string
	// ZonesKept are the zones that would turn from a secondary into a zone read
	// from a file or back: the node keeps them as they run until a restart (the
	// secondary's copy and the master file may be one file, which removing the
	// secondary deletes). They are not in ZonesChanged.
	ZonesKept []string
}

// runtimeKeys are the keys, besides listen, zones, bgp.peers and bgp.prefixes
// (compared item by item in Changes), whose change a running node applies. Every
// other key of Changes.Keys needs a restart:
//   - metrics (the listener ctl talks through), log.format (the logger of every
//     part), udp-size, udp-sockets, tcp, transfer (read by the hot path or by
//     loops that hold them);
//   - bgp.local-as, bgp.router-id and the speaker's transport keys: GoBGP sets
//     them once, at StartBgp, and only a stop of the whole BGP server changes
//     them, which drops every session (a withdrawal everywhere);
//   - bgp.prefixes change at run time while the anycast part runs before and
//     after (prefixes in both configurations, BGP on in both or off in both);
//     bgp.peers, bgp.communities, bgp.prepend, bgp.med and bgp.next-hop-ipv4/6
//     while the speaker runs before and after (runtimeBGPKeys). Turning BGP or
//     the anycast part on or off needs a restart.
var runtimeKeys = []string{
	"identity", "version", "hide-version", "nsid", // server.SetIdentity
	"log.level",        // the zap.AtomicLevel shared with GoBGP
	"shutdown-timeout", // read at the stop
	"tsig-keys",        // transfer.Keyring.Replace
	"health",           // health.Monitor.SetConfig, the probes' timeout
	"cookies",          // server.SetCookies: a new secret, the previous ones
	"rate-limit",       // server.SetRateLimit: a new limiter, accounts afresh
	"bgp.drain",        // anycast.Controller.SetConfig: the next drain's timing
}

// runtimeBGPKeys are the bgp keys a running speaker changes (announce.Speaker.Reconfigure).
var runtimeBGPKeys = []string{"bgp.communities", "bgp.prepend", "bgp.med", "bgp.next-hop-ipv4", "bgp.next-hop-ipv6"}

// speaking reports whether a node of c runs a BGP speaker.
func speaking(c *Config) bool { return c.BGP.Enabled() && len(c.BGP.Prefixes) > 0 }

// RuntimeBGP reports whether p has bgp changes applied at run time, to the
// health monitor and the running speaker: prefixes, peers and path attributes.
func (p Plan) RuntimeBGP() bool {
	if len(p.PeersAdded)+len(p.PeersRemoved)+len(p.PeersChanged) > 0 && !slices.Contains(p.Restart, "bgp.peers") {
		return true
	}
	if len(p.PrefixesAdded)+len(p.PrefixesRemoved) > 0 && !slices.Contains(p.Restart, "bgp.prefixes") {
		return true
	}
	return slices.ContainsFunc(p.Keys, func(k string) bool {
		return slices.Contains(runtimeBGPKeys, k) && !slices.Contains(p.Restart, k)
	})
}

// NewPlan compares the running configuration old with new, both validated, and
// sorts the changed keys into those a running node applies and those that need a
// restart (Restart).
func NewPlan(old, new *Config) Plan {
	p := Plan{Changes: Diff(old, new)}
	oz, nz := zonesOf(old), zonesOf(new)
	p.ZonesChanged = slices.DeleteFunc(slices.Clone(p.ZonesChanged), func(origin string) bool {
		if (len(oz[origin].Primaries) > 0) == (len(nz[origin].Primaries) > 0) {
			return false
		}
		p.ZonesKept = append(p.ZonesKept, origin)
		delete(p.ZoneKeys, origin)
		return true
	})
	bgpLive := speaking(old) && speaking(new)
	for _, k := range p.Keys {
		if !slices.Contains(runtimeKeys, k) && !(bgpLive && slices.Contains(runtimeBGPKeys, k)) {
			p.Restart = append(p.Restart, k)
		}
	}
	// The peers and prefixes are compared item by item.
	if len(p.PeersAdded)+len(p.PeersRemoved)+len(p.PeersChanged) > 0 && !bgpLive {
		p.Restart = append(p.Restart, "bgp.peers")
	}
	anycastLive := len(old.BGP.Prefixes) > 0 && len(new.BGP.Prefixes) > 0 && old.BGP.Enabled() == new.BGP.Enabled()
	if len(p.PrefixesAdded)+len(p.PrefixesRemoved) > 0 && !anycastLive {
		p.Restart = append(p.Restart, "bgp.prefixes")
	}
	for _, origin := range p.ZonesKept {
		p.Restart = append(p.Restart, "zones["+origin+"].primaries")
	}
	return p
}

// Applied returns the configuration a node runs with once it applied p: new,
// with the value of every key of p.Restart taken from old, so that the next
// reload compares the file with what runs and names those keys again.
func (p Plan) Applied(old, new *Config) *Config {
	c := *new
	v := reflect.ValueOf(&c).Elem()
	o := reflect.ValueOf(old).Elem()
	for _, key := range p.Restart {
		dst, src := v, o
		ok := true
		for part := range strings.SplitSeq(key, ".") {
			f, found := fieldByKey(dst.Type(), part)
			if !found {
				ok = false
				break
			}
			dst, src = dst.FieldByIndex(f.index), src.FieldByIndex(f.index)
		}
		if ok {
			dst.Set(src)
		}
	}
	for _, origin := range p.ZonesKept {
		c.KeepZone(old, origin)
	}
	return &c
}

// KeepZone makes the zone origin of c what it is in old: its item of the zones
// list is replaced by old's, or removed when old has none. A reload uses it for
// a zone it could not apply (a new zone that did not load is then tried again at
// the next reload). It does nothing while c serves the built-in examples.
func (c *Config) KeepZone(old *Config, origin string) {
	if c.Zones == nil {
		return
	}
	is := func(z Zone) bool { return strings.EqualFold(dns.Fqdn(z.Origin), origin) }
	zs := slices.Clone(c.Zones)
	i := slices.IndexFunc(zs, is)
	j := slices.IndexFunc(old.Zones, is)
	switch {
	case i >= 0 && j >= 0:
		zs[i] = old.Zones[j]
	case i >= 0:
		zs = slices.Delete(zs, i, i+1)
	case j >= 0:
		zs = append(zs, old.Zones[j])
	}
	c.Zones = zs
}

// Summary returns the changes of p as keys, for a log line or a report:
// "zones[example.org.]", "listen", "bgp.peers", then the other keys.
func (p Plan) Summary() []string {
	var out []string
	for _, o := range slices.Concat(p.ZonesAdded, p.ZonesRemoved, p.ZonesChanged) {
		out = append(out, "zones["+o+"]")
	}
	if len(p.ListenersAdded)+len(p.ListenersRemoved) > 0 {
		out = append(out, "listen")
	}
	if len(p.PeersAdded)+len(p.PeersRemoved)+len(p.PeersChanged) > 0 {
		out = append(out, "bgp.peers")
	}
	if len(p.PrefixesAdded)+len(p.PrefixesRemoved) > 0 {
		out = append(out, "bgp.prefixes")
	}
	return append(out, p.Keys...)
}

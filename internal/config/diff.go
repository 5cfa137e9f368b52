package config

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/transfer"
)

// Changes are the differences between a running configuration and a new one, in the
// units a reload applies: zones, listeners, BGP peers and service prefixes, and the
// other keys that changed.
type Changes struct {
	// ZonesAdded, ZonesRemoved and ZonesChanged are origins (lower case, fully
	// qualified); a zone changed when any of its keys did (ZoneKeys says which).
	ZonesAdded, ZonesRemoved, ZonesChanged []string
	// ZoneKeys are the keys that changed of each zone of ZonesChanged, by origin,
	// in the order of the schema: "file" (the master file as opened, so also a
	// move of the configuration file), "primaries", "allow-notify",
	// "allow-transfer", "notify", "catalog", "catalog-groups", "required".
	ZoneKeys map[string][]string
	// ListenersAdded and ListenersRemoved are listen addresses.
	ListenersAdded, ListenersRemoved []string
	// PeersAdded, PeersRemoved and PeersChanged are the addresses of BGP peers; a
	// peer changed when any of its keys did.
	PeersAdded, PeersRemoved, PeersChanged []netip.Addr
	// PrefixesAdded and PrefixesRemoved are service prefixes.
	PrefixesAdded, PrefixesRemoved []netip.Prefix
	// Keys are the other keys whose value changed, in the order of the file: a
	// top-level key ("udp-size", "tcp", "health") or a key of bgp ("bgp.communities",
	// "bgp.drain").
	Keys []string
}

// Empty reports whether nothing changed.
func (ch Changes) Empty() bool { return reflect.ValueOf(ch).IsZero() }

// Diff compares the running configuration old with new, both validated.
func Diff(old, new *Config) Changes {
	var ch Changes
	oz, nz := zonesOf(old), zonesOf(new)
	ch.ZonesAdded, ch.ZonesRemoved, ch.ZonesChanged = diffMaps(oz, nz, strings.Compare)
	for _, origin := range ch.ZonesChanged {
		if ch.ZoneKeys == nil {
			ch.ZoneKeys = map[string][]string{}
		}
		ch.ZoneKeys[origin] = oz[origin].changedKeys(nz[origin])
	}
	ch.ListenersAdded, ch.ListenersRemoved = diffLists(old.Server.Listen, new.Server.Listen)
	ch.PeersAdded, ch.PeersRemoved, ch.PeersChanged = diffMaps(peers(old), peers(new), netip.Addr.Compare)
	ch.PrefixesAdded, ch.PrefixesRemoved = diffLists(old.BGP.Prefixes, new.BGP.Prefixes)
	skip := []string{"listen", "zones", "log", "bgp", "bgp.peers", "bgp.prefixes"}
	ch.Keys = changedKeys(reflect.ValueOf(*old), reflect.ValueOf(*new), "", skip)
	return ch
}

// changedKeys lists the keys of the structs a and b whose values differ, descending
// into the keys listed in skip (which are compared elsewhere or key by key).
func changedKeys(a, b reflect.Value, path string, skip []string) []string {
	var keys []string
	for _, f := range fieldsOf(a.Type()) {
		key := joinKey(path, f.key)
		va, vb := a.FieldByIndex(f.index), b.FieldByIndex(f.index)
		switch {
		case !slices.Contains(skip, key):
			if !reflect.DeepEqual(va.Interface(), vb.Interface()) {
				keys = append(keys, key)
			}
		case f.typ.Kind() == reflect.Struct:
			keys = append(keys, changedKeys(va, vb, key, skip)...)
		}
	}
	return keys
}

// zoneKeys are the keys of one zone that a reload compares: the master file as
// opened and the transfer keys.
type zoneKeys struct {
	path string
	transfer.ZoneConfig
}

// changedKeys returns the keys whose values differ between z and o.
func (z zoneKeys) changedKeys(o zoneKeys) []string {
	var keys []string
	if z.path != o.path {
		keys = append(keys, "file")
	}
	return append(keys, changedKeys(reflect.ValueOf(z.ZoneConfig), reflect.ValueOf(o.ZoneConfig), "", nil)...)
}

// zonesOf returns the keys of each zone, by origin: the configured zones, or the
// built-in examples.
func zonesOf(c *Config) map[string]zoneKeys {
	m := map[string]zoneKeys{}
	if c.Zones == nil {
		for _, zf := range c.ZoneFiles() {
			m[strings.ToLower(dns.Fqdn(zf.Origin))] = zoneKeys{path: zf.Source.Path}
		}
		return m
	}
	for _, z := range c.Zones {
		zk := zoneKeys{path: z.path, ZoneConfig: z.ZoneConfig}
		if zk.IsRequired() { // absent and true mean the same
			zk.Required = nil
		}
		m[strings.ToLower(dns.Fqdn(z.Origin))] = zk
	}
	return m
}

// peers returns the BGP peers by address.
func peers(c *Config) map[netip.Addr]announce.Peer {
	m := map[netip.Addr]announce.Peer{}
	for _, p := range c.BGP.Peers {
		m[p.Address] = p
	}
	return m
}

// diffMaps returns the keys only in b, only in a, and in both with other values,
// each sorted by cmp.
func diffMaps[K comparable, V any](a, b map[K]V, cmp func(K, K) int) (added, removed, changed []K) {
	for k, vb := range b {
		va, ok := a[k]
		switch {
		case !ok:
			added = append(added, k)
		case !reflect.DeepEqual(va, vb):
			changed = append(changed, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			removed = append(removed, k)
		}
	}
	for _, l := range [][]K{added, removed, changed} {
		slices.SortFunc(l, cmp)
	}
	return added, removed, changed
}

// diffLists returns the items only in b and only in a, in their order.
func diffLists[T comparable](a, b []T) (added, removed []T) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

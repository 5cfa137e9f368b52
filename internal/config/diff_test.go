package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// diffBase is the running configuration of the Diff tests.
const diffBase = `listen: ["192.0.2.53:53", "127.0.0.1:53"]
udp-size: 1232
zones:
  - {origin: a.example., file: a.zone}
  - {origin: b.example., file: b.zone}
bgp:
  local-as: 65001
  router-id: 192.0.2.10
  peers:
    - {address: 192.0.2.1, as: 65000}
    - {address: 192.0.2.2, as: 65000}
  prefixes: [192.0.2.53/32]
  communities: [NO_EXPORT]
`

// mustParse parses and validates a configuration for the Diff tests.
func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse([]byte(text), "/etc/anycastdns/c.yaml", testVersion)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return c
}

// edit returns diffBase with each old text of pairs replaced by the new one after it.
func edit(pairs ...string) string {
	return strings.NewReplacer(pairs...).Replace(diffBase)
}

func TestDiff(t *testing.T) {
	addr := netip.MustParseAddr
	tests := []struct {
		name string
		new  string
		want Changes
	}{
		{"the same", diffBase, Changes{}},
		{"zones added, removed, changed (any case)",
			edit("{origin: a.example., file: a.zone}", "{origin: A.example, file: a2.zone}", "{origin: b.example., file: b.zone}", "{origin: c.example., file: c.zone}"),
			Changes{ZonesAdded: []string{"c.example."}, ZonesRemoved: []string{"b.example."}, ZonesChanged: []string{"a.example."},
				ZoneKeys: map[string][]string{"a.example.": {"file"}}}},
		{"per-zone keys; required: true is the default",
			edit("{origin: a.example., file: a.zone}", "{origin: a.example., file: a.zone, notify: [{address: 192.0.2.9}], allow-transfer: [192.0.2.9]}",
				"{origin: b.example., file: b.zone}", "{origin: b.example., file: b.zone, required: true}"),
			Changes{ZonesChanged: []string{"a.example."}, ZoneKeys: map[string][]string{"a.example.": {"allow-transfer", "notify"}}}},
		{"a file zone becomes a secondary; log keys one by one",
			edit("{origin: b.example., file: b.zone}", "{origin: b.example., primaries: [{address: 192.0.2.8}], required: false}", "udp-size: 1232", "udp-size: 1232\nlog: {level: debug}"),
			Changes{ZonesChanged: []string{"b.example."}, ZoneKeys: map[string][]string{"b.example.": {"file", "primaries", "required"}}, Keys: []string{"log.level"}}},
		{"listeners, peers, prefixes and other keys",
			edit(`"127.0.0.1:53"]`, `"[::1]:53"]`, "udp-size: 1232", "udp-size: 1400\nhealth: {rise: 3}",
				"{address: 192.0.2.1, as: 65000}", "{address: 192.0.2.1, as: 65000, hold-time: 6s, keepalive: 2s}",
				"192.0.2.2,", "192.0.2.3,", "[192.0.2.53/32]", "[192.0.2.0/24]",
				"[NO_EXPORT]", "[NO_EXPORT, \"65001:1\"]\n  drain: {grace: 1s}"),
			Changes{
				ListenersAdded: []string{"[::1]:53"}, ListenersRemoved: []string{"127.0.0.1:53"},
				PeersAdded: []netip.Addr{addr("192.0.2.3")}, PeersRemoved: []netip.Addr{addr("192.0.2.2")},
				PeersChanged:  []netip.Addr{addr("192.0.2.1")},
				PrefixesAdded: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, PrefixesRemoved: []netip.Prefix{netip.MustParsePrefix("192.0.2.53/32")},
				Keys: []string{"udp-size", "health", "bgp.communities", "bgp.drain"},
			}},
	}
	old := mustParse(t, diffBase)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(old, mustParse(t, tc.new))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if got.Empty() != (tc.name == "the same") {
				t.Errorf("Empty: got %v", got.Empty())
			}
		})
	}
}

// The built-in zones are compared like configured ones.
func TestDiffBuiltInZones(t *testing.T) {
	d := Default(testVersion)
	c := mustParse(t, "zones:\n  - {origin: example.org., file: example.org.zone}\n")
	got := Diff(d, c)
	if len(got.ZonesRemoved) != 1 || got.ZonesRemoved[0] != "example.net." || len(got.ZonesChanged) != 1 || got.ZonesChanged[0] != "example.org." {
		t.Errorf("got %+v, want example.net. removed and example.org. changed (another file)", got)
	}
	if !Diff(d, Default(testVersion)).Empty() {
		t.Errorf("two defaults differ: %+v", Diff(d, Default(testVersion)))
	}
}

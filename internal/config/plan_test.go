package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name        string
		new         string
		restart     []string
		summaryHave []string
	}{
		{"nothing", diffBase, nil, nil},
		{"applied at run time: zones, listen, identity, log level, keys",
			edit("{origin: b.example., file: b.zone}", "{origin: c.example., file: c.zone}",
				`"127.0.0.1:53"]`, `"127.0.0.1:5300"]`,
				"udp-size: 1232", "udp-size: 1232\nidentity: pop2\nnsid: false\nhide-version: true\nlog: {level: debug}\nhealth: {rise: 3}\ncookies: {enabled: false}\nrate-limit: {slip: 1}\nshutdown-timeout: 9s\ntsig-keys: [{name: k1, algorithm: hmac-sha256, secret: AAAA}]"),
			nil, []string{"zones[c.example.]", "zones[b.example.]", "listen", "identity", "log.level", "health", "cookies", "rate-limit", "tsig-keys"}},
		{"needs a restart: metrics, log format, tcp, BGP identity; prefixes, peers and communities apply",
			edit("udp-size: 1232", "udp-size: 1400\nmetrics: {listen: \"127.0.0.1:9999\"}\nlog: {format: json}\ntcp: {idle-timeout: 3s}",
				"router-id: 192.0.2.10", "router-id: 192.0.2.11", "192.0.2.2,", "192.0.2.3,", "[192.0.2.53/32]", "[192.0.2.0/24]",
				"[NO_EXPORT]", "[NO_EXPORT, \"65001:1\"]\n  drain: {grace: 1s}"),
			[]string{"udp-size", "tcp", "metrics", "log.format", "bgp.router-id"}, []string{"bgp.peers", "bgp.prefixes", "bgp.communities", "bgp.drain"}},
	}
	old := mustParse(t, diffBase)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			new := mustParse(t, tc.new)
			p := NewPlan(old, new)
			if !slices.Equal(p.Restart, tc.restart) {
				t.Errorf("Restart: got %q, want %q", p.Restart, tc.restart)
			}
			if got, want := p.RuntimeBGP(), slices.Contains(tc.summaryHave, "bgp.peers"); got != want {
				t.Errorf("RuntimeBGP: got %v, want %v", got, want)
			}
			for _, k := range tc.summaryHave {
				if !slices.Contains(p.Summary(), k) {
					t.Errorf("Summary %q lacks %q", p.Summary(), k)
				}
			}
			// What runs afterwards: the new values but those of Restart.
			got := p.Applied(old, new)
			if again := NewPlan(got, new); !slices.Equal(again.Restart, tc.restart) {
				t.Errorf("a second reload of the same file: Restart %q, want %q again", again.Restart, tc.restart)
			}
			if rest := NewPlan(old, got); len(rest.Restart) != 0 {
				t.Errorf("the applied configuration changed keys that need a restart: %q", rest.Restart)
			}
			if !reflect.DeepEqual(got.Zones, new.Zones) || !slices.Equal(got.Server.Listen, new.Server.Listen) || got.Server.Identity != new.Server.Identity {
				t.Error("the applied configuration lacks the keys applied at run time")
			}
		})
	}
}

// A zone turning from a file zone into a secondary waits for a restart, named;
// the other zones go ahead.
func TestPlanZoneKindKept(t *testing.T) {
	old := mustParse(t, diffBase)
	new := mustParse(t, edit("{origin: b.example., file: b.zone}", "{origin: b.example., primaries: [{address: 192.0.2.8}]}",
		"{origin: a.example., file: a.zone}", "{origin: a.example., file: a2.zone}"))
	p := NewPlan(old, new)
	if !slices.Equal(p.ZonesKept, []string{"b.example."}) || !slices.Equal(p.ZonesChanged, []string{"a.example."}) ||
		!slices.Equal(p.Restart, []string{"zones[b.example.].primaries"}) {
		t.Errorf("got kept %q changed %q restart %q", p.ZonesKept, p.ZonesChanged, p.Restart)
	}
	got := p.Applied(old, new)
	if !reflect.DeepEqual(got.Zones[1], old.Zones[1]) || !reflect.DeepEqual(got.Zones[0], new.Zones[0]) {
		t.Errorf("applied zones %+v, want a.example. new and b.example. as it runs", got.Zones)
	}
	if again := NewPlan(got, new); !slices.Equal(again.Restart, p.Restart) {
		t.Errorf("the next reload: restart %q, want %q again", again.Restart, p.Restart)
	}
}

func TestKeepZone(t *testing.T) {
	old := mustParse(t, diffBase)
	c := mustParse(t, edit("{origin: b.example., file: b.zone}", "{origin: c.example., file: c.zone}"))
	c.KeepZone(old, "c.example.") // new, not loaded: left out
	c.KeepZone(old, "b.example.") // removed, could not be: kept
	var origins []string
	for _, z := range c.Zones {
		origins = append(origins, z.Origin)
	}
	if !slices.Equal(origins, []string{"a.example.", "b.example."}) {
		t.Errorf("zones %q, want a.example. and b.example.", origins)
	}
}

// Turning BGP on (no peers before) or off needs a restart: there is no speaker to
// reconfigure, or one to stop.
func TestPlanBGPOnOff(t *testing.T) {
	on := mustParse(t, diffBase)
	off := mustParse(t, edit("  peers:\n    - {address: 192.0.2.1, as: 65000}\n    - {address: 192.0.2.2, as: 65000}\n", "", "  communities: [NO_EXPORT]\n", "  communities: [\"65001:7\"]\n"))
	for name, p := range map[string]Plan{"on": NewPlan(off, on), "off": NewPlan(on, off)} {
		if !slices.Equal(p.Restart, []string{"bgp.communities", "bgp.peers"}) || p.RuntimeBGP() {
			t.Errorf("BGP %s: restart %q, RuntimeBGP %v; want communities and peers named, nothing at run time", name, p.Restart, p.RuntimeBGP())
		}
	}
}

// Prefixes change at run time while the anycast part runs on both sides; the
// anycast part turned on (no prefixes before) needs a restart.
func TestPlanPrefixes(t *testing.T) {
	noBGP := "bgp:\n  local-as: 65001\n  router-id: 192.0.2.10\n  peers:\n    - {address: 192.0.2.1, as: 65000}\n    - {address: 192.0.2.2, as: 65000}\n  prefixes: [192.0.2.53/32]\n  communities: [NO_EXPORT]\n"
	none := mustParse(t, strings.Replace(diffBase, noBGP, "", 1))
	old := mustParse(t, diffBase)
	more := mustParse(t, edit("[192.0.2.53/32]", "[192.0.2.53/32, 192.0.2.0/24]"))
	if p := NewPlan(old, more); len(p.Restart) != 0 || !p.RuntimeBGP() {
		t.Errorf("a prefix added: restart %q, RuntimeBGP %v; want none and true", p.Restart, p.RuntimeBGP())
	}
	if p := NewPlan(none, old); !slices.Contains(p.Restart, "bgp.prefixes") || p.RuntimeBGP() {
		t.Errorf("anycast turned on: restart %q, RuntimeBGP %v; want bgp.prefixes named", p.Restart, p.RuntimeBGP())
	}
}

package transfer

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/anycastdns/anycastdns/zone"
)

// catalogVersion compiles a catalog zone of serial with the member entries given
// as zone-file lines.
func catalogVersion(t *testing.T, serial string, entries string) *zone.Zone {
	t.Helper()
	rrs := catalogRecords(t, "$TTL 0\n@ SOA invalid. invalid. "+serial+" 3600 600 2147483646 0\n@ NS invalid.\nversion TXT \"2\"\n"+entries)
	z, _, err := zone.Build("catalog.invalid.", rrs, zone.DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func secondaryOrigins(s *Secondary) []string {
	var out []string
	for _, st := range s.Status() {
		out = append(out, st.Origin)
	}
	return out
}

// Each new version of a catalog adds its new members as secondary zones of the
// catalog's primaries (or of their group's) with the catalog's policy, and
// removes the members it lost, deleting their copies; configured zones stay.
func TestCatalogConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, h := started(t)
		var pols Policies
		catPrimary := Remote{Addr: netip.MustParseAddrPort("192.0.2.10:53"), Key: "k."}
		groupPrimary := Remote{Addr: netip.MustParseAddrPort("192.0.2.20:53")}
		pol := Policy{AllowTransfer: mustACL(t, "127.0.0.1")}
		c := NewCatalogConsumer(h.sec, &pols, func(o string) bool { return o == "example." || o == "fixed.test." }, nil)
		c.AddCatalog("Catalog.Invalid", SecondaryZone{Origin: "catalog.invalid.", Primaries: []Remote{catPrimary}, Required: true, Catalog: true},
			pol, map[string][]Remote{"signed": {groupPrimary}})

		c.Published("other.", nil, catalogVersion(t, "1", "a.zones PTR ignored.test.\n")) // not a catalog
		c.Published("catalog.invalid.", nil, catalogVersion(t, "1", "a.zones PTR a.test.\nb.zones PTR b.test.\n"+
			"group.b.zones TXT signed\nc.zones PTR fixed.test.\n"))
		synctest.Wait()
		if got, want := secondaryOrigins(h.sec), []string{"a.test.", "b.test.", "example."}; !slices.Equal(got, want) {
			t.Fatalf("secondaries %q, want %q (fixed.test. is configured: not a member)", got, want)
		}
		h.sec.mu.Lock()
		a, b := h.sec.zones["a.test."].cfg, h.sec.zones["b.test."].cfg
		h.sec.mu.Unlock()
		if !slices.Equal(a.Primaries, []Remote{catPrimary}) || !a.Required || a.Catalog || a.File != "" {
			t.Errorf("member a.test.: %+v, want the catalog's primaries, required, not a catalog, its copy in state-dir", a)
		}
		if !slices.Equal(b.Primaries, []Remote{groupPrimary}) {
			t.Errorf("member b.test. of group signed: primaries %v, want the group's", b.Primaries)
		}
		if p, ok := pols.Policy("A.TEST"); !ok || !p.AllowTransfer.Allows(netip.MustParseAddr("127.0.0.1"), "") {
			t.Errorf("member a.test. policy %+v %v, want the catalog's", p, ok)
		}

		// b.test. leaves the catalog: no longer a zone, its copy deleted.
		copyB := CopyPath(h.dir, "", "b.test.")
		if err := os.WriteFile(copyB, []byte("; copy\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		c.Published("catalog.invalid.", nil, catalogVersion(t, "2", "a.zones PTR a.test.\n"))
		synctest.Wait()
		if got, want := secondaryOrigins(h.sec), []string{"a.test.", "example."}; !slices.Equal(got, want) {
			t.Errorf("after removal: secondaries %q, want %q", got, want)
		}
		if _, err := os.Stat(copyB); !os.IsNotExist(err) {
			t.Errorf("the copy of b.test. is still at %s (%v)", filepath.Base(copyB), err)
		}
		if _, ok := pols.Policy("b.test."); ok {
			t.Error("b.test. still has a policy")
		}

		// A version that is not a valid catalog changes nothing.
		bad := catalogRecords(t, "$TTL 0\n@ SOA invalid. invalid. 3 3600 600 2147483646 0\n@ NS invalid.\nversion TXT \"9\"\n")
		z, _, err := zone.Build("catalog.invalid.", bad, zone.DNSSECOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c.Published("catalog.invalid.", nil, z)
		synctest.Wait()
		if got := secondaryOrigins(h.sec); !slices.Contains(got, "a.test.") {
			t.Errorf("an invalid catalog version removed its members: %q", got)
		}
	})
}

package transfer

import (
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
)

// A reload gives a catalog's members its new primaries and policy at once, and a
// catalog removed from the configuration takes its members with it.
func TestCatalogReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, h := started(t)
		var pols Policies
		p1 := Remote{Addr: netip.MustParseAddrPort("192.0.2.10:53")}
		p2 := Remote{Addr: netip.MustParseAddrPort("192.0.2.11:53")}
		c := NewCatalogConsumer(h.sec, &pols, func(o string) bool { return o == "example." }, nil)
		c.SetCatalog("catalog.invalid.", SecondaryZone{Origin: "catalog.invalid.", Primaries: []Remote{p1}, Catalog: true},
			Policy{AllowTransfer: mustACL(t, "127.0.0.1")}, nil)
		c.Published("catalog.invalid.", nil, catalogVersion(t, "1", "a.zones PTR a.test.\n"))
		synctest.Wait()

		c.SetCatalog("catalog.invalid.", SecondaryZone{Origin: "catalog.invalid.", Primaries: []Remote{p2}, Catalog: true},
			Policy{AllowTransfer: mustACL(t, "127.0.0.2")}, nil)
		synctest.Wait()
		h.sec.mu.Lock()
		a := h.sec.zones["a.test."].cfg
		h.sec.mu.Unlock()
		if !slices.Equal(a.Primaries, []Remote{p2}) {
			t.Errorf("member a.test. after the reload: primaries %v, want %v", a.Primaries, p2)
		}
		if p, ok := pols.Policy("a.test."); !ok || !p.AllowTransfer.Allows(netip.MustParseAddr("127.0.0.2"), "") ||
			p.AllowTransfer.Allows(netip.MustParseAddr("127.0.0.1"), "") {
			t.Errorf("member a.test. policy %+v %v, want the new one", p, ok)
		}

		c.RemoveCatalog("Catalog.Invalid")
		synctest.Wait()
		if got, want := secondaryOrigins(h.sec), []string{"example."}; !slices.Equal(got, want) {
			t.Errorf("after the catalog's removal: secondaries %q, want %q", got, want)
		}
		if _, ok := pols.Policy("a.test."); ok {
			t.Error("the removed member kept its policy")
		}
		c.RemoveCatalog("catalog.invalid.") // twice: no error
	})
}

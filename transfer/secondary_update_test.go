package transfer

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
)

// A reload giving a secondary zone other primaries and another copy file keeps
// its version serving (no "not ready" in between), checks the primaries at once,
// and writes the copy at its new place.
func TestSecondaryUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, h := started(t)
		h.sleep(10 * sec)
		h.wantServing("serial 1")
		events := len(h.pub.events)
		before := h.status()

		moved := filepath.Join(h.dir, "moved.zone")
		p2 := Remote{Addr: netip.MustParseAddrPort("192.0.2.2:53")}
		h.sec.Update(SecondaryZone{Origin: "example.", Primaries: []Remote{p2}, File: moved, Required: false})
		h.sleep(sec)
		h.wantServing("serial 1")
		if got := h.pub.events[events:]; len(got) != 0 {
			t.Errorf("publishes after the update: %q, want none (the version held keeps serving)", got)
		}
		st := h.status()
		if st.Required || !st.Loaded || st.Serial != 1 || st.Expires.Before(before.Expires) || st.LastTransfer != before.LastTransfer {
			t.Errorf("status after the update %+v, want serial 1 loaded from the same transfer, not required, an expire deadline no earlier", st)
		}
		h.sec.mu.Lock()
		cfg := h.sec.zones["example."].cfg
		h.sec.mu.Unlock()
		if len(cfg.Primaries) != 1 || cfg.Primaries[0] != p2 {
			t.Errorf("primaries %v, want %v", cfg.Primaries, p2)
		}
		if _, err := os.Stat(moved); err != nil {
			t.Errorf("the copy at its new place: %v", err)
		}
		h.wantCalls("soa 0s", "axfr 0s", "soa 10s") // checked at once, with the new primary

		h.sec.Update(SecondaryZone{Origin: "new.example.", Primaries: []Remote{p2}}) // new: added
		if len(h.sec.Status()) != 2 {
			t.Errorf("Update of a zone not added: %d zones, want 2", len(h.sec.Status()))
		}
	})
}

package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// A restarted Secondary serves the persisted copy at once, before any check
// (the primary is down), with its age exported and its saved expire deadline;
// restarted past that deadline, it serves it expired until a refresh succeeds.
func TestSecondaryRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePrimary(version(1))
		dir := t.TempDir()
		first := newHarness(t, dir, p, testTimers)
		first.sleep(50 * sec)
		first.stop()
		p.set(func(p *fakePrimary) { p.down = true })

		// Start serves the copy before it returns: the node's listeners, opened
		// next, never answer REFUSED for the zone.
		fresh := startHarness(t, dir, p, testTimers)
		fresh.pub.mu.Lock()
		got := slices.Clone(fresh.pub.events)
		fresh.pub.mu.Unlock()
		if len(got) == 0 || got[0] != "example. serial 1" {
			t.Errorf("events when Start returned %q, want the copy served", got)
		}
		synctest.Wait()
		if got := value(fresh.metrics.copyAge.WithLabelValues(origin)); got != 50 {
			t.Errorf("copy_age_at_start_seconds = %v, want 50", got)
		}
		st := fresh.status()
		if !st.Loaded || st.Serial != 1 || st.Expired || !st.Expires.Equal(first.start.Add(1000*sec)) ||
			!st.LastRefresh.Equal(first.start) || st.Refresh != 100*sec {
			t.Errorf("status after restart %+v", st)
		}
		fresh.stop()

		time.Sleep(time.Hour)
		stale := newHarness(t, dir, p, testTimers)
		stale.wantServing("expired")
		if st := stale.status(); !st.Expired || !st.Loaded {
			t.Errorf("status after a restart past expire %+v", st)
		}
		p.set(func(p *fakePrimary) { p.down = false })
		stale.sleep(20 * sec) // the retry of the copy's SOA
		stale.wantServing("serial 1")
	})
}

// A copy without its state file (a crash between the two renames) counts its
// age from when it was written.
func TestSecondaryCopyWithoutState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newFakePrimary(version(1))
		dir := t.TempDir()
		first := newHarness(t, dir, p, testTimers)
		first.stop()
		if err := os.Remove(filepath.Join(dir, "example.zone.state")); err != nil {
			t.Fatal(err)
		}
		p.set(func(p *fakePrimary) { p.down = true })
		h := newHarness(t, dir, p, testTimers)
		fi, err := os.Stat(filepath.Join(dir, "example.zone"))
		if err != nil {
			t.Fatal(err)
		}
		if st := h.status(); st.Serial != 1 || !st.LastRefresh.Equal(fi.ModTime()) ||
			!st.Expires.Equal(fi.ModTime().Add(1000*sec)) {
			t.Errorf("status %+v, want timers from the copy's time %v", st, fi.ModTime())
		}
	})
}

// Remove stops the zone, unpublishes it, drops its journal and deletes the
// files it persisted.
func TestSecondaryRemove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		h.sec.Remove("EXAMPLE.")
		if got := h.pub.events[len(h.pub.events)-1]; got != "example. removed" {
			t.Errorf("last publish %q, want removed", got)
		}
		if !slices.Contains(h.rec.log(), "drop example.") {
			t.Errorf("journal calls %q, want drop", h.rec.log())
		}
		if ents, _ := os.ReadDir(h.dir); len(ents) != 0 {
			t.Errorf("files left: %v", ents)
		}
		if len(h.sec.Status()) != 0 || h.sec.Notified(origin, netipAddrPort("192.0.2.1:53"), "", 1, true) {
			t.Error("the removed zone is still ours")
		}
		h.sleep(time.Hour)
		if got := len(p.log()); got != 2 {
			t.Errorf("primary calls after Remove: %q", p.log())
		}
	})
}

// A writer that fails midway leaves the old copy whole and no temporary file;
// the new version serves all the same.
func TestSecondaryPersistFailureKeepsOldCopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		path := filepath.Join(h.dir, "example.zone")
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h.failWrite.Store(true)
		p.publish(version(2))
		h.sleep(100 * sec)
		h.wantServing("serial 2")
		after, err := os.ReadFile(path)
		if err != nil || string(after) != string(before) {
			t.Errorf("copy after a failed write:\n%s\nwant the old one:\n%s", after, before)
		}
		ents, _ := os.ReadDir(h.dir)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
	})
}

// A copy that is slow to write does not hold back the versions after it: they
// serve at once, and the newest is written once the writer is free.
func TestSecondarySlowCopyDoesNotHoldBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		hold := make(chan struct{})
		h.holdWrite.Store(&hold)
		p.publish(version(2))
		h.sleep(100 * sec)
		h.wantServing("serial 2")
		p.publish(version(3))
		h.sleep(100 * sec)
		h.wantServing("serial 3")
		h.holdWrite.Store(nil)
		close(hold)
		synctest.Wait()
		copied, err := os.ReadFile(filepath.Join(h.dir, "example.zone"))
		if err != nil || !strings.Contains(string(copied), " 3 ") {
			t.Errorf("copy once the writer is free (%v):\n%s\nwant serial 3", err, copied)
		}
	})
}

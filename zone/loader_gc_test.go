package zone

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent returns the GC percent in force.
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// TestRaiseGCPercent checks that loads raise the GC percent to loadGCPercent while
// any of them runs, that the last one to finish restores the value before them, and
// that a higher value or a collector turned off is left alone.
func TestRaiseGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		before, during int
	}{
		{100, loadGCPercent},
		{50, loadGCPercent},
		{800, 800},
		{-1, -1},
	}
	for _, tt := range tests {
		debug.SetGCPercent(tt.before)
		first := raiseGCPercent()
		if got := gcPercent(); got != tt.during {
			t.Errorf("GOGC %d, one load: got %d, want %d", tt.before, got, tt.during)
		}
		second := raiseGCPercent()
		first()
		if got := gcPercent(); got != tt.during {
			t.Errorf("GOGC %d, the first of two loads ended: got %d, want %d", tt.before, got, tt.during)
		}
		second()
		if got := gcPercent(); got != tt.before {
			t.Errorf("GOGC %d, both loads ended: got %d, want %d", tt.before, got, tt.before)
		}
	}
}

// TestReleaseOSMemory checks that releaseOSMemory returns freed heap to the OS after
// it returns, serving requests made while it runs, and then stops.
func TestReleaseOSMemory(t *testing.T) {
	const size = 64 << 20
	garbage := make([]byte, size)
	for i := range garbage {
		garbage[i] = byte(i)
	}
	runtime.KeepAlive(garbage)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	garbage = nil
	for range 5 {
		releaseOSMemory()
	}
	waitReleased(t)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := int64(after.HeapReleased) - int64(before.HeapReleased); got < size/2 {
		t.Errorf("got %d MiB more returned to the OS, want at least %d", got>>20, size>>21)
	}
	_ = garbage
}

// waitReleased waits until no request to return memory to the OS is pending, failing
// the test after 10 s.
func waitReleased(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for releasing.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("got %d requests still pending after 10 s, want 0", releasing.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// A Loader that tunes the collector builds a received zone with the GC percent
// raised, as it loads a file, unless the zone is too large for it; one that does
// not tune it leaves the percent alone.
func TestLoaderBuildRaisesGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		tune bool
		n    int
		want int
	}{
		{true, 300_003, loadGCPercent},
		{true, loadGCMaxRecords + 1, 100},
		{false, 300_003, 100},
	} {
		l := &Loader{tuneGC: c.tune}
		got := 0
		l.withLoadGC(c.n, func() { got = gcPercent() })
		if got != c.want {
			t.Errorf("tune %v, %d records: GC percent %d during the build, want %d", c.tune, c.n, got, c.want)
		}
		if after := gcPercent(); after != 100 {
			t.Errorf("tune %v, %d records: GC percent %d after the build, want 100 back", c.tune, c.n, after)
		}
	}
}

package testutil

import (
	"fmt"
	"sync"
	"testing"
)

func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintf(&b, "%d", i)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := len(b.String()); got != 400 {
		t.Fatalf("got %d bytes, want 400", got)
	}
}

func TestFreePort(t *testing.T) {
	if p := FreePort(t, "127.0.0.1"); p <= 0 {
		t.Fatalf("got port %d", p)
	}
}

// recorder is a testing.TB that records whether the test would have failed or been
// skipped, instead of doing either.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }

func TestMissingFailsOnlyInCI(t *testing.T) {
	for _, tc := range []struct {
		ci              string
		failed, skipped bool
	}{
		{"true", true, false},
		{"", false, true},
		{"false", false, true},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		Missing(r, "no %s", "tool")
		if r.failed != tc.failed || r.skipped != tc.skipped {
			t.Errorf("CI=%q: got failed %v skipped %v, want %v %v", tc.ci, r.failed, r.skipped, tc.failed, tc.skipped)
		}
		r = &recorder{TB: t}
		Tool(r, "no-such-tool-anycastdns")
		if r.failed != tc.failed || r.skipped != tc.skipped {
			t.Errorf("Tool, CI=%q: got failed %v skipped %v, want %v %v", tc.ci, r.failed, r.skipped, tc.failed, tc.skipped)
		}
	}
	r := &recorder{TB: t}
	if p := Tool(r, "sh"); p == "" || r.failed || r.skipped {
		t.Errorf("Tool(sh): got %q failed %v skipped %v, want a path", p, r.failed, r.skipped)
	}
}

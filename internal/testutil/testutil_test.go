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

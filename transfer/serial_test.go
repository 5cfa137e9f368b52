package transfer

import "testing"

func TestSerialLess(t *testing.T) {
	for _, c := range []struct {
		a, b uint32
		less bool
	}{
		{1, 2, true},
		{2, 1, false},
		{5, 5, false},
		{0xFFFFFFFF, 0, true}, // wraps (RFC 1982 section 3.2)
		{0, 0xFFFFFFFF, false},
		{0xFFFFFFF0, 10, true},
		{1, 1 + 1<<31 - 1, true},
		{1, 1 + 1<<31, false}, // exactly 2^31 apart: undefined, neither newer
		{1 + 1<<31, 1, false},
		{2024010100, 2024010101, true},
	} {
		if got := serialLess(c.a, c.b); got != c.less {
			t.Errorf("serialLess(%d, %d) = %v, want %v", c.a, c.b, got, c.less)
		}
		if got := serialNewer(c.b, c.a); got != c.less {
			t.Errorf("serialNewer(%d, %d) = %v, want %v", c.b, c.a, got, c.less)
		}
	}
}

package announce

import "testing"

func TestParseCommunity(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"65001:53", 65001<<16 | 53, true},
		{"0:0", 0, true},
		{"65535:65535", 0xffffffff, true},
		{"no-export", 0xffffff01, true},    // RFC 1997
		{"NO-ADVERTISE", 0xffffff02, true}, // RFC 1997
		{"NO_EXPORT", 0xffffff01, true},    // as RFC 1997 spells it
		{"graceful-shutdown", 0xffff0000, true},
		{"planned-shut", 0xffff0000, true},
		{"4259840053", 4259840053, true},
		{"65536:1", 0, false},
		{"1:65536", 0, false},
		{"-1:1", 0, false},
		{"a:b", 0, false},
		{"no-such-name", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseCommunity(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseCommunity(%q): got %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := FormatCommunity(GracefulShutdown); got != "65535:0" {
		t.Errorf("FormatCommunity(GracefulShutdown): got %q, want 65535:0", got)
	}
}

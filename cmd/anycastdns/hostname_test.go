package main

import (
	"errors"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// The node warns when the router will see another name than the identity, and only
// then.
func TestWarnHostnameCapability(t *testing.T) {
	tests := []struct {
		name     string
		identity string
		host     string
		err      error
		warn     bool
	}{
		{"host name is the identity", "pop-ams1", "pop-ams1", nil, false},
		{"host name differs", "pop-ams1", "4f1c2a9e0b7d", nil, true},
		{"no host name", "pop-ams1", "", errors.New("uname failed"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			warnHostnameCapability(zap.New(core), tc.identity, func() (string, error) { return tc.host, tc.err })
			if got := logs.Len(); got != map[bool]int{true: 1, false: 0}[tc.warn] {
				t.Fatalf("got %d warnings %v, want warning %v", got, logs.All(), tc.warn)
			}
			if tc.warn {
				m := logs.All()[0].ContextMap()
				if m["hostname"] != tc.host || m["identity"] != tc.identity {
					t.Errorf("got fields %v, want hostname %q and identity %q", m, tc.host, tc.identity)
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/config"
)

func TestLogger(t *testing.T) {
	tests := []struct {
		cfg       config.Log
		wantLines int    // lines written for one debug and one info entry
		wantIn    string // in the info line
	}{
		{config.Log{Level: "info", Format: "console"}, 1, "INFO\tzone loaded\t{\"zone\": \"example.org.\"}"},
		{config.Log{Level: "debug", Format: "console"}, 2, "zone loaded"},
		{config.Log{Level: "warn", Format: "console"}, 0, ""},
		{config.Log{Level: "info", Format: "json"}, 1, `"msg":"zone loaded"`},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		log, err := newLogger(tc.cfg, &buf)
		if err != nil {
			t.Fatalf("%+v: %v", tc.cfg, err)
		}
		log.Debug("detail")
		log.Info("zone loaded", zap.String("zone", "example.org."))
		out := buf.String()
		if got := strings.Count(out, "\n"); got != tc.wantLines {
			t.Errorf("%+v: got %d lines, want %d:\n%s", tc.cfg, got, tc.wantLines, out)
		}
		if !strings.Contains(out, tc.wantIn) {
			t.Errorf("%+v: got %q, want it to contain %q", tc.cfg, out, tc.wantIn)
		}
		if tc.cfg.Format == "json" {
			var m map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &m); err != nil || m["zone"] != "example.org." || m["level"] != "info" {
				t.Errorf("json line %q: got %v, %v, want an object with level and zone", out, m, err)
			}
		}
	}
}

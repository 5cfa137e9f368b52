package main

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// TestLogWarnings checks that a load's DNSSEC errors are logged as errors and its
// warnings as warnings, each list capped at maxProblemsLogged.
func TestLogWarnings(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	n := &node{log: zap.New(core)}
	problems := func(rule string, count int) []*zonefile.Error {
		out := make([]*zonefile.Error, count)
		for i := range out {
			out[i] = &zonefile.Error{File: "z", Line: i + 1, Rule: rule, Msg: "m"}
		}
		return out
	}
	n.logWarnings(zone.LoadResult{Origin: "example.", Warnings: problems("missing-glue", 1),
		DNSSEC: &zone.DNSSECReport{Errors: problems("rrsig-expired", maxProblemsLogged+5), Warnings: problems("nsec3-salt", 1)}})
	count := func(level zapcore.Level, msg string) int {
		return logs.Filter(func(e observer.LoggedEntry) bool { return e.Level == level && e.Message == msg }).Len()
	}
	if got := count(zapcore.ErrorLevel, "zone DNSSEC error"); got != maxProblemsLogged {
		t.Errorf("DNSSEC errors logged: got %d, want %d", got, maxProblemsLogged)
	}
	if got := count(zapcore.ErrorLevel, "more zone problems not logged; run anycastdns check to see them all"); got != 1 {
		t.Errorf("lines about the DNSSEC errors not logged: got %d, want 1", got)
	}
	if got := count(zapcore.WarnLevel, "zone warning"); got != 2 {
		t.Errorf("warnings logged: got %d, want 2 (the zone's and the DNSSEC one)", got)
	}
}

package announce

import (
	"testing"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestZapLoggerSharesLevel(t *testing.T) {
	level := zap.NewAtomicLevelAt(zap.InfoLevel)
	core, logs := observer.New(level)
	l := newZapLogger(zap.New(core), level)

	if got := l.GetLevel(); got != gobgplog.InfoLevel {
		t.Errorf("GetLevel: got %v, want info", got)
	}
	l.Debug("hidden", nil)
	l.Info("shown", gobgplog.Fields{"Topic": "Peer", "Key": "192.0.2.1"})
	level.SetLevel(zap.DebugLevel) // the program changes the level…
	if got := l.GetLevel(); got != gobgplog.DebugLevel {
		t.Errorf("GetLevel after zap change: got %v, want debug", got)
	}
	l.Debug("now shown", nil)
	l.SetLevel(gobgplog.WarnLevel) // …and GoBGP changes it back
	if got := level.Level(); got != zapcore.WarnLevel {
		t.Errorf("zap level after SetLevel: got %v, want warn", got)
	}
	l.Info("hidden again", nil)
	l.Warn("warned", nil)
	l.Error("failed", nil)

	var got []string
	for _, e := range logs.All() {
		got = append(got, e.LoggerName+" "+e.Level.String()+" "+e.Message)
	}
	want := []string{"gobgp info shown", "gobgp debug now shown", "gobgp warn warned", "gobgp error failed"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %q, want %q", i, got[i], want[i])
		}
	}
	if f := logs.All()[0].ContextMap(); f["Key"] != "192.0.2.1" || f["Topic"] != "Peer" {
		t.Errorf("fields: got %v, want Topic and Key carried over", f)
	}
}

func TestLevelMapping(t *testing.T) {
	for _, lv := range []gobgplog.LogLevel{gobgplog.PanicLevel, gobgplog.FatalLevel, gobgplog.ErrorLevel, gobgplog.WarnLevel, gobgplog.InfoLevel, gobgplog.DebugLevel} {
		if got := fromZap(toZap(lv)); got != lv {
			t.Errorf("round trip %v: got %v", lv, got)
		}
	}
	if got := toZap(gobgplog.TraceLevel); got != zapcore.DebugLevel {
		t.Errorf("trace: got %v, want debug (zap has no trace)", got)
	}
}

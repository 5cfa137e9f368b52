package announce

import (
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger adapts zap to GoBGP's logger interface. It shares the program's
// zap.AtomicLevel, so changing the level from either side changes it for
// both and the two never disagree.
type zapLogger struct {
	log   *zap.Logger
	level zap.AtomicLevel
}

var _ gobgplog.Logger = (*zapLogger)(nil)

func newZapLogger(log *zap.Logger, level zap.AtomicLevel) *zapLogger {
	return &zapLogger{log: log.Named("gobgp"), level: level}
}

func fields(f gobgplog.Fields) []zap.Field {
	out := make([]zap.Field, 0, len(f))
	for k, v := range f {
		out = append(out, zap.Any(k, v))
	}
	return out
}

// Panic logs and panics: GoBGP calls it only on internal logic errors.
func (l *zapLogger) Panic(msg string, f gobgplog.Fields) { l.log.Panic(msg, fields(f)...) }

// Fatal logs and exits: GoBGP calls it only when it cannot continue (an
// AS-path it cannot convert, a policy it cannot build), the same contract as
// its default logrus logger.
func (l *zapLogger) Fatal(msg string, f gobgplog.Fields) { l.log.Fatal(msg, fields(f)...) }

// Error logs at error level.
func (l *zapLogger) Error(msg string, f gobgplog.Fields) { l.log.Error(msg, fields(f)...) }

// Warn logs at warn level.
func (l *zapLogger) Warn(msg string, f gobgplog.Fields) { l.log.Warn(msg, fields(f)...) }

// Info logs at info level.
func (l *zapLogger) Info(msg string, f gobgplog.Fields) { l.log.Info(msg, fields(f)...) }

// Debug logs at debug level.
func (l *zapLogger) Debug(msg string, f gobgplog.Fields) { l.log.Debug(msg, fields(f)...) }

// SetLevel sets the shared zap level.
func (l *zapLogger) SetLevel(level gobgplog.LogLevel) { l.level.SetLevel(toZap(level)) }

// GetLevel reads the shared zap level.
func (l *zapLogger) GetLevel() gobgplog.LogLevel { return fromZap(l.level.Level()) }

func toZap(level gobgplog.LogLevel) zapcore.Level {
	switch level {
	case gobgplog.PanicLevel:
		return zapcore.PanicLevel
	case gobgplog.FatalLevel:
		return zapcore.FatalLevel
	case gobgplog.ErrorLevel:
		return zapcore.ErrorLevel
	case gobgplog.WarnLevel:
		return zapcore.WarnLevel
	case gobgplog.InfoLevel:
		return zapcore.InfoLevel
	}
	return zapcore.DebugLevel // zap has no trace level
}

func fromZap(level zapcore.Level) gobgplog.LogLevel {
	switch {
	case level >= zapcore.FatalLevel:
		return gobgplog.FatalLevel
	case level >= zapcore.DPanicLevel:
		return gobgplog.PanicLevel
	case level == zapcore.ErrorLevel:
		return gobgplog.ErrorLevel
	case level == zapcore.WarnLevel:
		return gobgplog.WarnLevel
	case level == zapcore.InfoLevel:
		return gobgplog.InfoLevel
	}
	return gobgplog.DebugLevel
}

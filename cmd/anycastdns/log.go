package main

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/anycastdns/anycastdns/internal/config"
)

// newLogger returns a logger writing to w at cfg.Level, as console text or as JSON.
// The configuration has been validated.
func newLogger(cfg config.Log, w io.Writer) (*zap.Logger, error) {
	log, _, err := newLeveledLogger(cfg, w)
	return log, err
}

// newLeveledLogger is newLogger that also returns the logger's level, which the BGP
// speaker shares with GoBGP's own logger.
func newLeveledLogger(cfg config.Log, w io.Writer) (*zap.Logger, zap.AtomicLevel, error) {
	l, err := zapcore.ParseLevel(cfg.Level)
	if err != nil {
		return nil, zap.AtomicLevel{}, err
	}
	level := zap.NewAtomicLevelAt(l)
	var enc zapcore.Encoder
	if cfg.Format == "json" {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		ec.EncodeDuration = zapcore.SecondsDurationEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.RFC3339TimeEncoder
		ec.EncodeDuration = zapcore.StringDurationEncoder
		ec.EncodeCaller = nil
		ec.CallerKey = zapcore.OmitKey
		ec.StacktraceKey = zapcore.OmitKey
		enc = zapcore.NewConsoleEncoder(ec)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), level)), level, nil
}

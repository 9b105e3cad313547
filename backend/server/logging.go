package server

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"gopkg.in/natefinch/lumberjack.v2"
)

// NewLogger returns the root logger: human-readable on a terminal, JSON
// otherwise, and always JSON into <data>/logs/fiskaldesk.log (rotated).
// The returned closer flushes and closes the log file.
func NewLogger(cfg Config, console *os.File) (zerolog.Logger, io.Closer, error) {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		return zerolog.Nop(), nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "logs"), 0o700); err != nil {
		return zerolog.Nop(), nil, err
	}
	file := &lumberjack.Logger{
		Filename:   filepath.Join(cfg.DataDir, "logs", "fiskaldesk.log"),
		MaxSize:    20, // MiB
		MaxBackups: 5,
	}
	var out io.Writer = console
	if isatty.IsTerminal(console.Fd()) {
		out = zerolog.ConsoleWriter{Out: console, TimeFormat: time.TimeOnly}
	}
	log := zerolog.New(zerolog.MultiLevelWriter(out, file)).Level(level).With().Timestamp().Logger()
	return log, file, nil
}

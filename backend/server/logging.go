package server

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"gopkg.in/natefinch/lumberjack.v2"
)

// NewLogger returns the root logger: human-readable on a terminal, JSON
// otherwise, and always JSON into <data>/logs/fiskaldesk.log (rotated).
// Lines are written in batches (batchWriter): at most every
// logFlushInterval, at once for warnings and errors. The returned closer
// flushes and closes the log file.
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
	bf := newBatchWriter(file, logFlushInterval)
	cs := closers{bf, file}
	var out io.Writer
	if isatty.IsTerminal(console.Fd()) {
		// Someone watches: line by line (ConsoleWriter also reads one
		// event per write).
		out = zerolog.ConsoleWriter{Out: console, TimeFormat: time.TimeOnly}
	} else {
		bc := newBatchWriter(console, logFlushInterval)
		out, cs = bc, closers{bc, bf, file}
	}
	log := zerolog.New(zerolog.MultiLevelWriter(out, bf)).Level(level).With().Timestamp().Logger()
	return log, cs, nil
}

// logFlushInterval is how long an info line may wait in the batch: the
// access log writes one line per request, and two write calls per
// request (console and file) cost more CPU than signing at 10,000
// requests/s (docs/BENCHMARKS.md › Server CPU per operation).
const logFlushInterval = 100 * time.Millisecond

// batchWriter collects log lines and writes them to out together: on a
// timer, when 64 KiB are waiting, and at once for a warning or worse (so
// what explains a failure is out before anything else can go wrong). A
// kill -9 loses at most the info lines of the last interval; a normal stop
// flushes.
type batchWriter struct {
	out  io.Writer
	mu   sync.Mutex
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

func newBatchWriter(out io.Writer, every time.Duration) *batchWriter {
	b := &batchWriter{out: out, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				b.flush()
				b.mu.Unlock()
			}
		}
	}()
	return b
}

const batchMax = 64 << 10

func (b *batchWriter) Write(p []byte) (int, error) { return b.WriteLevel(zerolog.NoLevel, p) }

func (b *batchWriter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if (l >= zerolog.WarnLevel && l != zerolog.NoLevel) || len(b.buf) >= batchMax {
		b.flush()
	}
	return len(p), nil
}

// flush writes what waits; b.mu is held. Errors of the outputs are
// dropped as zerolog drops them.
func (b *batchWriter) flush() {
	if len(b.buf) == 0 {
		return
	}
	_, _ = b.out.Write(b.buf)
	if cap(b.buf) > 4*batchMax {
		b.buf = nil // a burst made it big: let it go
	} else {
		b.buf = b.buf[:0]
	}
}

// Close stops the timer and writes what waits.
func (b *batchWriter) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flush()
	return nil
}

// closers closes each in order.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

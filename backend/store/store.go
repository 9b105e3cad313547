package store

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Logger receives Badger's messages and the store's own; defaults to a no-op logger.
	Logger zerolog.Logger
	// GCInterval is how often the value-log GC runs; 0 means DefaultGCInterval,
	// a negative value disables the loop (tests).
	GCInterval time.Duration
	// MinFreeBytes is the free disk space Update insists on; 0 means
	// DefaultMinFreeBytes, a negative value disables the check.
	MinFreeBytes int64
	// freeBytes replaces the file system query in tests.
	freeBytes func(dir string) (uint64, error)
}

// DefaultGCInterval is the pause between value-log GC runs.
const DefaultGCInterval = 10 * time.Minute

// Store is an open fiskaldesk database. It is safe for concurrent use.
type Store struct {
	db   *badger.DB
	dir  string
	log  zerolog.Logger
	stop chan struct{}
	wg   sync.WaitGroup

	minFree   uint64
	freeBytes func(dir string) (uint64, error)
	diskFull  atomic.Bool // logs the change, not every refused write
	ob        outbox

	mu     sync.RWMutex // guards closed against Close racing with operations
	closed bool
}

// Open opens (creating if needed) the Badger database in dir with
// SyncWrites on, checks the store format and runs pending migrations.
//
// It returns ErrLocked when another process holds dir, ErrNewerFormat when
// the data comes from a newer binary and ErrUnknownData for a database
// without a fiskaldesk format key; each wrapped with the directory name.
func Open(dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(badgerLogger{opt.Logger.With().Str("component", "badger").Logger()}).
		WithNumVersionsToKeep(1).
		// 256 MiB value-log files instead of 1 GiB keep a new data dir small.
		WithValueLogFileSize(256 << 20).
		// A 32 MiB block cache instead of 256 MiB: a 1,000,000-log TAR
		// export peaked at 513 MiB anonymous RSS with the default and at
		// 174 MiB with this, at the same speed (docs/BENCHMARKS.md).
		WithBlockCacheSize(32 << 20)
	db, err := badger.Open(bo)
	if err != nil {
		if lockedByOther(err) {
			return nil, fmt.Errorf("open store %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, dir: dir, log: opt.Logger, stop: make(chan struct{}), freeBytes: freeBytes}
	switch {
	case opt.MinFreeBytes == 0:
		s.minFree = DefaultMinFreeBytes
	case opt.MinFreeBytes > 0:
		s.minFree = uint64(opt.MinFreeBytes)
	}
	if opt.freeBytes != nil {
		s.freeBytes = opt.freeBytes
	}
	if err := s.checkFormat(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := s.loadOutbox(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if opt.GCInterval >= 0 {
		interval := opt.GCInterval
		if interval == 0 {
			interval = DefaultGCInterval
		}
		s.wg.Add(1)
		go s.gcLoop(interval)
	}
	return s, nil
}

// lockedByOther tells whether Badger refused to open because another
// process holds the directory: flock fails on Unix; on Windows creating
// the LOCK file fails with a sharing violation. Badger formats the cause
// into its message instead of wrapping it, so the text is all there is.
func lockedByOther(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot acquire directory lock") ||
		strings.Contains(msg, "Another process is using this Badger database")
}

// Dir is the directory the database lives in.
func (s *Store) Dir() string { return s.dir }

// DB exposes the Badger handle to domain packages' store ops. Callers must
// not close it.
func (s *Store) DB() *badger.DB { return s.db }

// Close stops the GC loop and closes the database. It is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.wg.Wait()
	return s.db.Close()
}

// View runs fn in a read-only transaction. Returns ErrClosed after Close.
func (s *Store) View(fn func(txn *badger.Txn) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.db.View(fn)
}

// maxConflictRetries bounds Update's retries on badger.ErrConflict.
const maxConflictRetries = 8

// Update runs fn in a read-write transaction and commits it durably.
// fn may run more than once: on badger.ErrConflict the transaction is
// retried a bounded number of times with a small jittered backoff, so fn
// must have no side effects outside txn. Do expensive work (signing,
// encoding) before calling Update.
func (s *Store) Update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.checkSpace(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := s.update(fn)
		if !errors.Is(err, badger.ErrConflict) || attempt == maxConflictRetries {
			return err
		}
		backoff := time.Duration(1+rand.IntN(1<<min(attempt, 5))) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// Get returns a copy of the value stored under key, or ErrNotFound.
func Get(txn *badger.Txn, key []byte) ([]byte, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// Insert stores value under key, or returns ErrAlreadyExists.
func Insert(txn *badger.Txn, key, value []byte) error {
	if _, err := txn.Get(key); err == nil {
		return ErrAlreadyExists
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	return Set(txn, key, value)
}

// InstanceID returns the random id created with this store.
func (s *Store) InstanceID() ([]byte, error) {
	var id []byte
	err := s.View(func(txn *badger.Txn) (err error) {
		id, err = Get(txn, keyInstance)
		return err
	})
	return id, err
}

func (s *Store) gcLoop(interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// Rewrite files while GC finds something; the ratio is the one
			// go-ds-badger settled on.
			for s.db.RunValueLogGC(0.5) == nil {
				select {
				case <-s.stop:
					return
				default:
				}
			}
		}
	}
}

// newInstanceID is a variable so tests of fresh stores stay deterministic if needed.
var newInstanceID = func() []byte {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return b
}

// DataDirDB is the name of the Badger directory inside a fiskaldesk data dir.
const DataDirDB = "db"

// DBDir returns the Badger directory for the data dir dataDir.
func DBDir(dataDir string) string { return filepath.Join(dataDir, DataDirDB) }

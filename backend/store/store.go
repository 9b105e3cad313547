package store

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

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
	// Memory sizes Badger's memtables, caches and compactions; zero
	// fields are the workstation defaults (DefaultMemory).
	Memory Memory
	// freeBytes replaces the file system query in tests.
	freeBytes func(dir string) (uint64, error)
	// BeforeCommit, for tests of what happens when a commit fails: when
	// set, it runs in every Update after fn and before the commit, and an
	// error from it fails that Update as a failed write would (nothing is
	// stored, the error is returned). It may also block, to hold commits
	// back while requests queue up.
	BeforeCommit func() error
}

// DefaultGCInterval is the pause between value-log GC runs.
const DefaultGCInterval = 10 * time.Minute

// Store is an open fiskaldesk database. It is safe for concurrent use.
// Domain code holds a *Store and works in its transactions (View,
// Update) through Tx; which engine runs underneath is the store's
// business.
type Store struct {
	eng engine
	dir string // "" for the in-memory engine
	log zerolog.Logger

	minFree      uint64
	freeBytes    func(dir string) (uint64, error)
	beforeCommit func() error
	diskFull     atomic.Bool // logs the change, not every refused write
	gen          atomic.Uint64
	ob           outbox

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
	PrivateFiles()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := opt.Memory.Validate(); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// Before the files are read: a directory that another process has open
	// changes under the checks (compactions replace tables), which would
	// then report a running store as damaged.
	if heldByOther(dir) {
		return nil, fmt.Errorf("open store %s: %w", dir, ErrLocked)
	}
	if err := checkFiles(dir); err != nil {
		return nil, err
	}
	since, err := verifyTables(dir, false)
	if err != nil {
		return nil, err
	}
	if err := privatise(dir); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	eng, err := openBadger(dir, since, opt.Logger, opt.GCInterval, opt.Memory)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, damaged(dir, err))
	}
	s := &Store{eng: eng, dir: dir, log: opt.Logger, freeBytes: freeBytes, beforeCommit: opt.BeforeCommit}
	switch {
	case opt.MinFreeBytes == 0:
		s.minFree = DefaultMinFreeBytes
	case opt.MinFreeBytes > 0:
		s.minFree = uint64(opt.MinFreeBytes)
	}
	if opt.freeBytes != nil {
		s.freeBytes = opt.freeBytes
	}
	if err := s.init(); err != nil {
		_ = eng.close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return s, nil
}

// OpenMemory returns a new, empty store held in memory: a fresh instance
// with the same semantics as Open's (transactions, conflicts, the outbox)
// but nothing on disk, for tests. Options' GC and disk-space settings do
// not apply.
func OpenMemory(opt Options) (*Store, error) {
	s := &Store{eng: newMemEngine(), log: opt.Logger, beforeCommit: opt.BeforeCommit}
	if err := s.init(); err != nil {
		return nil, fmt.Errorf("open in-memory store: %w", err)
	}
	return s, nil
}

// OpenPostgres opens (creating the tables if needed) the store in the
// PostgreSQL database at url, a postgres:// URL (pgx's syntax; search_path
// selects a schema, pool_max_conns the pool size, default 32). Several
// processes may open the same database at once: they are one instance
// (one instance id, one outbox), each an API node of the central
// (docs/scale.md). Options' GC, disk-space and memory settings do not
// apply: the database server manages its own disk.
func OpenPostgres(ctx context.Context, url string, opt Options) (*Store, error) {
	eng, err := openPostgres(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &Store{eng: eng, log: opt.Logger, beforeCommit: opt.BeforeCommit}
	// Two nodes starting on a new database must not both stamp it.
	if err := eng.exclusive(ctx, "init", s.init); err != nil {
		_ = eng.close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

// Shared reports whether other processes may write this store's
// database at the same time (PostgreSQL): in-process state that assumes
// one writer (a TSS committer's cached counters) must then be checked
// against the database.
func (s *Store) Shared() bool {
	_, ok := s.eng.(*pgEngine)
	return ok
}

// Exclusive runs fn while no other process sharing the database runs
// Exclusive with the same name (a PostgreSQL advisory lock). On an
// engine only this process opens it just runs fn: the caller's own
// in-process exclusion is all there is to have.
func (s *Store) Exclusive(ctx context.Context, name string, fn func() error) error {
	if e, ok := s.eng.(*pgEngine); ok {
		return e.exclusive(ctx, name, fn)
	}
	return fn()
}

// init checks the format (stamping a new store) and loads the outbox state.
func (s *Store) init() error {
	if err := s.checkFormat(); err != nil {
		return err
	}
	return s.loadOutbox()
}

// Dir is the directory the database lives in ("" in memory).
func (s *Store) Dir() string { return s.dir }

// Close closes the database. It is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	return s.eng.close()
}

// Settle waits until the store has no background work due (Badger: no
// compaction pending) or ctx ends. A bulk load (bench seed) calls it before
// it closes, so that the next process opening the store does not inherit
// the loader's compaction backlog. Other engines have nothing to wait for.
func (s *Store) Settle(ctx context.Context) error {
	if e, ok := s.eng.(interface{ settle(context.Context) error }); ok {
		return e.settle(ctx)
	}
	return nil
}

// View runs fn in a read-only transaction on a consistent snapshot.
// Returns ErrClosed after Close; Set and Delete in fn return ErrReadOnly.
func (s *Store) View(fn func(tx Tx) error) error {
	return s.view(func(t *txn) error { return fn(t) })
}

func (s *Store) view(fn func(t *txn) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	t := &txn{e: s.eng.begin(false)}
	defer t.e.discard()
	if err := fn(t); err != nil {
		return err
	}
	// An engine whose reads can fail mid-walk (a lost connection) keeps
	// the error; an iterator cannot return it, the View does.
	if f, ok := t.e.(interface{ failed() error }); ok {
		return f.failed()
	}
	return nil
}

// maxConflictRetries and maxConflictWait bound Update's retries on
// ErrConflict: at least 8 tries, then more while the first try is less
// than 5 s ago. Badger rarely needs a second try; PostgreSQL's
// serializable isolation reports false conflicts under load (its
// predicate locks cover index pages, not keys), and with 64 writers on 8
// TSS a few requests ran out of 8 tries in about a second and answered
// 500 (docs/scale.md).
const (
	maxConflictRetries = 8
	maxConflictWait    = 5 * time.Second
)

// Update runs fn in a read-write transaction and commits it durably,
// together with the outbox entry of what it wrote. If fn returns an error
// (or panics), nothing is written.
//
// fn may run more than once: on ErrConflict the transaction is retried a
// bounded number of times with a small jittered backoff, so fn must have
// no side effects outside tx. Do expensive work (signing, encoding)
// before calling Update. ErrDiskFull: too little space to write safely.
func (s *Store) Update(ctx context.Context, fn func(tx Tx) error) error {
	return s.updateRetry(ctx, func(t *txn) error { return fn(t) })
}

func (s *Store) updateRetry(ctx context.Context, fn func(t *txn) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.checkSpace(); err != nil {
		return err
	}
	if hook := s.beforeCommit; hook != nil {
		inner := fn
		fn = func(t *txn) error {
			if err := inner(t); err != nil {
				return err
			}
			return hook()
		}
	}
	first := time.Now()
	for attempt := 0; ; attempt++ {
		err := s.update(fn)
		if !errors.Is(err, ErrConflict) || attempt >= maxConflictRetries && time.Since(first) > maxConflictWait {
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

// Insert stores value under key, or returns ErrAlreadyExists.
func Insert(tx Tx, key, value []byte) error {
	if ok, err := Exists(tx, key); err != nil {
		return err
	} else if ok {
		return ErrAlreadyExists
	}
	return tx.Set(key, value)
}

// Generation is a number that moves after every commit that wrote
// anything but signing data (the keys of signingKey: logs, transactions,
// their indexes, the TSS counters, the outbox): organizations, users,
// memberships, API keys, TSS records, clients, whatever sync applies.
// Caches of what those decide — a verified token's principal, an
// organization's access check — stay valid while it stays the same:
// read it before reading the store, keep it with what was read, and
// read again when it has moved. It moves only after the commit is
// visible, so a request that starts after a change was answered sees
// the new number. Signing does not move it.
//
// On PostgreSQL, where other processes commit too, the number is read
// from the database at every call (a stripe row bumped in each such
// commit; measured in docs/scale.md): a key disabled through one node is
// refused by every node at once. If the read fails, the number returned
// has never been returned before, so no cache entry is trusted.
func (s *Store) Generation() uint64 {
	if e, ok := s.eng.(*pgEngine); ok {
		n, err := e.generation()
		if err != nil {
			return 1<<63 | s.gen.Add(1)
		}
		return n
	}
	return s.gen.Load()
}

// moved advances the generation after a successful commit of t that
// wrote other than signing data.
func (s *Store) moved(t *txn, err *error) {
	if *err == nil && t.other {
		s.gen.Add(1)
	}
}

// InstanceID returns the random id created with this store.
func (s *Store) InstanceID() ([]byte, error) {
	var id []byte
	err := s.View(func(tx Tx) (err error) {
		id, err = tx.Get(keyInstance)
		return err
	})
	return id, err
}

// newInstanceID is a variable so tests of fresh stores stay deterministic if needed.
var newInstanceID = func() ([]byte, error) {
	b := make([]byte, 16)
	_, err := crand.Read(b)
	return b, err
}

// DataDirDB is the name of the Badger directory inside a fiskaldesk data dir.
const DataDirDB = "db"

// DBDir returns the Badger directory for the data dir dataDir.
func DBDir(dataDir string) string { return filepath.Join(dataDir, DataDirDB) }

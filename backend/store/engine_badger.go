package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/rs/zerolog"
)

// badgerEngine is the default engine: Badger, embedded, SyncWrites on.
type badgerEngine struct {
	db *badger.DB
	// dir and since: the tables with ids above since are the ones this
	// process writes; a clean close records them as verified.
	dir   string
	since uint64
	// order is held from a commit's ordered hook until Badger has given
	// the commit its timestamp (CommitWith does before returning); the
	// durable write is awaited outside it, so commits still share fsyncs.
	order sync.Mutex
	stop  chan struct{}
	wg    sync.WaitGroup
}

// openBadger opens the Badger database in dir with the memory sizes m
// (defaults filled in); gcInterval < 0 disables the value-log GC loop.
// since is the newest table id before the open (verifyTables).
func openBadger(dir string, since uint64, log zerolog.Logger, gcInterval time.Duration, m Memory) (*badgerEngine, error) {
	if err := removeDeletedMemtableLogs(dir, log); err != nil {
		return nil, err
	}
	db, err := badger.Open(badgerOptions(dir, log, m))
	if err != nil {
		if lockedByOther(err) {
			return nil, ErrLocked
		}
		return nil, err
	}
	e := &badgerEngine{db: db, dir: dir, since: since, stop: make(chan struct{})}
	if gcInterval >= 0 {
		if gcInterval == 0 {
			gcInterval = DefaultGCInterval
		}
		e.wg.Add(1)
		go e.gcLoop(gcInterval)
	}
	return e, nil
}

// badgerOptions are the options every fiskaldesk Badger is opened with.
func badgerOptions(dir string, log zerolog.Logger, m Memory) badger.Options {
	m = m.withDefaults()
	const mib = 1 << 20
	memtable := int64(m.MemTableMB) * mib
	// A memtable log (.mem) left by an unclean stop is replayed into a
	// memtable of the configured size; one written with bigger memtables
	// (an older version, other settings) would not fit and Badger would
	// panic. Such a store opens once with the size it was written with.
	memtable = max(memtable, leftMemtableSize(dir))
	bo := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithLogger(badgerLogger{log.With().Str("component", "badger").Logger()}).
		WithNumVersionsToKeep(1).
		// 256 MiB value-log files instead of 1 GiB keep a new data dir
		// small. Values up to 1 MiB stay in the LSM tree (Badger's
		// default threshold), so ours all do; the value log is the
		// write-ahead log of large values only.
		WithValueLogFileSize(256 << 20).
		// Memory bounded by configuration, not by the store (memory.go,
		// docs/BENCHMARKS.md › Memory).
		WithMemTableSize(memtable).
		WithNumMemtables(m.MemTables).
		WithBlockCacheSize(int64(m.BlockCacheMB) * mib).
		WithIndexCacheSize(0). // indexes are read from the mapped tables (memory.go)
		WithBaseTableSize(int64(m.TableMB) * mib).
		WithNumCompactors(m.Compactors).
		// Badger's metrics (expvar counters updated on every read) are
		// not exported anywhere; they cost CPU on the export path.
		WithMetricsEnabled(false).
		// Every block's checksum is verified when it is read from disk, so
		// a block damaged while running is an error, not garbage. Tables
		// are verified before open by verifyTables (integrity.go).
		WithChecksumVerificationMode(options.OnBlockRead).
		// Blocks uncompressed. Badger fills a table up to its size in
		// *compressed* bytes, so with Snappy a compaction's table builder
		// holds ~3 × TableMB of raw blocks plus their compressed copies and
		// its arena (made 2 × TableMB) doubles twice: 26 builders of ~7 MiB
		// at first open after a bulk load, 140 MiB and growing with the
		// compression ratio (docs/BENCHMARKS.md › the million-receipt
		// table). Uncompressed, a builder never outgrows its arena, so
		// Memory.Budget holds. The price is disk (1M receipts: 3.6 GB
		// instead of 1.6 GB); reads skip the decoding. Tables written
		// compressed by older versions stay readable: the MANIFEST records
		// each table's compression.
		WithCompression(options.None)
	// Every level's tables the same size (Badger doubles them per level
	// by default, and a compaction's builders hold 2 × the table size
	// each): what a compaction holds no longer grows with the store.
	bo.TableSizeMultiplier = 1
	return bo
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

// removeDeletedMemtableLogs removes memtable logs of zero bytes. Badger
// deletes the log of a flushed memtable by truncating it to zero, closing
// and then removing it; a process killed between the two leaves an empty
// .mem file, which Badger's open refuses ("while opening fid: N err:
// Create a new file") although it holds nothing: every entry of it is in a
// table already. Badger creates a new log at its full size at once, so a
// zero-byte one is always such a leftover.
func removeDeletedMemtableLogs(dir string, log zerolog.Logger) error {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, name := range logs {
		if fi, err := os.Stat(name); err == nil && fi.Size() == 0 {
			if err := os.Remove(name); err != nil {
				return fmt.Errorf("open store %s: remove the empty memtable log left by a kill: %w", dir, err)
			}
			log.Info().Str("file", filepath.Base(name)).Msg("removed an empty memtable log left by a process killed while deleting it")
		}
	}
	return nil
}

// leftMemtableSize is the memtable size the largest memtable log in dir
// was written with (Badger makes each file twice the memtable size), or 0.
func leftMemtableSize(dir string) int64 {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	var size int64
	for _, name := range logs {
		if fi, err := os.Stat(name); err == nil {
			size = max(size, fi.Size()/2)
		}
	}
	return size
}

func (e *badgerEngine) gcLoop(interval time.Duration) {
	defer e.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			// Rewrite files while GC finds something; the ratio is the one
			// go-ds-badger settled on.
			for e.db.RunValueLogGC(0.5) == nil {
				select {
				case <-e.stop:
					return
				default:
				}
			}
		}
	}
}

func (e *badgerEngine) close() error {
	close(e.stop)
	e.wg.Wait()
	if err := e.db.Close(); err != nil {
		return err
	}
	recordWritten(e.dir, e.since)
	return nil
}

// settle waits until Badger has no compaction due: no level above its
// target size, level 0 below the count that starts a compaction.
func (e *badgerEngine) settle(ctx context.Context) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		due := false
		for _, l := range e.db.Levels() {
			due = due || l.Score >= 1
		}
		if !due {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (e *badgerEngine) maxVersion() uint64 { return e.db.MaxVersion() }

func (e *badgerEngine) backup(w io.Writer) (uint64, error) { return e.db.Backup(w, 0) }

func (e *badgerEngine) begin(write bool) engineTxn {
	return &badgerTxn{e: e, t: e.db.NewTransaction(write)}
}

type badgerTxn struct {
	e *badgerEngine
	t *badger.Txn
}

func (t *badgerTxn) get(key []byte) ([]byte, error) {
	item, err := t.t.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

func (t *badgerTxn) set(key, value []byte) error { return t.t.Set(key, value) }
func (t *badgerTxn) delete(key []byte) error     { return t.t.Delete(key) }
func (t *badgerTxn) discard()                    { t.t.Discard() }

func (t *badgerTxn) commit(ordered func() error) error {
	if ordered == nil {
		return badgerErr(t.t.Commit())
	}
	done := make(chan error, 1)
	t.e.order.Lock()
	if err := ordered(); err != nil {
		t.e.order.Unlock()
		return err
	}
	t.t.CommitWith(func(err error) { done <- err })
	t.e.order.Unlock()
	return badgerErr(<-done)
}

func badgerErr(err error) error {
	if errors.Is(err, badger.ErrConflict) {
		return fmt.Errorf("%w (%w)", ErrConflict, err)
	}
	return err
}

func (t *badgerTxn) iterate(o IterOptions) Iterator {
	seek, end := iterBounds(o)
	bo := badger.IteratorOptions{PrefetchValues: !o.KeysOnly, PrefetchSize: 100, Reverse: o.Reverse}
	if !o.Reverse {
		// Lets Badger skip tables outside the prefix. A reverse walk
		// seeks to the prefix's end, a key outside it, which Badger's
		// prefix check would take for the end of the walk.
		bo.Prefix = o.Prefix
	}
	it := &badgerIter{it: t.t.NewIterator(bo), prefix: o.Prefix}
	if seek == nil {
		it.it.Rewind()
	} else {
		it.it.Seek(seek)
	}
	if o.Reverse && end != nil && it.it.Valid() && bytes.Compare(it.it.Item().Key(), end) >= 0 {
		it.it.Next()
	}
	return it
}

type badgerIter struct {
	it     *badger.Iterator
	prefix []byte
}

func (i *badgerIter) Valid() bool            { return i.it.ValidForPrefix(i.prefix) }
func (i *badgerIter) Key() []byte            { return i.it.Item().Key() }
func (i *badgerIter) Value() ([]byte, error) { return i.it.Item().ValueCopy(nil) }
func (i *badgerIter) Next()                  { i.it.Next() }
func (i *badgerIter) Close()                 { i.it.Close() }

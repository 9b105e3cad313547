package store

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/google/btree"
)

// memEngine keeps everything in an ordered map in memory: for unit tests
// of domain packages, which then need no temp dir and no fsync. It has
// Badger's semantics where tests can tell: snapshot reads, read-your-
// writes, and optimistic conflicts (a transaction whose read keys were
// changed by a commit since it began fails with ErrConflict, and Update
// retries it). Nothing is durable.
type memEngine struct {
	mu   sync.Mutex
	tree *btree.BTreeG[memItem] // committed state; cloned (copy on write) per transaction
	ts   uint64                 // last commit
	// written holds the commit of each key's last write (deletes too),
	// for conflict checks. It only grows: fine for tests.
	written map[string]uint64
}

type memItem struct{ k, v []byte }

func memLess(a, b memItem) bool { return bytes.Compare(a.k, b.k) < 0 }

func newMemEngine() *memEngine {
	return &memEngine{tree: btree.NewG(16, memLess), written: map[string]uint64{}}
}

func (e *memEngine) begin(write bool) engineTxn {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := &memTxn{e: e, snap: e.tree.Clone(), readTs: e.ts, write: write}
	if write {
		t.reads = map[string]struct{}{}
		t.writes = map[string]*memItem{}
	}
	return t
}

func (e *memEngine) maxVersion() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ts
}

var errMemBackup = errors.New("store: the in-memory engine has no backup")

func (e *memEngine) backup(io.Writer) (uint64, error) { return 0, errMemBackup }
func (e *memEngine) close() error                     { return nil }

type memTxn struct {
	e      *memEngine
	snap   *btree.BTreeG[memItem] // the snapshot plus this transaction's writes
	readTs uint64
	write  bool
	reads  map[string]struct{}
	writes map[string]*memItem // nil value: deleted
	done   bool
}

func (t *memTxn) read(k []byte) {
	if t.write {
		t.reads[string(k)] = struct{}{}
	}
}

func (t *memTxn) get(key []byte) ([]byte, error) {
	if t.done {
		return nil, errors.New("store: transaction has ended")
	}
	t.read(key)
	it, ok := t.snap.Get(memItem{k: key})
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(it.v), nil
}

func (t *memTxn) set(key, value []byte) error {
	if !t.write || t.done {
		return ErrReadOnly
	}
	it := memItem{k: bytes.Clone(key), v: bytes.Clone(value)}
	if it.v == nil {
		it.v = []byte{}
	}
	t.snap.ReplaceOrInsert(it)
	t.writes[string(key)] = &it
	return nil
}

func (t *memTxn) delete(key []byte) error {
	if !t.write || t.done {
		return ErrReadOnly
	}
	t.snap.Delete(memItem{k: key})
	t.writes[string(key)] = nil
	return nil
}

func (t *memTxn) discard() { t.done = true }

func (t *memTxn) commit(ordered func() error) error {
	if t.done {
		return errors.New("store: transaction has ended")
	}
	defer t.discard()
	if !t.write {
		return nil
	}
	e := t.e
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range t.reads {
		if e.written[k] > t.readTs {
			return ErrConflict
		}
	}
	if ordered != nil {
		if err := ordered(); err != nil {
			return err
		}
	}
	if len(t.writes) == 0 {
		return nil
	}
	e.ts++
	for k, it := range t.writes {
		if it == nil {
			e.tree.Delete(memItem{k: []byte(k)})
		} else {
			e.tree.ReplaceOrInsert(*it)
		}
		e.written[k] = e.ts
	}
	return nil
}

// iterate walks a clone of the transaction's tree, so writes made while
// iterating are not seen (as with Badger, whose iterators take the
// pending writes when they are made). It reads a few items at a time
// from the last key on.
func (t *memTxn) iterate(o IterOptions) Iterator {
	seek, end := iterBounds(o)
	it := &memIter{t: t, tree: t.snap.Clone(), prefix: o.Prefix, end: end, reverse: o.Reverse}
	it.fill(seek, true)
	return it
}

type memIter struct {
	t       *memTxn
	tree    *btree.BTreeG[memItem]
	prefix  []byte
	end     []byte
	reverse bool
	buf     []memItem
	more    bool // the tree may hold keys past buf
	closed  bool
}

const memIterChunk = 64

// fill reads the next chunk from key from on (inclusive or not).
func (i *memIter) fill(from []byte, inclusive bool) {
	i.buf = i.buf[:0]
	take := func(it memItem) bool {
		if !inclusive && bytes.Equal(it.k, from) {
			return true
		}
		if !bytes.HasPrefix(it.k, i.prefix) {
			return false
		}
		i.buf = append(i.buf, it)
		return len(i.buf) < memIterChunk
	}
	switch {
	case !i.reverse && from == nil:
		i.tree.Ascend(take)
	case !i.reverse:
		i.tree.AscendGreaterOrEqual(memItem{k: from}, take)
	case from == nil:
		i.tree.Descend(take)
	default:
		i.tree.DescendLessOrEqual(memItem{k: from}, func(it memItem) bool {
			if i.end != nil && bytes.Compare(it.k, i.end) >= 0 {
				return true // the prefix's end itself: skip it
			}
			return take(it)
		})
	}
	i.more = len(i.buf) == memIterChunk
	if len(i.buf) > 0 {
		i.t.read(i.buf[0].k)
	}
}

func (i *memIter) Valid() bool { return !i.closed && len(i.buf) > 0 }
func (i *memIter) Key() []byte { return i.buf[0].k }
func (i *memIter) Value() ([]byte, error) {
	return bytes.Clone(i.buf[0].v), nil
}

func (i *memIter) Next() {
	if len(i.buf) == 0 {
		return
	}
	last := i.buf[0]
	i.buf = i.buf[1:]
	if len(i.buf) == 0 && i.more {
		i.fill(last.k, false)
		return
	}
	if len(i.buf) > 0 {
		i.t.read(i.buf[0].k)
	}
}

func (i *memIter) Close() { i.closed = true }

package store

import (
	"bytes"
	"errors"
)

// Tx is one transaction on the store, the only way domain code reads or
// writes data. A Tx comes from Store.View (read-only) or Store.Update and
// is valid only inside that call; it is not safe for concurrent use.
//
// Every Set and Delete is recorded for the sync outbox by the Tx itself:
// the engine's own transaction is unexported, so a write that sync does
// not see cannot be expressed outside this package.
type Tx interface {
	// Get returns a copy of the value under key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// Set stores value under key. ErrReadOnly in a View.
	Set(key, value []byte) error
	// Delete removes key (absent keys are no error). ErrReadOnly in a View.
	Delete(key []byte) error
	// Iterate walks keys in byte order (numeric order for the big-endian
	// numbers in keys). The caller closes the iterator before the
	// transaction ends. A read-write Tx sees its own writes made before
	// Iterate was called.
	Iterate(o IterOptions) Iterator
}

// IterOptions select the keys an Iterator walks.
type IterOptions struct {
	// Prefix limits the walk to keys starting with it (nil: every key).
	Prefix []byte
	// Start is the first key to look at: the walk begins at the first key
	// ≥ Start (≤ Start when Reverse). Nil: the first (last) key under
	// Prefix.
	Start []byte
	// Reverse walks from the highest key down.
	Reverse bool
	// KeysOnly says values will not be read (or rarely): engines skip
	// fetching them ahead. Value still works.
	KeysOnly bool
}

// Iterator walks keys selected by IterOptions. It starts positioned at
// the first key; use it as
//
//	for it := tx.Iterate(o); it.Valid(); it.Next() { … }
type Iterator interface {
	// Valid reports whether the iterator is at a key.
	Valid() bool
	// Key is the current key, valid until Next: copy it to keep it.
	Key() []byte
	// Value returns a copy of the current value.
	Value() ([]byte, error)
	// Next moves to the next key.
	Next()
	// Close releases the iterator; it is idempotent.
	Close()
}

// ErrReadOnly is returned by Set and Delete in a read-only transaction.
var ErrReadOnly = errors.New("store: write in a read-only transaction")

// ErrConflict is returned by Update when its transaction kept conflicting
// with concurrent ones after every retry.
var ErrConflict = errors.New("store: transaction conflict")

// txn is the store's Tx: an engine transaction plus, when this instance
// syncs, the recorder that collects what the outbox entry will carry.
type txn struct {
	e     engineTxn
	write bool
	rec   *recorder // nil: read-only, or nothing to record (outbox off)
	// other: the transaction wrote a key that is not signing data
	// (signingKey), so its commit moves Store.Generation.
	other bool
}

func (t *txn) wrote(key []byte) {
	if !t.other && !signingKey(key) {
		t.other = true
		if m, ok := t.e.(interface{ movedGeneration() }); ok {
			m.movedGeneration()
		}
	}
}

func (t *txn) Get(key []byte) ([]byte, error) { return t.e.get(key) }

func (t *txn) Set(key, value []byte) error {
	if !t.write {
		return ErrReadOnly
	}
	if err := t.e.set(key, value); err != nil {
		return err
	}
	t.wrote(key)
	if t.rec != nil {
		t.rec.add(key, value, false)
	}
	return nil
}

func (t *txn) Delete(key []byte) error {
	if !t.write {
		return ErrReadOnly
	}
	if err := t.e.delete(key); err != nil {
		return err
	}
	t.wrote(key)
	if t.rec != nil {
		t.rec.add(key, nil, true)
	}
	return nil
}

func (t *txn) Iterate(o IterOptions) Iterator { return t.e.iterate(o) }

// rawSet and rawDelete write past the recorder: only for the store's own
// bookkeeping keys (outbox, versions, cursors, format), which are local.
func (t *txn) rawSet(key, value []byte) error {
	if !t.write {
		return ErrReadOnly
	}
	t.wrote(key)
	return t.e.set(key, value)
}

func (t *txn) rawDelete(key []byte) error {
	if !t.write {
		return ErrReadOnly
	}
	t.wrote(key)
	return t.e.delete(key)
}

// iterBounds turns IterOptions into the position an engine seeks to and
// the exclusive upper bound of the prefix (nil: none). Forward walks start
// at max(Start, Prefix); reverse walks at min(Start, the last key under
// Prefix), which engines reach by seeking to the last key ≤ seek and
// skipping it when it equals the bound.
func iterBounds(o IterOptions) (seek, end []byte) {
	end = prefixEnd(o.Prefix)
	if !o.Reverse {
		seek = o.Prefix
		if bytes.Compare(o.Start, seek) > 0 {
			seek = o.Start
		}
		return seek, end
	}
	seek = end
	if o.Start != nil && (end == nil || bytes.Compare(o.Start, end) < 0) {
		seek = o.Start
	}
	return seek, end
}

// prefixEnd is the smallest key greater than every key starting with p,
// nil when there is none (p empty or all 0xff).
func prefixEnd(p []byte) []byte {
	e := bytes.Clone(p)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] < 0xff {
			e[i]++
			return e[:i+1]
		}
	}
	return nil
}

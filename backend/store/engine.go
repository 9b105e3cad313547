package store

import "io"

// engine is what a Store runs on: an ordered key-value store with
// snapshot transactions. Three implement it: Badger (badgerEngine, the
// default), an in-memory one for tests (memEngine) and PostgreSQL
// (pgEngine, a central's API nodes sharing one database, docs/scale.md),
// without domain code noticing, because domain code only ever sees Tx.
// The conformance suite (conformance_test.go) runs every engine through
// the same table.
type engine interface {
	// begin opens a transaction on a consistent snapshot; write says
	// whether it may write.
	begin(write bool) engineTxn
	// backup writes a full backup stream (engine-specific format) and
	// returns the version it covers.
	backup(w io.Writer) (uint64, error)
	// maxVersion is the newest committed version (for the backup header).
	maxVersion() uint64
	close() error
}

// engineTxn is one engine transaction. Reads see the snapshot taken at
// begin plus the transaction's own writes.
type engineTxn interface {
	// get returns a copy of the value under key, or ErrNotFound.
	get(key []byte) ([]byte, error)
	set(key, value []byte) error
	delete(key []byte) error
	iterate(o IterOptions) Iterator
	// commit makes the writes durable and visible. ordered, when not
	// nil, runs once this commit's place in the commit order is fixed
	// and before any later commit can take a place, and may still write
	// (the outbox entry takes its sequence there, so sequence order is
	// commit order). ErrConflict: a key the transaction read was changed
	// by another commit since begin; nothing was written.
	commit(ordered func() error) error
	// discard ends the transaction; after commit it does nothing.
	discard()
}

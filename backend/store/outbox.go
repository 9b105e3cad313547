package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The outbox is the change log sync reads (DESIGN.md › Sync). Every commit
// that writes synced keys also writes one outbox entry, in the same
// transaction, under a sequence number taken while Badger assigns the
// commit timestamp. Sequence order is therefore commit order, and a read
// snapshot always sees a prefix of the outbox (with gaps only where a
// commit failed), which is all a reader needs to ship changes in order.

// OutboxMode says which keys this instance records.
type OutboxMode uint8

const (
	// OutboxOff records nothing: an instance that does not sync.
	OutboxOff OutboxMode = iota
	// OutboxWorkstation records owned and shared keys: everything it pushes.
	OutboxWorkstation
	// OutboxCentral records shared keys only: what workstations pull.
	OutboxCentral
)

func (m OutboxMode) records(c SyncClass) bool {
	switch m {
	case OutboxWorkstation:
		return c != SyncLocal
	case OutboxCentral:
		return c == SyncShared
	}
	return false
}

// Instance is the 16-byte id of a fiskaldesk installation.
type Instance [16]byte

// Version identifies one value of a shared key: when and where it was
// written. Newer (by time, then by instance bytes) wins a conflict.
type Version struct {
	UnixNanos uint64
	Origin    Instance
}

// IsZero reports a key that has no recorded version.
func (v Version) IsZero() bool { return v == Version{} }

// Newer orders versions for conflict resolution.
func (v Version) Newer(o Version) bool {
	if v.UnixNanos != o.UnixNanos {
		return v.UnixNanos > o.UnixNanos
	}
	return bytes.Compare(v.Origin[:], o.Origin[:]) > 0
}

func (v Version) encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 24), v.UnixNanos)
	return append(b, v.Origin[:]...)
}

func decodeVersion(b []byte) Version {
	var v Version
	if len(b) == 24 {
		v.UnixNanos = binary.BigEndian.Uint64(b)
		copy(v.Origin[:], b[8:])
	}
	return v
}

// Op is one key written by a commit.
type Op struct {
	Key    []byte
	Value  []byte // nil with Delete
	Delete bool
	// Ver and Prev are set for shared keys: the version this op writes
	// and the one it replaced. An op whose Prev is the receiver's
	// current version is a plain update; anything else is a conflict.
	Ver, Prev Version
	// ref: the outbox holds only the key of a write-once key (WriteOnce);
	// its value is read when the entry is shipped.
	ref bool
}

// Entry is one outbox record: the synced keys of one commit.
type Entry struct {
	Seq    uint64
	Origin Instance
	Ops    []Op
}

type recorder struct {
	mode   OutboxMode
	order  []string
	ops    map[string]*Op
	raw    []Op      // ops with their version decided already (snapshot, relay)
	origin *Instance // set when relaying a peer's changes
}

func (r *recorder) add(k, v []byte, del bool) {
	if !r.mode.records(ClassOf(k)) {
		return
	}
	sk := string(k)
	op, ok := r.ops[sk]
	if !ok {
		op = &Op{Key: []byte(sk)}
		r.ops[sk] = op
		r.order = append(r.order, sk)
	}
	op.Value, op.Delete = v, del
	// The bulk of what is signed (logs, revisions) is written once and
	// never changed: the outbox keeps its key, not a second copy of the
	// value (measured: the copy cut durable commits by a third).
	op.ref = !del && WriteOnce(k)
	if op.ref {
		op.Value = nil
	}
}

// outbox is the Store's sequence state.
type outbox struct {
	mu   sync.Mutex    // guards next and changed
	mode atomic.Uint32 // OutboxMode; read by every Update without the lock
	// switching is held shared by every update from reading the mode
	// to its commit, and exclusively while the mode changes: no commit
	// that began with recording off lands after the snapshot passed its
	// keys.
	switching sync.RWMutex
	next      uint64
	self      Instance
	now       func() time.Time
	// changed is closed and replaced after each recorded commit, waking
	// a sync loop that waits for work.
	changed chan struct{}
}

func (s *Store) loadOutbox() error {
	s.ob.now = time.Now
	s.ob.changed = make(chan struct{})
	return s.view(func(t *txn) error {
		id, err := t.Get(keyInstance)
		if err != nil {
			return fmt.Errorf("instance id: %w", err)
		}
		copy(s.ob.self[:], id)
		if b, err := t.Get(keyOutboxMode); err == nil && len(b) == 1 {
			s.ob.mode.Store(uint32(b[0]))
		}
		last, err := GetU64(t, keyOutboxAcked)
		if err != nil {
			return err
		}
		it := t.Iterate(IterOptions{Prefix: OutboxPrefix(), Reverse: true, KeysOnly: true})
		defer it.Close()
		if it.Valid() {
			seq, ok := ParseOutboxKey(it.Key())
			if !ok {
				return fmt.Errorf("outbox key %x", it.Key())
			}
			last = max(last, seq)
		}
		s.ob.next = last + 1
		return nil
	})
}

// Self is this instance's id.
func (s *Store) Self() Instance { return s.ob.self }

// OutboxMode returns what this instance records. On a store other
// processes share, one of them may have switched it (a workstation
// paired through another API node): it is read from the database.
func (s *Store) OutboxMode() OutboxMode {
	if s.Shared() {
		var m OutboxMode
		if err := s.view(func(t *txn) (err error) { m, err = t.outboxMode(); return err }); err == nil {
			s.ob.mode.Store(uint32(m))
			return m
		}
	}
	return OutboxMode(s.ob.mode.Load())
}

// outboxMode reads the stored mode in t.
func (t *txn) outboxMode() (OutboxMode, error) {
	b, err := t.Get(keyOutboxMode)
	if errors.Is(err, ErrNotFound) {
		return OutboxOff, nil
	}
	if err != nil {
		return OutboxOff, err
	}
	if len(b) != 1 {
		return OutboxOff, fmt.Errorf("outbox mode holds %d bytes", len(b))
	}
	return OutboxMode(b[0]), nil
}

// Changed returns a channel closed at the next recorded commit.
func (s *Store) Changed() <-chan struct{} {
	s.ob.mu.Lock()
	defer s.ob.mu.Unlock()
	return s.ob.changed
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// update runs fn in one transaction and commits it, adding the outbox
// entry when fn wrote synced keys.
func (s *Store) update(fn func(t *txn) error) (err error) {
	s.ob.switching.RLock()
	defer s.ob.switching.RUnlock()
	t := &txn{e: s.eng.begin(true), write: true}
	defer t.e.discard()
	defer s.moved(t, &err)
	mode := OutboxMode(s.ob.mode.Load())
	if s.Shared() {
		// Read in the transaction: had another process switched the
		// mode after this one read it, the serializable commit fails
		// and is retried with the new mode, so no change made with
		// recording off lands after the snapshot passed its keys (what
		// switching guards within one process).
		if mode, err = t.outboxMode(); err != nil {
			return err
		}
	}
	if mode == OutboxOff {
		if err := fn(t); err != nil {
			return err
		}
		return t.e.commit(nil)
	}
	rec := &recorder{mode: mode, ops: map[string]*Op{}}
	t.rec = rec
	err = fn(t)
	t.rec = nil // a Tx kept past fn records nothing more
	if err != nil {
		return err
	}
	if len(rec.ops) == 0 && len(rec.raw) == 0 {
		return t.e.commit(nil)
	}
	e := Entry{Origin: s.ob.self, Ops: make([]Op, 0, len(rec.order)+len(rec.raw))}
	now := uint64(s.ob.now().UnixNano())
	for _, k := range rec.order {
		op := *rec.ops[k]
		if ClassOf(op.Key) == SyncShared {
			if op.Prev, op.Ver, err = s.bumpVersion(t, op.Key, now); err != nil {
				return err
			}
		}
		e.Ops = append(e.Ops, op)
	}
	e.Ops = append(e.Ops, rec.raw...)
	if rec.origin != nil {
		e.Origin = *rec.origin
	}
	return s.commitEntry(t, e)
}

// rawUpdate commits fn's writes without the outbox: the store's own
// bookkeeping (format, mode), never domain data.
func (s *Store) rawUpdate(fn func(t *txn) error) (err error) {
	t := &txn{e: s.eng.begin(true), write: true}
	defer t.e.discard()
	defer s.moved(t, &err)
	if err := fn(t); err != nil {
		return err
	}
	return t.e.commit(nil)
}

// bumpVersion gives a shared key a new local version and returns the
// one it replaces.
func (s *Store) bumpVersion(t *txn, k []byte, now uint64) (prev, ver Version, err error) {
	b, err := t.Get(SyncKVKey(k))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return prev, ver, err
	}
	prev = decodeVersion(b)
	ver = Version{UnixNanos: max(now, prev.UnixNanos+1), Origin: s.ob.self}
	return prev, ver, t.rawSet(SyncKVKey(k), ver.encode())
}

// commitEntry writes e under the next sequence number and commits t.
// The sequence is taken in the engine's ordered hook, where the commit's
// place in the commit order is fixed, so sequence order is commit order;
// the engine awaits the durable write outside it, so concurrent commits
// still share one fsync.
func (s *Store) commitEntry(t *txn, e Entry) error {
	payload := encodeEntry(e)
	err := t.e.commit(func() error {
		// An engine shared by several processes gives the number out
		// itself (PostgreSQL: a sequence taken under its commit-order
		// lock); this process's counter would collide with theirs.
		if sq, ok := t.e.(interface{ outboxSeq() (uint64, error) }); ok {
			seq, err := sq.outboxSeq()
			if err != nil {
				return err
			}
			s.ob.mu.Lock()
			s.ob.next = max(s.ob.next, seq+1)
			s.ob.mu.Unlock()
			return t.rawSet(OutboxKey(seq), payload)
		}
		s.ob.mu.Lock()
		defer s.ob.mu.Unlock()
		if err := t.rawSet(OutboxKey(s.ob.next), payload); err != nil {
			return err
		}
		s.ob.next++
		return nil
	})
	// Wake waiting readers once the entry is visible (or its sequence
	// was lost to a failed commit: they find nothing and wait again).
	s.ob.mu.Lock()
	close(s.ob.changed)
	s.ob.changed = make(chan struct{})
	s.ob.mu.Unlock()
	return err
}

// SetOutboxMode switches recording on (or changes it) and, when it was
// off, starts the snapshot that turns the data older than the outbox into
// entries; ContinueSnapshot completes it.
func (s *Store) SetOutboxMode(ctx context.Context, m OutboxMode) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	s.ob.switching.Lock()
	defer s.ob.switching.Unlock()
	old := s.OutboxMode()
	if old == m {
		return nil
	}
	err := s.rawUpdate(func(t *txn) error {
		if err := t.rawSet(keyOutboxMode, []byte{byte(m)}); err != nil {
			return err
		}
		if old == OutboxOff {
			return t.rawSet(keyOutboxSnap, []byte{})
		}
		return nil
	})
	if err == nil {
		s.ob.mode.Store(uint32(m))
	}
	return err
}

// snapshotChunk and snapshotBytes bound one snapshot transaction (and so
// one entry, which must fit a push batch).
const (
	snapshotChunk = 256
	snapshotBytes = 1 << 20
)

// ContinueSnapshot writes the keys that existed before the outbox was
// switched on into outbox entries, a chunk per transaction, and reports
// whether it is complete. Each chunk reads its keys in the transaction
// that writes its entry, so a concurrent change of one of them makes the
// chunk retry instead of shipping a stale value after a newer one.
func (s *Store) ContinueSnapshot(ctx context.Context) (bool, error) {
	for {
		done := false
		err := s.updateRetry(ctx, func(t *txn) error {
			done = false
			from, err := t.Get(keyOutboxSnap)
			if errors.Is(err, ErrNotFound) {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			rec := t.rec
			if rec == nil {
				return errors.New("snapshot: outbox is off")
			}
			last, err := s.snapshotChunk(t, rec, from)
			if err != nil {
				return err
			}
			if last == nil {
				done = true
				return t.rawDelete(keyOutboxSnap)
			}
			return t.rawSet(keyOutboxSnap, last)
		})
		if err != nil || done {
			return done, err
		}
	}
}

// snapshotChunk adds the next snapshotChunk synced keys after from to rec
// and returns the last one, nil when there are none.
func (s *Store) snapshotChunk(t *txn, rec *recorder, from []byte) ([]byte, error) {
	it := t.Iterate(IterOptions{Start: from})
	defer it.Close()
	now := uint64(s.ob.now().UnixNano())
	var last []byte
	var fresh []Op // shared keys that get their first version
	size := 0
	for ; it.Valid() && len(rec.raw) < snapshotChunk && size < snapshotBytes; it.Next() {
		k := it.Key()
		if bytes.Equal(k, from) || !rec.mode.records(ClassOf(k)) {
			continue
		}
		last = bytes.Clone(k)
		v, err := it.Value()
		if err != nil {
			return nil, err
		}
		size += len(last) + len(v)
		op := Op{Key: last, Value: v}
		if ClassOf(last) == SyncShared {
			b, err := t.Get(SyncKVKey(last))
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			if op.Ver = decodeVersion(b); op.Ver.IsZero() {
				op.Ver = Version{UnixNanos: now, Origin: s.ob.self}
				fresh = append(fresh, op)
			}
		}
		rec.raw = append(rec.raw, op)
	}
	it.Close()
	for _, op := range fresh {
		if err := t.rawSet(SyncKVKey(op.Key), op.Ver.encode()); err != nil {
			return nil, err
		}
	}
	return last, nil
}

// ReadOutbox returns up to limit entries and at most maxBytes of encoded
// entries (or one entry, if that alone is larger) with a sequence above
// after, skipping those that came from skip. last is the highest sequence
// looked at, skipped ones included, so that a reader's cursor moves past
// entries it was not sent. The bound is hard because the receiver applies
// a batch in one transaction, whose size the store limits (MaxWriteBytes).
func (s *Store) ReadOutbox(after uint64, limit, maxBytes int, skip *Instance) (frames []Frame, last uint64, err error) {
	last = after
	err = s.View(func(tx Tx) error {
		it := tx.Iterate(IterOptions{Prefix: OutboxPrefix(), Start: OutboxKey(after + 1)})
		defer it.Close()
		size := 0
		for ; it.Valid() && len(frames) < limit; it.Next() {
			seq, ok := ParseOutboxKey(it.Key())
			if !ok {
				return fmt.Errorf("outbox key %x", it.Key())
			}
			v, err := it.Value()
			if err != nil {
				return err
			}
			if skip != nil && bytes.Equal(v[:16], skip[:]) {
				last = seq
				continue
			}
			if v, err = resolveRefs(tx, seq, v); err != nil {
				return err
			}
			if len(frames) > 0 && size+len(v) > maxBytes {
				break
			}
			last = seq
			frames = append(frames, Frame{Seq: seq, Payload: v})
			size += len(v)
		}
		return nil
	})
	return frames, last, err
}

// resolveRefs puts the values of write-once keys into an entry read from
// the outbox. A write-once value never changes, so the value read now is
// the one the entry's commit wrote.
func resolveRefs(tx Tx, seq uint64, b []byte) ([]byte, error) {
	e, err := decodeEntry(seq, b, true)
	if err != nil {
		return nil, fmt.Errorf("outbox entry %d: %w", seq, err)
	}
	refs := false
	ops := e.Ops[:0]
	for _, op := range e.Ops {
		if op.ref {
			refs = true
			if op.Value, err = tx.Get(op.Key); errors.Is(err, ErrNotFound) {
				continue // removed since (a deleted record): its deletion follows
			} else if err != nil {
				return nil, err
			}
			op.ref = false
		}
		ops = append(ops, op)
	}
	if !refs {
		return b, nil
	}
	e.Ops = ops
	return encodeEntry(e), nil
}

// OutboxBacklog counts the entries not yet pruned and returns the highest
// sequence taken so far.
func (s *Store) OutboxBacklog() (n int, last uint64, err error) {
	from := OutboxKey(s.OutboxAcked() + 1)
	err = s.View(func(tx Tx) error {
		it := tx.Iterate(IterOptions{Prefix: OutboxPrefix(), Start: from, KeysOnly: true})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	s.ob.mu.Lock()
	last = s.ob.next - 1
	s.ob.mu.Unlock()
	return n, last, err
}

// OutboxAcked is the highest sequence pruned after an acknowledgement:
// readers start after it instead of walking the deleted entries.
func (s *Store) OutboxAcked() uint64 {
	n, _ := s.Cursor(keyOutboxAcked)
	return n
}

// Cursor reads a sync cursor (0 when unset).
func (s *Store) Cursor(k []byte) (uint64, error) {
	var n uint64
	err := s.View(func(tx Tx) (err error) {
		n, err = GetU64(tx, k)
		return err
	})
	return n, err
}

// PruneOutbox deletes the entries up to seq once the remote acknowledged
// them, remembering seq so that a restart never reuses a sequence number.
func (s *Store) PruneOutbox(ctx context.Context, seq uint64) error {
	for {
		more := false
		err := s.updateRetry(ctx, func(t *txn) error {
			acked, err := GetU64(t, keyOutboxAcked)
			if err != nil {
				return err
			}
			var seqs []uint64
			it := t.Iterate(IterOptions{Prefix: OutboxPrefix(), Start: OutboxKey(acked + 1), KeysOnly: true})
			for ; it.Valid() && len(seqs) < 1000; it.Next() {
				n, ok := ParseOutboxKey(it.Key())
				if !ok || n > seq {
					break
				}
				seqs = append(seqs, n)
			}
			it.Close()
			more = len(seqs) == 1000
			for _, n := range seqs {
				if err := t.rawDelete(OutboxKey(n)); err != nil {
					return err
				}
			}
			top := seq
			if more {
				top = seqs[len(seqs)-1]
			}
			return t.rawSet(keyOutboxAcked, u64(max(acked, top)))
		})
		if err != nil || !more {
			return err
		}
	}
}

// Frame is an encoded entry with its sequence number, as sync ships it.
type Frame struct {
	Seq     uint64
	Payload []byte
}

// Entry encoding: origin (16 bytes), then per op a flags byte (bit 0
// delete, bit 1 versioned), the key and value as uvarint length + bytes,
// and for versioned ops Ver and Prev (24 bytes each).
const (
	opDelete    = 1
	opVersioned = 2
	opRef       = 4 // only in the local outbox, never on the wire
	// maxOps and maxFieldLen bound what a decoder allocates for input
	// from the network.
	maxOps      = 1 << 16
	maxFieldLen = 4 << 20
)

func encodeEntry(e Entry) []byte {
	n := 16
	for _, op := range e.Ops {
		n += 1 + 2*binary.MaxVarintLen32 + len(op.Key) + len(op.Value) + 48
	}
	b := make([]byte, 0, n)
	b = append(b, e.Origin[:]...)
	for _, op := range e.Ops {
		var f byte
		if op.Delete {
			f |= opDelete
		}
		versioned := !op.Ver.IsZero()
		if versioned {
			f |= opVersioned
		}
		if op.ref {
			f |= opRef
		}
		b = append(b, f)
		b = binary.AppendUvarint(b, uint64(len(op.Key)))
		b = append(b, op.Key...)
		b = binary.AppendUvarint(b, uint64(len(op.Value)))
		b = append(b, op.Value...)
		if versioned {
			b = append(b, op.Ver.encode()...)
			b = append(b, op.Prev.encode()...)
		}
	}
	return b
}

// ErrBadEntry is returned for an outbox entry that does not decode.
var ErrBadEntry = errors.New("store: malformed sync entry")

// DecodeEntry parses an entry as sync ships it; seq is taken from the
// frame.
func DecodeEntry(seq uint64, b []byte) (Entry, error) { return decodeEntry(seq, b, false) }

// decodeEntry parses an entry written by encodeEntry; refs are allowed
// only in entries read from the local outbox.
func decodeEntry(seq uint64, b []byte, refs bool) (Entry, error) {
	e := Entry{Seq: seq}
	if len(b) < 16 {
		return e, ErrBadEntry
	}
	copy(e.Origin[:], b)
	b = b[16:]
	field := func() ([]byte, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > maxFieldLen || n > uint64(len(b)-w) {
			return nil, false
		}
		f := b[w : w+int(n)]
		b = b[w+int(n):]
		return f, true
	}
	for len(b) > 0 {
		if len(e.Ops) == maxOps {
			return e, ErrBadEntry
		}
		f := b[0]
		b = b[1:]
		allowed := byte(opDelete | opVersioned)
		if refs {
			allowed |= opRef
		}
		if f&^allowed != 0 {
			return e, ErrBadEntry
		}
		k, ok := field()
		if !ok || len(k) == 0 {
			return e, ErrBadEntry
		}
		v, ok := field()
		if !ok {
			return e, ErrBadEntry
		}
		op := Op{Key: k, Value: v, Delete: f&opDelete != 0, ref: f&opRef != 0}
		if op.Delete {
			op.Value = nil
		}
		if f&opVersioned != 0 {
			if len(b) < 48 {
				return e, ErrBadEntry
			}
			op.Ver, op.Prev = decodeVersion(b[:24]), decodeVersion(b[24:48])
			b = b[48:]
		}
		e.Ops = append(e.Ops, op)
	}
	return e, nil
}

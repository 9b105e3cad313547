package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Conflict keeps both versions of a shared key that changed on two
// instances without either seeing the other's change. The newer version
// (Version.Newer) is the one stored under the key; the other stays here.
type Conflict struct {
	ID         string       `json:"id"`
	Key        string       `json:"key"`
	DetectedAt time.Time    `json:"detected_at"`
	Peer       string       `json:"peer"`
	Kept       ConflictSide `json:"kept"`
	Lost       ConflictSide `json:"lost"`
	KeptLocal  bool         `json:"kept_local"`
}

// ConflictSide is one version in a conflict.
type ConflictSide struct {
	Origin  string    `json:"origin"`
	At      time.Time `json:"at"`
	Deleted bool      `json:"deleted"`
	Value   []byte    `json:"value"`
}

// ApplyOptions say how Apply treats a batch.
type ApplyOptions struct {
	// Peer sent the batch; its entries are recorded as coming from it
	// when this instance relays them (a central's outbox).
	Peer Instance
	// Cursor is the key holding the last sequence applied from Peer.
	Cursor []byte
	// UpTo moves the cursor at least this far (a pull's last scanned
	// sequence, which may be an entry the sender skipped).
	UpTo uint64
	// Owned accepts owned keys (a central receiving a push); a pull
	// carries shared keys only.
	Owned bool
}

// ApplyResult reports what Apply did.
type ApplyResult struct {
	Cursor    uint64
	Applied   int // entries applied
	Skipped   int // entries at or below the cursor: delivered before
	Conflicts int
}

// ErrNotOwner is returned when a batch would overwrite a TSS this
// instance signs itself or that another instance owns.
var ErrNotOwner = errors.New("store: sync batch writes a TSS owned by another instance")

// ErrKeyNotSynced is returned for a batch op on a key sync never carries.
var ErrKeyNotSynced = errors.New("store: sync batch writes a key that is not synced")

// Apply writes a batch of entries from a peer in one transaction, together
// with the peer's cursor, so a batch is applied entirely or not at all and
// one delivered twice changes nothing.
func (s *Store) Apply(ctx context.Context, o ApplyOptions, entries []Entry) (ApplyResult, error) {
	var res ApplyResult
	err := s.updateRetry(ctx, func(t *txn) error {
		res = ApplyResult{}
		cur, err := GetU64(t, o.Cursor)
		if err != nil {
			return err
		}
		var rec *recorder
		// Only a central instance passes changes on (to the other
		// workstations); a workstation relaying what it pulled would
		// send it straight back.
		if t.rec != nil && t.rec.mode == OutboxCentral {
			rec = t.rec
			rec.origin = &o.Peer
		}
		for _, e := range entries {
			if e.Seq <= cur {
				res.Skipped++
				continue
			}
			for _, op := range e.Ops {
				relay, err := s.applyOp(t, o, op, &res)
				if err != nil {
					return fmt.Errorf("entry %d, key %q: %w", e.Seq, op.Key, err)
				}
				if relay && rec != nil && rec.mode.records(ClassOf(op.Key)) {
					rec.raw = append(rec.raw, op)
				}
			}
			cur = e.Seq
			res.Applied++
		}
		cur = max(cur, o.UpTo)
		res.Cursor = cur
		return t.rawSet(o.Cursor, u64(cur))
	})
	return res, err
}

// applyOp writes one op; relay reports whether the op took effect (and so
// travels on to other instances).
func (s *Store) applyOp(t *txn, o ApplyOptions, op Op, res *ApplyResult) (relay bool, err error) {
	switch ClassOf(op.Key) {
	case SyncLocal:
		return false, ErrKeyNotSynced
	case SyncOwned:
		if !o.Owned {
			return false, ErrKeyNotSynced
		}
		if bytes.HasPrefix(op.Key, []byte("tss/")) {
			if err := s.claim(t, string(op.Key[len("tss/"):]), o.Peer); err != nil {
				return false, err
			}
		}
		return true, write(t, op)
	}
	b, err := t.Get(SyncKVKey(op.Key))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	local := decodeVersion(b)
	if local == op.Ver {
		return false, nil // seen before, through another path
	}
	if local.IsZero() || local == op.Prev {
		if err := write(t, op); err != nil {
			return false, err
		}
		return true, t.rawSet(SyncKVKey(op.Key), op.Ver.encode())
	}
	res.Conflicts++
	remoteWins := op.Ver.Newer(local)
	if err := s.keepConflict(t, o.Peer, op, local, remoteWins); err != nil {
		return false, err
	}
	if !remoteWins {
		return false, nil
	}
	if err := write(t, op); err != nil {
		return false, err
	}
	return true, t.rawSet(SyncKVKey(op.Key), op.Ver.encode())
}

// claim records that peer signs TSS id, refusing a TSS signed here or by
// another instance: a TSS is never signed on two instances.
func (s *Store) claim(t *txn, id string, peer Instance) error {
	owner, err := t.Get(SyncOwnerKey(id))
	switch {
	case err == nil:
		if !bytes.Equal(owner, peer[:]) {
			return ErrNotOwner
		}
		return nil
	case !errors.Is(err, ErrNotFound):
		return err
	}
	if ok, err := Exists(t, TSSKey(id)); err != nil || ok {
		return errors.Join(err, ErrNotOwner)
	}
	return t.rawSet(SyncOwnerKey(id), peer[:])
}

// write applies a peer's op past the recorder: what arrives by sync is
// relayed (or not) by Apply's own rule, not recorded as a local change.
func write(t *txn, op Op) error {
	if op.Delete {
		return t.rawDelete(op.Key)
	}
	return t.rawSet(op.Key, op.Value)
}

func (s *Store) keepConflict(t *txn, peer Instance, op Op, local Version, remoteWins bool) error {
	lv, err := t.Get(op.Key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	localSide := ConflictSide{Origin: hex.EncodeToString(local.Origin[:]), At: time.Unix(0, int64(local.UnixNanos)).UTC(),
		Deleted: errors.Is(err, ErrNotFound), Value: lv}
	remoteSide := ConflictSide{Origin: hex.EncodeToString(op.Ver.Origin[:]), At: time.Unix(0, int64(op.Ver.UnixNanos)).UTC(),
		Deleted: op.Delete, Value: op.Value}
	id := make([]byte, 8)
	_, _ = rand.Read(id) // crypto/rand.Read never fails (Go 1.24+)
	now := s.ob.now().UTC()
	c := Conflict{ID: hex.EncodeToString(id), Key: string(op.Key), DetectedAt: now, Peer: hex.EncodeToString(peer[:]),
		Kept: localSide, Lost: remoteSide, KeptLocal: !remoteWins}
	if remoteWins {
		c.Kept, c.Lost = remoteSide, localSide
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode conflict: %w", err)
	}
	return t.rawSet(SyncConflictKey(uint64(now.UnixNano()), c.ID), b)
}

// Conflicts lists the recorded conflicts, newest first, at most limit.
func (s *Store) Conflicts(limit int) ([]Conflict, int, error) {
	var out []Conflict
	n := 0
	err := s.View(func(tx Tx) error {
		it := tx.Iterate(IterOptions{Prefix: SyncConflictPrefix(), Reverse: true})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			n++
			if len(out) == limit {
				continue
			}
			b, err := it.Value()
			if err != nil {
				return err
			}
			var c Conflict
			if err := json.Unmarshal(b, &c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, n, err
}

// OwnerOf returns the instance that signs TSS id when it is not this one.
func OwnerOf(tx Tx, id string) (Instance, bool, error) {
	var inst Instance
	b, err := tx.Get(SyncOwnerKey(id))
	if errors.Is(err, ErrNotFound) {
		return inst, false, nil
	}
	if err != nil {
		return inst, false, err
	}
	copy(inst[:], b)
	return inst, true, nil
}

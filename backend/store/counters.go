package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// TSSCounters is the value under tss-ctr/<tss>: 24 bytes big-endian —
// signature counter u64, transaction counter u64, active transactions
// u32, registered clients u32. It is written in the transaction of every
// log it counts.
type TSSCounters struct {
	Sig    uint64 // last signature counter used (a log's number)
	Tx     uint64 // last transaction number given
	Active uint32 // transactions in state ACTIVE
	Client uint32 // clients REGISTERED
}

// tssCountersLen is the encoded size of TSSCounters.
const tssCountersLen = 24

// Encode returns the stored form.
func (c TSSCounters) Encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, tssCountersLen), c.Sig)
	b = binary.BigEndian.AppendUint64(b, c.Tx)
	b = binary.BigEndian.AppendUint32(b, c.Active)
	return binary.BigEndian.AppendUint32(b, c.Client)
}

// ErrBadCounter is returned for a counter value of the wrong size.
var ErrBadCounter = errors.New("store: malformed counter value")

// DecodeTSSCounters parses the stored form; ErrBadCounter for any other size.
func DecodeTSSCounters(b []byte) (TSSCounters, error) {
	if len(b) != tssCountersLen {
		return TSSCounters{}, fmt.Errorf("%w: tss-ctr holds %d bytes, want %d", ErrBadCounter, len(b), tssCountersLen)
	}
	return TSSCounters{Sig: binary.BigEndian.Uint64(b), Tx: binary.BigEndian.Uint64(b[8:]),
		Active: binary.BigEndian.Uint32(b[16:]), Client: binary.BigEndian.Uint32(b[20:])}, nil
}

// GetTSSCounters reads the counters of TSS id; zero when none are stored
// yet (a TSS before its first log).
func GetTSSCounters(tx Tx, id string) (TSSCounters, error) {
	b, err := tx.Get(TSSCounterKey(id))
	if errors.Is(err, ErrNotFound) {
		return TSSCounters{}, nil
	}
	if err != nil {
		return TSSCounters{}, err
	}
	c, err := DecodeTSSCounters(b)
	if err != nil {
		return c, fmt.Errorf("tss %s: %w", id, err)
	}
	return c, nil
}

// PutTSSCounters stores the counters of TSS id.
func PutTSSCounters(tx Tx, id string, c TSSCounters) error {
	return tx.Set(TSSCounterKey(id), c.Encode())
}

// GetU64 reads a u64 BE counter (tx-count, meta/invoice-seq, cursors);
// 0 when absent, ErrBadCounter when the value is not 8 bytes.
func GetU64(tx Tx, key []byte) (uint64, error) {
	b, err := tx.Get(key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: %s holds %d bytes, want 8", ErrBadCounter, key, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// PutU64 stores v as a u64 BE counter.
func PutU64(tx Tx, key []byte, v uint64) error { return tx.Set(key, u64(v)) }

// AddU64 adds delta (negative: subtracts) to the u64 counter under key
// and returns the new value. A result below zero is an error: a count
// never goes negative, so it means a bug or a damaged store.
func AddU64(tx Tx, key []byte, delta int64) (uint64, error) {
	cur, err := GetU64(tx, key)
	if err != nil {
		return 0, err
	}
	if delta < 0 && uint64(-delta) > cur {
		return 0, fmt.Errorf("%w: %s would go below zero (%d %+d)", ErrBadCounter, key, cur, delta)
	}
	next := uint64(int64(cur) + delta)
	return next, PutU64(tx, key, next)
}

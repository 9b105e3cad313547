package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// TSSCounters is the value under tss-ctr/<tss>, written in the
// transaction of every log it counts. Stored form, big-endian, 40 bytes:
// signature counter u64, transaction counter u64, active transactions
// u32, registered clients u32, time of the last log i64 (Unix seconds),
// counted day u32 (days since 1970-01-01, UTC), transactions started on
// that day u32. Store formats 1 and 2 wrote the first 24 bytes only; they are
// still read (the new fields zero).
//
// The last three fields make the dashboard's rollup a matter of reading
// counters: the last activity of a TSS and its transactions per day
// (closed days under tss-day/, the current one here), kept up to date in
// the record every signed operation writes anyway instead of in new keys
// per operation.
type TSSCounters struct {
	Sig    uint64 // last signature counter used (a log's number)
	Tx     uint64 // last transaction number given
	Active uint32 // transactions in state ACTIVE
	Client uint32 // clients REGISTERED
	// LastLog is the time of the last signed log: the TSS's last activity.
	LastLog int64
	// Day is the UTC day whose transaction starts DayTx counts (0: none yet).
	Day uint32
	// DayTx counts the transactions started on Day.
	DayTx uint32
}

// Encoded sizes of TSSCounters: the current form and store formats 1 and 2.
const (
	tssCountersLen   = 40
	tssCountersLenV1 = 24
)

// Encode returns the stored form.
func (c TSSCounters) Encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, tssCountersLen), c.Sig)
	b = binary.BigEndian.AppendUint64(b, c.Tx)
	b = binary.BigEndian.AppendUint32(b, c.Active)
	b = binary.BigEndian.AppendUint32(b, c.Client)
	b = binary.BigEndian.AppendUint64(b, uint64(c.LastLog))
	b = binary.BigEndian.AppendUint32(b, c.Day)
	return binary.BigEndian.AppendUint32(b, c.DayTx)
}

// ErrBadCounter is returned for a counter value of the wrong size.
var ErrBadCounter = errors.New("store: malformed counter value")

// DecodeTSSCounters parses the stored form (either size); ErrBadCounter
// for any other size.
func DecodeTSSCounters(b []byte) (TSSCounters, error) {
	if len(b) != tssCountersLen && len(b) != tssCountersLenV1 {
		return TSSCounters{}, fmt.Errorf("%w: tss-ctr holds %d bytes, want %d", ErrBadCounter, len(b), tssCountersLen)
	}
	c := TSSCounters{Sig: binary.BigEndian.Uint64(b), Tx: binary.BigEndian.Uint64(b[8:]),
		Active: binary.BigEndian.Uint32(b[16:]), Client: binary.BigEndian.Uint32(b[20:])}
	if len(b) == tssCountersLen {
		c.LastLog = int64(binary.BigEndian.Uint64(b[24:]))
		c.Day, c.DayTx = binary.BigEndian.Uint32(b[32:]), binary.BigEndian.Uint32(b[36:])
	}
	return c, nil
}

// DayOf is the UTC day of Unix time t, as tss-day keys and
// TSSCounters.Day count days: days since 1970-01-01.
func DayOf(t int64) uint32 {
	if t < 0 {
		return 0
	}
	return uint32(t / 86400)
}

// CountStarts counts n transactions started at Unix time at. When at
// falls on a later UTC day than the one counted so far, that day is
// closed: it and its count are returned (closed) to be stored with
// PutTSSDay in the same transaction, and the new day starts. A clock that
// went back counts into the day already open, so days never reopen.
func (c *TSSCounters) CountStarts(n uint32, at int64) (day, count uint32, closed bool) {
	if n == 0 {
		return 0, 0, false
	}
	d := DayOf(at)
	if d > c.Day {
		day, count, closed = c.Day, c.DayTx, c.Day != 0 && c.DayTx > 0
		c.Day, c.DayTx = d, 0
	}
	c.DayTx += n
	return day, count, closed
}

// PutTSSDay stores how many transactions TSS id started on a closed day.
func PutTSSDay(tx Tx, id string, day, count uint32) error {
	return tx.Set(TSSDayKey(id, day), u32(count))
}

// AddTSSDays adds to perDay[i] the transactions TSS id started on day
// first+i, from its closed days (tss-day/) and the day its counters hold
// open: one short walk of keys, however many transactions the days had.
func AddTSSDays(tx Tx, id string, c TSSCounters, first uint32, perDay []uint64) error {
	last := first + uint32(len(perDay)) - 1
	err := EachTSSDay(tx, id, first, func(d, n uint32) bool {
		if d > last {
			return false
		}
		perDay[d-first] += uint64(n)
		return true
	})
	if err != nil {
		return err
	}
	if c.Day >= first && c.Day <= last {
		perDay[c.Day-first] += uint64(c.DayTx)
	}
	return nil
}

// EachTSSDay calls fn with each closed day of TSS id from day first on,
// in order, and the transactions started on it, until fn returns false.
// The day the counters hold open is not among them (TSSCounters.Day).
func EachTSSDay(tx Tx, id string, first uint32, fn func(day, count uint32) bool) error {
	it := tx.Iterate(IterOptions{Prefix: TSSDayPrefix(id), Start: TSSDayKey(id, first)})
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k := it.Key()
		v, err := it.Value()
		if err != nil {
			return err
		}
		if len(v) != 4 {
			return fmt.Errorf("%w: %s holds %d bytes, want 4", ErrBadCounter, k, len(v))
		}
		if !fn(binary.BigEndian.Uint32(k[len(k)-4:]), binary.BigEndian.Uint32(v)) {
			return nil
		}
	}
	return nil
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

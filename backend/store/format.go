package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// FormatVersion is the store format this binary writes. Bump it only
// together with a migration in migrations.
const FormatVersion uint32 = 4

// migration upgrades a store from format `from` to from+1 inside one
// transaction. Migrations run in order at Open. prepare, when set, runs
// first with transactions of its own, for work too large for one; it must
// be safe to run again when the step was interrupted.
type migration struct {
	from    uint32
	name    string
	prepare func(s *Store) error
	run     func(tx Tx) error
}

// migrations lists every upgrade step, oldest first.
var migrations = []migration{
	{from: 1, name: "installation administrator", run: migrateInstallAdmin},
	{from: 2, name: "tss-ctr with last activity and transactions per day", prepare: backfillTSSDays, run: func(Tx) error { return nil }},
	{from: 3, name: "org-tss with each TSS's env and state", prepare: fillOrgTSS, run: func(Tx) error { return nil }},
}

// fillOrgTSS writes every TSS's env and state into its org-tss index
// (format 4), from the TSS records, 500 per transaction. Run
// again after an interruption, it writes the same values.
func fillOrgTSS(s *Store) error {
	type head struct {
		ID    string `json:"id"`
		Org   string `json:"org"`
		Env   string `json:"env"`
		State string `json:"state"`
	}
	var heads []head
	err := s.view(func(t *txn) error {
		return ScanJSON(t, TSSPrefix(), func(h head) error {
			heads = append(heads, h)
			return nil
		})
	})
	if err != nil {
		return err
	}
	for batch := range slices.Chunk(heads, 500) {
		err := s.rawUpdate(func(t *txn) error {
			for _, h := range batch {
				// Only an index that is there: a missing one is for
				// `doctor` to find (tss.Check), not to be made up here.
				ok, err := Exists(t, OrgTSSKey(h.Org, h.ID))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if err := PutOrgTSS(t, h.Org, h.ID, h.Env, h.State); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// backfillDays is how far back format 3's migration counts transactions
// per day: the longest series the dashboard asks for (92 days).
const backfillDays = 92

// backfillTSSDays brings every TSS's counters to format 3: the time of
// its last transaction, today's transaction starts, and a tss-day key for
// each of the 91 days before with transactions. Transactions are numbered
// in the order they start, so each day boundary is a binary search over
// the numbers: a few thousand reads per TSS, one small transaction each.
func backfillTSSDays(s *Store) error {
	var ids []string
	err := s.view(func(t *txn) error {
		it := t.Iterate(IterOptions{Prefix: []byte("tss-ctr/"), KeysOnly: true})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			ids = append(ids, LastSegment(it.Key()))
		}
		return nil
	})
	if err != nil {
		return err
	}
	today := DayOf(time.Now().Unix())
	first := today - min(today, backfillDays-1)
	for _, id := range ids {
		if err := s.rawUpdate(func(t *txn) error { return backfillTSS(t, id, first, today) }); err != nil {
			return fmt.Errorf("tss %s: %w", id, err)
		}
	}
	return nil
}

// txTimes are the two times of a transaction record (tss.txHead's
// time_start and time_end); the migration needs nothing else of it.
type txTimes struct {
	Start int64 `json:"time_start"`
	End   int64 `json:"time_end"`
}

func backfillTSS(t *txn, id string, first, today uint32) error {
	c, err := GetTSSCounters(t, id)
	if err != nil {
		return err
	}
	times := func(n uint64) (txTimes, error) {
		txID, err := t.Get(TxNumKey(id, n))
		if err != nil {
			return txTimes{}, fmt.Errorf("transaction %d: %w", n, err)
		}
		b, err := t.Get(TxKey(id, string(txID)))
		if err != nil {
			return txTimes{}, fmt.Errorf("transaction %d: %w", n, err)
		}
		var tt txTimes
		return tt, json.Unmarshal(b, &tt)
	}
	var lookErr error
	// from(d) is the first number started on day d or later.
	from := func(d uint32) uint64 {
		return uint64(sort.Search(int(c.Tx), func(i int) bool {
			tt, err := times(uint64(i) + 1)
			if err != nil {
				lookErr = err
				return true
			}
			return DayOf(tt.Start) >= d
		})) + 1
	}
	c.Day, c.DayTx = today, 0
	if c.Tx > 0 {
		prev := from(first)
		for d := first; d <= today; d++ {
			next := c.Tx + 1
			if d < today {
				next = from(d + 1)
			}
			if n := uint32(next - prev); n > 0 && d < today {
				if err := PutTSSDay(t, id, d, n); err != nil {
					return err
				}
			} else if d == today {
				c.DayTx = n
			}
			prev = next
		}
		last, err := times(c.Tx)
		if err != nil {
			return err
		}
		c.LastLog = max(last.Start, last.End)
	}
	if lookErr != nil {
		return lookErr
	}
	return PutTSSCounters(t, id, c)
}

func (s *Store) checkFormat() error {
	var have uint32
	err := s.view(func(t *txn) error {
		v, err := t.Get(keyFormat)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(v) != 4 {
			return fmt.Errorf("format key holds %d bytes, want 4", len(v))
		}
		have = binary.BigEndian.Uint32(v)
		return nil
	})
	if err != nil {
		return err
	}
	switch {
	case have == 0:
		return s.initFormat()
	case have > FormatVersion:
		return fmt.Errorf("%w: store format %d, this binary supports up to %d; use a newer fiskaldesk or restore a backup",
			ErrNewerFormat, have, FormatVersion)
	case have < FormatVersion:
		return s.migrate(have, FormatVersion)
	}
	return nil
}

// initFormat stamps a new, empty database. A database that has keys but no
// format key was not made by fiskaldesk and is refused rather than adopted.
func (s *Store) initFormat() error {
	return s.rawUpdate(func(t *txn) error {
		it := t.Iterate(IterOptions{KeysOnly: true})
		empty := !it.Valid()
		it.Close()
		if !empty {
			return ErrUnknownData
		}
		if err := t.rawSet(keyFormat, u32(FormatVersion)); err != nil {
			return err
		}
		id, err := newInstanceID()
		if err != nil {
			return err
		}
		return t.rawSet(keyInstance, id)
	})
}

// migrate runs the steps that lead from format `from` to `to`. A missing
// step is an error, never a silent skip.
func (s *Store) migrate(from, to uint32) error {
	for v := from; v < to; v++ {
		i := slices.IndexFunc(migrations, func(m migration) bool { return m.from == v })
		if i < 0 {
			return fmt.Errorf("no migration from store format %d", v)
		}
		m := migrations[i]
		if m.prepare != nil {
			if err := m.prepare(s); err != nil {
				return fmt.Errorf("migrate format %d → %d (%s): %w", m.from, m.from+1, m.name, err)
			}
		}
		// Migrations run before the outbox state is loaded: what they
		// write reaches peers through the snapshot, not as changes.
		err := s.rawUpdate(func(t *txn) error {
			if err := m.run(t); err != nil {
				return err
			}
			return t.rawSet(keyFormat, u32(m.from+1))
		})
		if err != nil {
			return fmt.Errorf("migrate format %d → %d (%s): %w", m.from, m.from+1, m.name, err)
		}
		s.log.Info().Uint32("from", m.from).Uint32("to", m.from+1).Str("migration", m.name).Msg("store migrated")
	}
	return nil
}

package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// FormatVersion is the store format this binary writes. Bump it only
// together with a migration in migrations.
const FormatVersion uint32 = 1

// migration upgrades a store from format `from` to from+1 inside one
// transaction. Migrations run in order at Open.
type migration struct {
	from uint32
	name string
	run  func(tx Tx) error
}

// migrations lists every upgrade step, oldest first. Format 1 is the first
// format, so there is nothing to upgrade from yet.
var migrations []migration

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

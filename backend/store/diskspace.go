package store

import (
	"fmt"
)

// DefaultMinFreeBytes is the free space below which Update refuses to
// write. Badger writes its write-ahead log and new tables through mmap'd,
// pre-sized files: on a full disk such a write is not an error but a
// SIGBUS that kills the process (measured, docs/store.md). The reserve
// covers the rest of the current memtable log (up to 2 × 64 MiB), the
// table its flush writes, and a compaction's new tables.
const DefaultMinFreeBytes = 256 << 20

// checkSpace returns ErrDiskFull when the file system holding the store has
// less than minFree bytes available to us.
func (s *Store) checkSpace() error {
	if s.minFree == 0 {
		return nil
	}
	free, err := s.freeBytes(s.dir)
	if err != nil {
		// Not knowing is no reason to refuse a sale; Badger will report
		// real I/O errors itself.
		return nil
	}
	if free < s.minFree {
		if !s.diskFull.Swap(true) {
			s.log.Error().Uint64("free_mib", free>>20).Uint64("needed_mib", s.minFree>>20).Str("dir", s.dir).
				Msg("disk nearly full: refusing writes until space is freed")
		}
		return fmt.Errorf("%w: %d MiB free in %s, %d MiB needed", ErrDiskFull, free>>20, s.dir, s.minFree>>20)
	}
	if s.diskFull.Swap(false) {
		s.log.Info().Uint64("free_mib", free>>20).Msg("disk space back: accepting writes again")
	}
	return nil
}

package store

import (
	"fmt"
	"io"
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

// guardChunk is how much a SpaceGuard writer lets through between checks.
const guardChunk = 1 << 20

// SpaceGuard wraps w, a file on the store's file system (an export), so
// that it fails with ErrDiskFull instead of eating the reserve Badger
// needs: it checks the free space before the first write and after every
// MiB.
func (s *Store) SpaceGuard(w io.Writer) io.Writer { return &spaceGuard{s: s, w: w} }

type spaceGuard struct {
	s       *Store
	w       io.Writer
	pending int64 // bytes since the last check
	checked bool
}

func (g *spaceGuard) Write(p []byte) (int, error) {
	if !g.checked || g.pending >= guardChunk {
		if err := g.s.checkSpace(); err != nil {
			return 0, err
		}
		g.checked, g.pending = true, 0
	}
	n, err := g.w.Write(p)
	g.pending += int64(n)
	return n, err
}

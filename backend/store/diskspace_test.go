package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// Below the reserve, writes are refused before they reach Badger, reads go
// on, and writing resumes once space is back.
func TestUpdateRefusedWhenDiskNearlyFull(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 30)
	s, err := Open(t.TempDir(), Options{GCInterval: -1, MinFreeBytes: 100 << 20,
		freeBytes: func(string) (uint64, error) { return free.Load(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	put := func(k string) error {
		return s.Update(ctx, func(txn Tx) error { return txn.Set([]byte(k), []byte("v")) })
	}
	if err := put("a"); err != nil {
		t.Fatal(err)
	}

	free.Store(100<<20 - 1)
	ran := false
	err = s.Update(ctx, func(txn Tx) error { ran = true; return txn.Set([]byte("b"), []byte("v")) })
	if !errors.Is(err, ErrDiskFull) || ran {
		t.Fatalf("err = %v, fn ran = %v; want ErrDiskFull before fn", err, ran)
	}
	if err := s.View(func(txn Tx) error { _, err := txn.Get([]byte("a")); return err }); err != nil {
		t.Fatalf("read while disk full: %v", err)
	}
	if err := s.View(func(txn Tx) error { _, err := txn.Get([]byte("b")); return err }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("refused write is visible: %v", err)
	}

	free.Store(100 << 20)
	if err := put("b"); err != nil {
		t.Fatalf("write after space came back: %v", err)
	}
}

// The real query answers for the temp dir; a machine that cannot tell
// free space would silently lose the guard.
func TestFreeBytesOfRealFileSystem(t *testing.T) {
	n, err := freeBytes(t.TempDir())
	if err != nil || n == 0 {
		t.Fatalf("freeBytes = %d, %v", n, err)
	}
}

// An export file written through SpaceGuard stops at the reserve instead
// of using it up.
func TestSpaceGuardStopsAFileAtTheReserve(t *testing.T) {
	var free atomic.Int64
	free.Store(100<<20 + 3<<20)
	s, err := Open(t.TempDir(), Options{GCInterval: -1, MinFreeBytes: 100 << 20,
		freeBytes: func(string) (uint64, error) { return uint64(free.Load()), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var written int64
	w := s.SpaceGuard(writerFunc(func(p []byte) (int, error) {
		written += int64(len(p))
		free.Add(-int64(len(p))) // the file takes what it writes
		return len(p), nil
	}))
	chunk := make([]byte, 64<<10)
	var err2 error
	for range 200 { // 12.5 MiB offered, 3 MiB above the reserve
		if _, err2 = w.Write(chunk); err2 != nil {
			break
		}
	}
	if !errors.Is(err2, ErrDiskFull) {
		t.Fatalf("err = %v after %d bytes", err2, written)
	}
	// Checks come every MiB, so at most one MiB of the reserve is used.
	if written < 3<<20 || written > 4<<20 {
		t.Fatalf("wrote %d bytes, want 3..4 MiB", written)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

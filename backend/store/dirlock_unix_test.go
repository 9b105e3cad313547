//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A store another process has open is compacting under any check that
// reads its files: Open and InspectDir must say "in use", never
// "damaged", whatever the files look like at that moment.
func TestHeldDirectoryIsLockedNotDamaged(t *testing.T) {
	dir := t.TempDir()
	// What a reader can see mid-compaction: a table the MANIFEST does not
	// explain (here: no MANIFEST at all, which checkFiles calls damage).
	if err := os.WriteFile(filepath.Join(dir, "000001.sst"), []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{GCInterval: -1}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Open of a held directory: %v, want ErrLocked", err)
	}
	if _, err := InspectDir(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("InspectDir of a held directory: %v, want ErrLocked", err)
	}
	// Released, the same directory is what it is: damaged.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{GCInterval: -1}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open after release: %v, want ErrDamaged", err)
	}
}

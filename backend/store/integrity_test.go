package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// storeWithTable makes a store with data flushed into a table file and
// returns the table's path.
func storeWithTable(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	s := openTest(t, dir)
	err := s.Update(context.Background(), func(tx Tx) error {
		for i := range 2000 {
			if err := tx.Set([]byte(fmt.Sprintf("test/%06d", i)), []byte(strings.Repeat("v", 100))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // flushes the memtable into a table
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table file after close")
	}
	return dir, tables[0]
}

// A store whose MANIFEST is gone is refused, naming the directory, and
// its files stay as they were: it never opens empty beside the data.
func TestOpenRefusesTablesWithoutManifest(t *testing.T) {
	dir, table := storeWithTable(t)
	if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	_, err := Open(dir, Options{GCInterval: -1})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "no MANIFEST") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadDir(dir)
	if _, serr := os.Stat(table); serr != nil || len(after) != len(before) {
		t.Fatalf("the refused open changed the directory: %d → %d entries (%v)", len(before), len(after), serr)
	}
}

// A table with flipped bytes fails its checksum at open: refused, not
// opened to answer garbage later.
func TestOpenRefusesATableWithABadChecksum(t *testing.T) {
	dir, table := storeWithTable(t)
	b, err := os.ReadFile(table)
	if err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 116; i++ { // inside the first data block
		b[i] ^= 0xff
	}
	if err := os.WriteFile(table, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{GCInterval: -1})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(table)) {
		t.Fatalf("err = %v", err)
	}
}

// Every file of the store is its owner's alone, also in a store made
// with a lax umask before (fixed at open).
func TestStoreFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not how Windows protects the data directory")
	}
	dir, table := storeWithTable(t)
	_ = os.Chmod(table, 0o644)
	_ = os.Chmod(dir, 0o755)
	s := openTest(t, dir)
	_ = s.Close()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		if want := os.FileMode(0o600); d.IsDir() && info.Mode().Perm() != 0o700 || !d.IsDir() && info.Mode().Perm() != want {
			return fmt.Errorf("%s has mode %v", path, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A table verified at one open is not read again at the next, but
// writing into it is found even when its modification time is put back:
// the change time (Linux) cannot be.
func TestVerifiedTablesAreReadAgainOnlyWhenChanged(t *testing.T) {
	dir, table := storeWithTable(t)
	s := openTest(t, dir) // verifies the table and records it
	_ = s.Close()
	known := readVerified(dir)
	if _, ok := known[filepath.Base(table)]; !ok {
		t.Fatalf("verified tables %v lack %s", known, table)
	}
	fi, _ := os.Stat(table)
	b, _ := os.ReadFile(table)
	for i := 100; i < 116; i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(table, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		_ = os.Chtimes(table, fi.ModTime(), fi.ModTime())
	}
	if _, err := Open(dir, Options{GCInterval: -1}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a table written to after its verification opened: %v", err)
	}
	// doctor's inspection verifies every table, recorded or not.
	r, err := InspectDir(dir)
	if err != nil || !errors.Is(r.Damage, ErrDamaged) {
		t.Fatalf("inspect: %+v %v", r, err)
	}
}

// Tables the process itself wrote (its blocks checksummed as they were
// built) are in the verified list after a clean close, so the next open
// does not read them again; a table changed after that is read again.
func TestTablesWrittenByTheProcessAreRecordedAtClose(t *testing.T) {
	dir, table := storeWithTable(t) // the close flushed the memtable into table
	st, err := stampOf(table)
	if err != nil {
		t.Fatal(err)
	}
	if got := readVerified(dir)[filepath.Base(table)]; got != st {
		t.Fatalf("after close the verified list has %+v for %s, want %+v", got, filepath.Base(table), st)
	}
	// A table from before the open whose stamp changed while the store was
	// open is not vouched for at close.
	s := openTest(t, dir)
	if err := os.Chmod(table, 0o400); err != nil { // changes the inode change time
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		if _, ok := readVerified(dir)[filepath.Base(table)]; ok {
			t.Fatalf("a table changed while open stayed in the verified list")
		}
	}
}

package server

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// The desktop's File › Backup: a running server backs up its own store to
// a file that restores into an empty dir with the same instance, and a
// path it cannot write leaves nothing behind.
func TestServerBacksUpItsOwnStore(t *testing.T) {
	s := startServer(t, Config{})
	out := filepath.Join(t.TempDir(), "desk.bak")
	if err := s.BackupTo(out); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(out + ".*partial"); len(left) != 0 {
		t.Fatalf("partial file left: %v", left)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := filepath.Join(t.TempDir(), "restored")
	if _, err := store.Restore(f, dir, store.Options{GCInterval: -1}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, _ := st.InstanceID()
	want, _ := s.Store.InstanceID()
	if !bytes.Equal(got, want) || len(want) == 0 {
		t.Fatalf("restored instance %x, want %x", got, want)
	}
	if err := s.BackupTo(filepath.Join(t.TempDir(), "missing", "x.bak")); err == nil {
		t.Fatal("backup into a missing directory succeeded")
	}
}

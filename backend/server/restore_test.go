package server

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func mark(t *testing.T, st *store.Store, k string) {
	t.Helper()
	if err := st.Update(context.Background(), func(txn store.Tx) error { return txn.Set([]byte(k), []byte("x")) }); err != nil {
		t.Fatal(err)
	}
}

func has(st *store.Store, k string) bool {
	return st.View(func(txn store.Tx) error { _, err := txn.Get([]byte(k)); return err }) == nil
}

// The dashboard's restore: a staged backup replaces the store at the next
// start, and the data it replaced is kept beside it; garbage is refused
// before anything is staged.
func TestStagedRestoreAppliesAtNextStart(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mark(t, s.Store, "org/in-backup")
	var backup bytes.Buffer
	if _, err := s.Store.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	mark(t, s.Store, "org/after-backup")

	if _, err := StageRestore(cfg.DataDir, strings.NewReader("not a backup\n")); !errors.Is(err, store.ErrNotBackup) {
		t.Fatalf("garbage: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, pendingRestoreFile)); !os.IsNotExist(err) {
		t.Fatal("garbage was staged")
	}
	if _, err := StageRestore(cfg.DataDir, bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	if !has(s.Store, "org/after-backup") {
		t.Fatal("staging touched the running store")
	}
	_ = s.Close()

	s, err = New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !has(s.Store, "org/in-backup") || has(s.Store, "org/after-backup") {
		t.Fatal("the backup was not restored")
	}
	kept, _ := filepath.Glob(store.DBDir(cfg.DataDir) + ".before-restore-*")
	if len(kept) != 1 {
		t.Fatalf("replaced data not kept: %v", kept)
	}
	old, err := store.Open(kept[0], store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if !has(old, "org/after-backup") {
		t.Fatal("kept data lacks what the backup did not have")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, pendingRestoreFile)); !os.IsNotExist(err) {
		t.Fatal("staged backup left behind")
	}
}

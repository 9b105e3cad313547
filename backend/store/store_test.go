package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{GCInterval: -1})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawSet writes keys with plain Badger, bypassing Open's format handling.
func rawSet(t *testing.T, dir string, kv map[string][]byte) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		for k, v := range kv {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenStampsFormatAndKeepsInstanceID(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	id, err := s.InstanceID()
	if err != nil || len(id) != 16 {
		t.Fatalf("instance id = %x, %v", id, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir)
	id2, _ := s2.InstanceID()
	if !bytes.Equal(id, id2) {
		t.Fatalf("instance id changed across reopen: %x → %x", id, id2)
	}
}

func TestOpenRefusesNewerFormat(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	_ = s.Close()
	rawSet(t, dir, map[string][]byte{string(keyFormat): u32(FormatVersion + 1)})

	_, err := Open(dir, Options{GCInterval: -1})
	if !errors.Is(err, ErrNewerFormat) {
		t.Fatalf("err = %v, want ErrNewerFormat", err)
	}
	want := fmt.Sprintf("store format %d, this binary supports up to %d", FormatVersion+1, FormatVersion)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("message %q should name the formats and the directory", err)
	}
}

func TestOpenRefusesForeignDatabase(t *testing.T) {
	dir := t.TempDir()
	rawSet(t, dir, map[string][]byte{"someone/else": []byte("x")})
	_, err := Open(dir, Options{GCInterval: -1})
	if !errors.Is(err, ErrUnknownData) {
		t.Fatalf("err = %v, want ErrUnknownData", err)
	}
}

func TestOpenRefusesDirectoryHeldByAnotherHandle(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	_, err := Open(dir, Options{GCInterval: -1})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

func TestInsertGetSentinels(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	key := []byte("test/a")
	if err := s.View(func(txn Tx) error { _, err := txn.Get(key); return err }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v, want ErrNotFound", err)
	}
	if err := s.Update(ctx, func(txn Tx) error { return Insert(txn, key, []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(txn Tx) error { return Insert(txn, key, []byte("2")) }); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("second insert: %v, want ErrAlreadyExists", err)
	}
	var got []byte
	_ = s.View(func(txn Tx) (err error) { got, err = txn.Get(key); return err })
	if string(got) != "1" {
		t.Fatalf("value = %q, the failed insert must not overwrite", got)
	}
}

func TestOperationsAfterCloseFail(t *testing.T) {
	s := openTest(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := s.View(func(Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("view after close: %v", err)
	}
	if err := s.Update(context.Background(), func(Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("update after close: %v", err)
	}
	if _, err := s.Backup(&bytes.Buffer{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("backup after close: %v", err)
	}
}

func TestMigrationsRunInOrderAndMissingStepFails(t *testing.T) {
	s := openTest(t, t.TempDir())
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = []migration{{from: 1, name: "add marker", run: func(txn Tx) error {
		return txn.Set([]byte("test/marker"), []byte("migrated"))
	}}}

	if err := s.migrate(1, 2); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(txn Tx) error {
		v, _ := txn.Get(keyFormat)
		m, _ := txn.Get([]byte("test/marker"))
		if !bytes.Equal(v, u32(2)) || string(m) != "migrated" {
			t.Fatalf("after migration: format %x marker %q", v, m)
		}
		return nil
	})
	if err := s.migrate(2, 3); err == nil || !strings.Contains(err.Error(), "no migration from store format 2") {
		t.Fatalf("missing step: %v", err)
	}
}

func fill(t *testing.T, s *Store, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	err := s.Update(context.Background(), func(txn Tx) error {
		for i := range n {
			k, v := fmt.Sprintf("test/%06d", i), strings.Repeat(fmt.Sprint(i), 1+i%50)
			want[k] = v
			if err := txn.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func dump(t *testing.T, s *Store) map[string]string {
	t.Helper()
	got := map[string]string{}
	_ = s.View(func(txn Tx) error {
		it := txn.Iterate(IterOptions{})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			v, err := it.Value()
			if err != nil {
				t.Fatal(err)
			}
			got[string(it.Key())] = string(v)
		}
		return nil
	})
	return got
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	src := openTest(t, t.TempDir())
	fill(t, src, 2000)
	var buf bytes.Buffer
	if _, err := src.Backup(&buf); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "restored")
	h, err := Restore(bytes.NewReader(buf.Bytes()), dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Format != FormatVersion {
		t.Fatalf("header format %d", h.Format)
	}
	restored := openTest(t, dst)
	want, got := dump(t, src), dump(t, restored)
	if len(got) != len(want) {
		t.Fatalf("restored %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("key %q: restored %q, want %q", k, got[k], v)
		}
	}
}

func TestRestoreRefusesNonEmptyDirAndLeavesItAlone(t *testing.T) {
	src := openTest(t, t.TempDir())
	var buf bytes.Buffer
	if _, err := src.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	keep := filepath.Join(dst, "precious.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(&buf, dst, Options{}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("err = %v, want ErrNotEmpty", err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Fatalf("existing file touched: %q %v", b, err)
	}
}

func TestRestoreRejectsBadInputWithoutLeavingAStore(t *testing.T) {
	cases := map[string]string{
		"not a backup":   "hello world\n",
		"newer format":   fmt.Sprintf(`{"magic":"fiskaldesk-backup","store_format":%d}`+"\n", FormatVersion+1),
		"truncated body": `{"magic":"fiskaldesk-backup","store_format":1}` + "\n\x05\x00\x00",
		// Badger's Load trusts a record's length: these panicked
		// (makeslice) or asked for a terabyte before the record guard.
		"garbage body":             `{"magic":"fiskaldesk-backup","store_format":1}` + "\n" + strings.Repeat("garbage ", 64),
		"a record of a terabyte":   `{"magic":"fiskaldesk-backup","store_format":1}` + "\n\x00\x00\x00\x00\x00\x01\x00\x00" + "xyz",
		"a record longer than all": `{"magic":"fiskaldesk-backup","store_format":1}` + "\n\x00\x10\x00\x00\x00\x00\x00\x00" + "xyz",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "db")
			_, err := Restore(strings.NewReader(in), dst, Options{})
			if err == nil {
				t.Fatal("restore accepted bad input")
			}
			if strings.Contains(name, "record") || strings.Contains(name, "garbage") {
				if !errors.Is(err, ErrDamagedBackup) && !strings.Contains(err.Error(), "unexpected EOF") {
					t.Fatalf("err = %v, want a damaged backup", err)
				}
			}
			if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a failed restore left %s behind (%v)", dst, err)
			}
		})
	}
}

func TestMemoryBudgetOfDefaults(t *testing.T) {
	// The workstation defaults leave room under the default soft limit
	// (224 MiB) for the process's own memory.
	if b := DefaultMemory().Budget() >> 20; b > 190 {
		t.Fatalf("budget of the defaults %d MiB", b)
	}
	if got := (Memory{}).MaxWriteBytes(); got != 16<<20*15/100 {
		t.Fatalf("max write %d", got)
	}
	for _, bad := range []Memory{{MemTableMB: 8}, {MemTables: 17}, {Compactors: 1}, {TableMB: 300}, {BlockCacheMB: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// A store left after an unclean stop with a memtable log written with
// bigger memtables (an older version's 64 MiB, or other settings) opens
// with the workstation's 16 MiB and keeps every key: the log is replayed
// into a memtable of the size it was written with.
func TestOpenReplaysBiggerMemtableLog(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	s, err := Open(src, Options{GCInterval: -1, Memory: Memory{MemTableMB: 128}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	val := bytes.Repeat([]byte("v"), 1000)
	const keys = 40_000 // ~40 MiB: more than a 16 MiB memtable holds, and no flush at 128
	for b := 0; b < keys; b += 2000 {
		err := s.Update(context.Background(), func(tx Tx) error {
			for i := b; i < b+2000; i++ {
				if err := tx.Set(fmt.Appendf(nil, "k/%08d", i), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Copy the files while the store is open, as a kill -9 leaves them:
	// the writes are only in the memtable log.
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	mems, _ := filepath.Glob(filepath.Join(dst, "*.mem"))
	if len(mems) == 0 {
		t.Fatal("no memtable log left to replay")
	}
	_ = os.Remove(filepath.Join(dst, "LOCK"))
	d, err := Open(dst, Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	err = d.View(func(tx Tx) error {
		return ScanKeys(tx, []byte("k/"), func([]byte) error { n++; return nil })
	})
	if err != nil || n != keys {
		t.Fatalf("after replay %d keys, %v; want %d", n, err, keys)
	}
}

// Generation moves after a commit that wrote anything but signing data,
// and only then: caches of access decisions rely on it.
func TestGenerationMovesOnNonSigningWrites(t *testing.T) {
	s, err := OpenMemory(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	step := func(name string, want uint64, fn func(tx Tx) error) {
		t.Helper()
		g := s.Generation()
		_ = s.Update(ctx, fn)
		if got := s.Generation() - g; got != want {
			t.Fatalf("%s: generation moved by %d, want %d", name, got, want)
		}
	}
	step("signing data only", 0, func(tx Tx) error {
		if err := PutTSSCounters(tx, "t1", TSSCounters{Sig: 1}); err != nil {
			return err
		}
		if err := tx.Set(LogKey("t1", 1), []byte("log")); err != nil {
			return err
		}
		if err := tx.Set(TxKey("t1", "x"), []byte("{}")); err != nil {
			return err
		}
		return tx.Delete(TxActiveKey("t1", "x"))
	})
	step("an API key", 1, func(tx Tx) error { return tx.Set(APIKeyKey("k"), []byte("{}")) })
	step("a TSS record with a log", 1, func(tx Tx) error {
		if err := tx.Set(LogKey("t1", 2), []byte("log")); err != nil {
			return err
		}
		return tx.Set(TSSKey("t1"), []byte("{}"))
	})
	step("a delete of an organization", 1, func(tx Tx) error { return tx.Delete(OrgKey("o")) })
	step("a failed update", 0, func(tx Tx) error {
		_ = tx.Set(APIKeyKey("k"), []byte(`{"status":"DISABLED"}`))
		return errors.New("no")
	})
	step("nothing", 0, func(tx Tx) error { return nil })
	if err := s.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	step("signing data with the outbox on", 0, func(tx Tx) error { return tx.Set(LogKey("t1", 3), []byte("log")) })
	step("a user with the outbox on", 1, func(tx Tx) error { return tx.Set(UserKey("u"), []byte("{}")) })
}

// A process killed while Badger deletes a flushed memtable's log leaves
// that log truncated to zero bytes; the store still opens, with its data.
func TestOpenAfterAKillMidwayThroughDeletingAMemtableLog(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx Tx) error { return tx.Set([]byte("test/a"), []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "00007.mem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	if err := s.View(func(tx Tx) error { _, err := tx.Get([]byte("test/a")); return err }); err != nil {
		t.Fatalf("after reopening: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "00007.mem")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the empty log is still there: %v", err)
	}
}

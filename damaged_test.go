package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// A damaged data dir refuses to start with a message and a non-zero exit,
// never as an empty store; fiskaldesk doctor says what it found (the real
// binary, docs/security.md › Data at rest).

// usedDataDir runs serve with a bootstrap key and a TSS with a signed
// transaction, stops it, and returns the data dir.
func usedDataDir(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	env := []string{"FISKALDESK_BOOTSTRAP_API_KEY=test_damagekey", "FISKALDESK_BOOTSTRAP_API_SECRET=damage-secret-0123456789"}
	p := start(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
	tok := mustCall(t, "POST", p.url+"/api/v2/auth", "", map[string]string{"api_key": "test_damagekey", "api_secret": "damage-secret-0123456789"})["access_token"].(string)
	setupTSS(t, p.url, tok, 1)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	return data
}

// serveFails runs serve on data and returns its stderr, failing unless it
// exits non-zero without serving.
func serveFails(t *testing.T, data string, env ...string) string {
	t.Helper()
	out, stderr, code := run(t, append([]string{"FISKALDESK_BOOTSTRAP_API_KEY=test_damagekey", "FISKALDESK_BOOTSTRAP_API_SECRET=damage-secret-0123456789"}, env...),
		"serve", "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || strings.Contains(out, "running at") {
		t.Fatalf("serve started on a damaged data dir: code %d\n%s%s", code, out, stderr)
	}
	return stderr
}

func doctor(t *testing.T, data string) (string, int) {
	t.Helper()
	out, stderr, code := run(t, nil, "doctor", "--data", data)
	return out + stderr, code
}

func TestDamagedDataDirRefusesToStart(t *testing.T) {
	t.Run("missing data key", func(t *testing.T) {
		data := usedDataDir(t)
		keyFile := filepath.Join(data, "data.key")
		_ = os.Remove(keyFile)
		if msg := serveFails(t, data); !strings.Contains(msg, keyFile) || !strings.Contains(msg, "missing") {
			t.Fatalf("message %q", msg)
		}
		if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
			t.Fatal("a new data key was made")
		}
		if out, code := doctor(t, data); code != 1 || !strings.Contains(out, "PROBLEM  data key") {
			t.Fatalf("doctor: %d\n%s", code, out)
		}
	})
	t.Run("wrong data key", func(t *testing.T) {
		data := usedDataDir(t)
		_ = os.WriteFile(filepath.Join(data, "data.key"), bytes.Repeat([]byte{3}, 32), 0o600)
		if msg := serveFails(t, data); !strings.Contains(msg, "does not open this store") {
			t.Fatalf("message %q", msg)
		}
	})
	t.Run("missing MANIFEST", func(t *testing.T) {
		data := usedDataDir(t)
		db := store.DBDir(data)
		_ = os.Remove(filepath.Join(db, "MANIFEST"))
		before, _ := os.ReadDir(db)
		if msg := serveFails(t, data); !strings.Contains(msg, "no MANIFEST") || !strings.Contains(msg, db) {
			t.Fatalf("message %q", msg)
		}
		after, _ := os.ReadDir(db)
		if len(after) != len(before) {
			t.Fatalf("the refused start changed %s: %d → %d files", db, len(before), len(after))
		}
		if out, code := doctor(t, data); code != 1 || !strings.Contains(out, "no MANIFEST") {
			t.Fatalf("doctor: %d\n%s", code, out)
		}
	})
	t.Run("table with flipped bytes", func(t *testing.T) {
		data := usedDataDir(t)
		tables, _ := filepath.Glob(filepath.Join(store.DBDir(data), "*.sst"))
		if len(tables) == 0 {
			t.Fatal("no table")
		}
		b, _ := os.ReadFile(tables[0])
		for i := 200; i < 232; i++ {
			b[i] ^= 0x5a
		}
		_ = os.WriteFile(tables[0], b, 0o600)
		if msg := serveFails(t, data); !strings.Contains(msg, "damaged") || !strings.Contains(msg, filepath.Base(tables[0])) {
			t.Fatalf("message %q", msg)
		}
		if out, code := doctor(t, data); code != 1 || !strings.Contains(out, filepath.Base(tables[0])) {
			t.Fatalf("doctor: %d\n%s", code, out)
		}
	})
}

// doctor on a healthy data dir says so (exit 0); with a signed log
// removed behind the store's back it names the TSS and the gap (exit 1);
// it refuses a data dir a server holds.
func TestDoctorChecksCountersAndIndexes(t *testing.T) {
	data := usedDataDir(t)
	out, code := doctor(t, data)
	if code != 0 || !strings.Contains(out, "No problems found") || !strings.Contains(out, "1 TSS") {
		t.Fatalf("healthy: %d\n%s", code, out)
	}
	if runtime.GOOS != "windows" {
		_ = filepath.WalkDir(data, func(path string, d os.DirEntry, err error) error {
			if info, ierr := d.Info(); err == nil && ierr == nil && info.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s is %v: others may read it", path, info.Mode().Perm())
			}
			return nil
		})
	}

	st, err := store.Open(store.DBDir(data), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var tssID string
	err = st.Update(context.Background(), func(tx store.Tx) error {
		it := tx.Iterate(store.IterOptions{Prefix: []byte("log/"), KeysOnly: true})
		defer it.Close()
		k := append([]byte(nil), it.Key()...)
		tssID = strings.Split(string(k), "/")[1]
		it.Close()
		return tx.Delete(k) // the first signed log of the TSS
	})
	_ = st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, code = doctor(t, data)
	if code != 1 || !strings.Contains(out, "TSS "+tssID) || !strings.Contains(out, "missing") {
		t.Fatalf("after a lost log: %d\n%s", code, out)
	}

	p := startServe(t, data)
	if out, code := doctor(t, data); code != 1 || !strings.Contains(out, "in use by another fiskaldesk process") {
		t.Fatalf("doctor on a running server's dir: %d\n%s", code, out)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
}

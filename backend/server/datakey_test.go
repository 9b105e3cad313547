package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

func startNew(t *testing.T, cfg Config) (*Server, error) {
	t.Helper()
	s, err := New(cfg, zerolog.Nop(), nil)
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}

// A data key that is missing, or not the one the store's secrets were
// sealed with, refuses to start naming the file, instead of a new key
// under which every signing call fails.
func TestDataKeyMissingOrWrongRefusesToStart(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := startNew(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(cfg.DataDir, dataKeyFile)
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data key file: %v %v", fi, err)
	}
	_ = s.Close()
	good, _ := os.ReadFile(keyFile)

	_ = os.Remove(keyFile)
	if _, err := startNew(t, cfg); !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), keyFile) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatal("a refused start made a new data key")
	}
	_ = os.WriteFile(keyFile, bytes.Repeat([]byte{1}, 32), 0o600)
	if _, err := startNew(t, cfg); !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), keyFile) || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("wrong key: %v", err)
	}
	wrongEnv := cfg
	wrongEnv.DataKey = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
	if _, err := startNew(t, wrongEnv); !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), "FISKALDESK_DATA_KEY") {
		t.Fatalf("wrong env key: %v", err)
	}
	_ = os.WriteFile(keyFile, good, 0o600)
	if _, err := startNew(t, cfg); err != nil {
		t.Fatalf("the right key: %v", err)
	}
}

// A store of before the check value, whose sandbox CA is sealed: the key
// is checked against the CA, then the check value is written.
func TestDataKeyOfAnOlderStoreIsCheckedAgainstItsSecrets(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	key := bytes.Repeat([]byte{9}, 32)
	sealer, _ := secret.NewSealer(key)
	st, err := store.Open(store.DBDir(cfg.DataDir), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ca := `{"v":1,"cert":"","sealed_key":"` + b64(sealer.Seal([]byte("ca key"), []byte("ca"))) + `"}`
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.Set(store.CAKey(), []byte(ca)) }); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	keyFile := filepath.Join(cfg.DataDir, dataKeyFile)
	if _, err := startNew(t, cfg); !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("older store without its key: %v", err)
	}
	_ = os.WriteFile(keyFile, bytes.Repeat([]byte{8}, 32), 0o600)
	if _, err := startNew(t, cfg); !errors.Is(err, ErrDataKey) || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("older store with another key: %v", err)
	}
	_ = os.WriteFile(keyFile, key, 0o600)
	s, err := startNew(t, cfg)
	if err != nil {
		t.Fatalf("older store with its key: %v", err)
	}
	if !has(s.Store, string(store.KeyDataKeyCheck)) {
		t.Fatal("no check value written")
	}
}

// The token signing key is sealed: neither the data dir's files nor a
// backup hold it in clear. A store of before, with the key in clear, gets
// a new one: a token signed with the old key no longer works.
func TestTokenKeyIsSealedAndAClearOneRetired(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	// An older store: the token key in clear.
	st, err := store.Open(store.DBDir(cfg.DataDir), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Repeat([]byte{0x42}, 32)
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.Set(store.KeyRetiredClearTokenKey, old) }); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	s, err := startNew(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if has(s.Store, string(store.KeyRetiredClearTokenKey)) {
		t.Fatal("the clear token key is still there")
	}
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "fiskaldesk", "knd": "user", "use": "access", "sub": "x", "exp": 4102444800}).SignedString(old)
	if _, err := s.Auth.Resolve(forged); err == nil {
		t.Fatal("a token signed with the retired clear key is accepted")
	}
	// The current key, unsealed with the data key, signs what the server signs.
	var box []byte
	_ = s.Store.View(func(tx store.Tx) (err error) { box, err = tx.Get(store.KeyTokenKey); return err })
	dk, _ := os.ReadFile(filepath.Join(cfg.DataDir, dataKeyFile))
	sealer, _ := secret.NewSealer(dk)
	key, err := sealer.Open(box, []byte("token-key"))
	if err != nil || len(key) != 32 {
		t.Fatalf("token key: %v", err)
	}
	var backup bytes.Buffer
	if _, err := s.Store.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(backup.Bytes(), key) || bytes.Contains(backup.Bytes(), old) {
		t.Fatal("the backup holds a token key in clear")
	}
	_ = s.Close()
	_ = filepath.WalkDir(store.DBDir(cfg.DataDir), func(path string, d os.DirEntry, err error) error {
		if b, rerr := os.ReadFile(path); err == nil && rerr == nil && !d.IsDir() && bytes.Contains(b, key) {
			t.Errorf("%s holds the token key in clear", path)
		}
		return nil
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

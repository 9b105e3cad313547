package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// dataKeyFile holds the 32-byte key that seals TSS private keys, the token
// key and the sync credential. It lives beside the store, not in it, so a
// copy of the store alone (a backup file) does not carry the means to open
// them.
const dataKeyFile = "data.key"

// ErrDataKey is a data key that is missing or does not fit the store.
var ErrDataKey = errors.New("data key")

// dataKeyCheck is the text sealed into store.KeyDataKeyCheck.
var (
	dataKeyCheck    = []byte("fiskaldesk data key check")
	dataKeyCheckAAD = []byte("data-key-check")
)

// dataKeySource is where the key comes from, for messages.
func dataKeySource(cfg Config) string {
	if cfg.DataKey != "" {
		return "FISKALDESK_DATA_KEY"
	}
	return filepath.Join(cfg.DataDir, dataKeyFile)
}

// readDataKey returns FISKALDESK_DATA_KEY (base64) when set, else the key
// in <data>/data.key; nil when that file does not exist.
func readDataKey(cfg Config) ([]byte, error) {
	if cfg.DataKey != "" {
		k, err := base64.StdEncoding.DecodeString(cfg.DataKey)
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("%w: FISKALDESK_DATA_KEY must be 32 bytes in base64", ErrDataKey)
		}
		return k, nil
	}
	path := dataKeySource(cfg)
	k, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read data key: %w", err)
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("%w: %s has %d bytes, want 32", ErrDataKey, path, len(k))
	}
	return k, nil
}

// createDataKey writes a new key to <data>/data.key (0600).
func createDataKey(path string) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create data key: %w", err)
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		return nil, fmt.Errorf("write data key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

// sealedCheck is a test whether a sealer opens what the store holds
// sealed; sealed is false when it holds nothing of the kind.
type sealedCheck func(*secret.Sealer) (sealed bool, err error)

// openDataKey returns the sealer of the data key, checked against the
// store so that a wrong or missing key refuses to start with a message
// naming the file — not a new key that makes every signing call fail.
//
//   - The store has a check value: the key must exist and open it.
//   - It has none but holds sealed secrets (a store of before the check
//     value): the key must exist and open them; then the check value is
//     written.
//   - It holds nothing sealed (a new store): the key is created if
//     missing, and the check value written.
func openDataKey(cfg Config, st *store.Store, legacy ...sealedCheck) (*secret.Sealer, error) {
	return dataKey(cfg, st, true, legacy...)
}

// dataKey is openDataKey; with write false (fiskaldesk doctor) it only
// checks: no key file is made, no check value written, and a store with
// nothing sealed yields a nil sealer.
func dataKey(cfg Config, st *store.Store, write bool, legacy ...sealedCheck) (*secret.Sealer, error) {
	src := dataKeySource(cfg)
	k, err := readDataKey(cfg)
	if err != nil {
		return nil, err
	}
	var check []byte
	err = st.View(func(tx store.Tx) (err error) {
		check, err = tx.Get(store.KeyDataKeyCheck)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	missing := fmt.Errorf("%w %s is missing, but this store's secrets (TSS keys, the token key) were sealed with it; "+
		"fiskaldesk will not start without it. Put back the data.key that belongs to this data directory "+
		"(keep it with your backups), or set FISKALDESK_DATA_KEY", ErrDataKey, src)
	wrong := fmt.Errorf("%w %s does not open this store's sealed secrets: it belongs to another data directory. "+
		"Put back the data.key of this one (or set FISKALDESK_DATA_KEY to it)", ErrDataKey, src)
	if check != nil {
		if k == nil {
			return nil, missing
		}
		s, err := secret.NewSealer(k)
		if err != nil {
			return nil, err
		}
		if _, err := s.Open(check, dataKeyCheckAAD); err != nil {
			return nil, wrong
		}
		return s, nil
	}
	// No check value yet: a new store, or one of before it.
	var s *secret.Sealer
	if k != nil {
		if s, err = secret.NewSealer(k); err != nil {
			return nil, err
		}
	}
	for _, c := range legacy {
		probe := s
		if probe == nil {
			// Any sealer tells whether something sealed is there.
			probe, _ = secret.NewSealer(make([]byte, 32))
		}
		sealed, err := c(probe)
		if !sealed {
			continue
		}
		if s == nil {
			return nil, missing
		}
		if err != nil {
			return nil, wrong
		}
	}
	if !write {
		return s, nil
	}
	if s == nil {
		if k, err = createDataKey(src); err != nil {
			return nil, err
		}
		if s, err = secret.NewSealer(k); err != nil {
			return nil, err
		}
	}
	err = st.Update(context.Background(), func(tx store.Tx) error {
		return tx.Set(store.KeyDataKeyCheck, s.Seal(dataKeyCheck, dataKeyCheckAAD))
	})
	return s, err
}

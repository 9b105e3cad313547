package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// dataKeyFile holds the 32-byte key that seals TSS private keys. It lives
// beside the store, not in it, so a copy of the store alone (a backup
// file) does not carry the means to open the keys.
const dataKeyFile = "data.key"

// loadDataKey returns FISKALDESK_DATA_KEY (base64) when set, else the key
// in <data>/data.key, created (mode 0600) on first start.
func loadDataKey(cfg Config) ([]byte, error) {
	if cfg.DataKey != "" {
		k, err := base64.StdEncoding.DecodeString(cfg.DataKey)
		if err != nil || len(k) != 32 {
			return nil, errors.New("FISKALDESK_DATA_KEY must be 32 bytes in base64")
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, dataKeyFile)
	k, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k = make([]byte, 32)
		_, _ = rand.Read(k)
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
	if err != nil {
		return nil, fmt.Errorf("read data key: %w", err)
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("data key %s has %d bytes, want 32", path, len(k))
	}
	return k, nil
}

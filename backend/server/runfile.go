package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
)

// RunFile is written to <data>/run.json while a server holds the store.
// It tells CLI commands on the same machine (backup, the lock message)
// where the running instance listens and gives them a token for its
// /api/local routes. Whoever can read the data dir can read the data
// anyway, so the file's 0600 mode is the whole protection.
type RunFile struct {
	PID     int    `json:"pid"`
	URL     string `json:"url"`
	Token   string `json:"token"`
	Version string `json:"version"`
}

func runFilePath(dataDir string) string { return filepath.Join(dataDir, "run.json") }

// ReadRunFile reads the run file of dataDir.
func ReadRunFile(dataDir string) (RunFile, error) {
	var rf RunFile
	b, err := os.ReadFile(runFilePath(dataDir))
	if err != nil {
		return rf, err
	}
	return rf, json.Unmarshal(b, &rf)
}

func (rf RunFile) write(dataDir string) error {
	b, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	tmp := runFilePath(dataDir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, runFilePath(dataDir))
}

func removeRunFile(dataDir string) { _ = os.Remove(runFilePath(dataDir)) }

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

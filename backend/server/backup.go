package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/api"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// errPostgresBackup: fiskaldesk backups are Badger streams.
var errPostgresBackup = errors.New("the store is in PostgreSQL (--store / FISKALDESK_STORE): back it up with pg_dump or the database's own backups (docs/scale.md)")

// Backup writes a consistent backup of the store in cfg.DataDir to the
// file out. When no process holds the store it is opened directly; when a
// server holds it, the backup is streamed from that server. The file
// appears under its name only once complete. It returns how it was taken.
func Backup(cfg Config, log zerolog.Logger, out string) (string, error) {
	if cfg.Postgres() {
		// Opening <data>/db here would back up an empty Badger store.
		return "", errPostgresBackup
	}
	var how string
	err := writeFile(out, func(w io.Writer) (err error) {
		how, err = backupTo(cfg, log, w)
		return err
	})
	return how, err
}

// BackupTo writes a backup of the running server's own store to out (the
// desktop app's File › Backup).
func (s *Server) BackupTo(out string) error {
	return writeFile(out, func(w io.Writer) error {
		_, err := s.Store.Backup(w)
		return err
	})
}

// writeFile writes out through a .partial file that is synced and renamed
// only when write succeeded, so a failed backup never looks like one. The
// .partial name is unique: two writers of one file at once (two restore
// uploads) each rename a whole file of their own, where a shared name
// made them write into one file and leave a mix of both.
func writeFile(out string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".*.partial") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func backupTo(cfg Config, log zerolog.Logger, w io.Writer) (string, error) {
	// Opening a missing store would create an empty one and back that up.
	if _, err := os.Stat(store.DBDir(cfg.DataDir)); err != nil {
		return "", fmt.Errorf("no fiskaldesk store in %s: %w", cfg.DataDir, err)
	}
	ApplyMemoryLimit(cfg.MemoryLimitMB)
	st, err := store.Open(store.DBDir(cfg.DataDir), store.Options{Logger: log, GCInterval: -1, Memory: cfg.Memory})
	if err == nil {
		defer st.Close()
		_, err = st.Backup(w)
		return "from the store directly", err
	}
	if !errors.Is(err, store.ErrLocked) {
		return "", err
	}
	rf, rerr := ReadRunFile(cfg.DataDir)
	if rerr != nil {
		return "", fmt.Errorf("the store is held by another process that left no run file (%v); stop it and retry", rerr)
	}
	return "online from " + rf.URL, onlineBackup(rf, w)
}

// localPost calls a /api/local route of the server whose run file is rf,
// with the run file's token.
func localPost(rf RunFile, path string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, rf.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+rf.Token)
	return http.DefaultClient.Do(req)
}

func onlineBackup(rf RunFile, w io.Writer) error {
	resp, err := localPost(rf, "/api/local/backup")
	if err != nil {
		return fmt.Errorf("online backup from %s: %w", rf.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("online backup from %s: %s: %s", rf.URL, resp.Status, body)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("online backup from %s: %w", rf.URL, err)
	}
	if resp.Trailer.Get(api.BackupTrailer) != "complete" {
		return fmt.Errorf("online backup from %s: stream ended before the backup was complete", rf.URL)
	}
	return nil
}

// Restore restores the backup file in into the data dir cfg.DataDir,
// which must be empty or absent.
func Restore(cfg Config, log zerolog.Logger, in string) (store.BackupHeader, error) {
	if cfg.Postgres() {
		return store.BackupHeader{}, errPostgresRestore
	}
	f, err := os.Open(in)
	if err != nil {
		return store.BackupHeader{}, err
	}
	defer f.Close()
	entries, err := os.ReadDir(cfg.DataDir)
	if err == nil && len(entries) > 0 {
		return store.BackupHeader{}, fmt.Errorf("%w: %s; restore only into an empty or new directory", store.ErrNotEmpty, cfg.DataDir)
	}
	ApplyMemoryLimit(cfg.MemoryLimitMB)
	return store.Restore(f, store.DBDir(cfg.DataDir), store.Options{Logger: log, Memory: cfg.Memory})
}

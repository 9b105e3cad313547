package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// A restore from the dashboard cannot replace the store the running
// instance holds open. It is staged instead: the uploaded backup is
// checked and kept as <data>/restore-pending.backup, and the next start
// restores it before opening the store, keeping the replaced data as
// db.before-restore-<time>. Nothing is deleted either way.
const pendingRestoreFile = "restore-pending.backup"

// StageRestore checks that r is a fiskaldesk backup this binary can read
// and stages it for the next start of the instance in dataDir.
func StageRestore(dataDir string, r io.Reader) (store.BackupHeader, error) {
	final := filepath.Join(dataDir, pendingRestoreFile)
	var h store.BackupHeader
	err := writeFile(final, func(w io.Writer) error {
		br := bufio.NewReader(r)
		var line []byte
		var err error
		if h, line, err = store.ReadBackupHeader(br); err != nil {
			return err
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		_, err = io.Copy(w, br)
		return err
	})
	return h, err
}

// applyPendingRestore runs a staged restore before the store opens. A
// backup that fails to load is set aside as restore-failed.backup and the
// current data is used unchanged.
func applyPendingRestore(dataDir string, mem store.Memory, log zerolog.Logger) error {
	pending := filepath.Join(dataDir, pendingRestoreFile)
	f, err := os.Open(pending)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	db := store.DBDir(dataDir)
	tmp := db + ".restoring"
	_ = os.RemoveAll(tmp) // a restore interrupted earlier
	if _, err := store.Restore(f, tmp, store.Options{Logger: log, Memory: mem}); err != nil {
		log.Error().Err(err).Msg("staged restore failed; starting with the current data")
		_ = os.Rename(pending, filepath.Join(dataDir, "restore-failed.backup"))
		return nil
	}
	kept := fmt.Sprintf("%s.before-restore-%s", db, time.Now().UTC().Format("20060102T150405Z"))
	if _, err := os.Stat(db); err == nil {
		if err := os.Rename(db, kept); err != nil {
			return fmt.Errorf("restore: keep the current data: %w", err)
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Remove(pending); err != nil {
		return fmt.Errorf("restore: remove the staged backup: %w", err)
	}
	log.Warn().Str("previous_data", kept).Msg("restored the staged backup")
	return nil
}

package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dgraph-io/badger/v4"
)

// A backup file is a one-line JSON header followed by Badger's backup
// stream. The header lets restore refuse a file that is not a fiskaldesk
// backup, or one from a newer store format, before touching anything.
const backupMagic = "fiskaldesk-backup"

// BackupHeader is the first line of a backup file.
type BackupHeader struct {
	Magic       string `json:"magic"`
	Format      uint32 `json:"store_format"`
	ReadVersion uint64 `json:"read_version"`
}

// ErrNotBackup is returned by Restore for input that is not a fiskaldesk backup.
var ErrNotBackup = errors.New("store: not a fiskaldesk backup file")

// Backup writes a consistent full backup of the open store to w. It runs
// against a snapshot, so it may run while the store serves writes; it
// returns the snapshot version for a later incremental backup.
func (s *Store) Backup(w io.Writer) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, ErrClosed
	}
	h := BackupHeader{Magic: backupMagic, Format: FormatVersion, ReadVersion: s.eng.maxVersion()}
	line, err := json.Marshal(h)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	v, err := s.eng.backup(w)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return v, nil
}

// Restore loads a backup from r into dir, which must not exist or be
// empty; anything else is refused so that no data is ever overwritten.
// On failure dir is removed again, leaving no half-restored store.
func Restore(r io.Reader, dir string, opt Options) (BackupHeader, error) {
	br := bufio.NewReader(r)
	h, _, err := ReadBackupHeader(br)
	if err != nil {
		return h, err
	}
	if err := ensureEmptyDir(dir); err != nil {
		return h, err
	}
	err = restoreInto(br, dir, opt)
	if err != nil {
		_ = os.RemoveAll(dir)
	}
	return h, err
}

func restoreInto(r io.Reader, dir string, opt Options) error {
	db, err := badger.Open(badgerOptions(dir, opt.Logger, opt.Memory))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Batches of up to a transaction's size in flight: 8 of them, not
	// Badger's example 256 (a memtable's 15 % each, they are heap).
	if err := db.Load(r, 8); err != nil {
		_ = db.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Opening once runs the format check and any migration, so a restore
	// that succeeds leaves a store the server will open.
	s, err := Open(dir, Options{Logger: opt.Logger, GCInterval: -1, Memory: opt.Memory})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return s.Close()
}

// ReadBackupHeader reads and checks the header line of a backup from br,
// which is left at the start of Badger's stream. It returns the header
// and the line as read (for a copy of the file). ErrNotBackup: not a
// fiskaldesk backup; ErrNewerFormat: from a newer binary.
func ReadBackupHeader(br *bufio.Reader) (BackupHeader, []byte, error) {
	line, err := br.ReadBytes('\n')
	var h BackupHeader
	if err != nil || json.Unmarshal(line, &h) != nil || h.Magic != backupMagic {
		return h, nil, ErrNotBackup
	}
	if h.Format > FormatVersion {
		return h, nil, fmt.Errorf("%w: backup has store format %d, this binary supports up to %d", ErrNewerFormat, h.Format, FormatVersion)
	}
	return h, line, nil
}

// ErrNotEmpty is returned by Restore when the target directory holds files.
var ErrNotEmpty = errors.New("store: target directory is not empty")

func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	return nil
}

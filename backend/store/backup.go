package store

import (
	"bufio"
	"encoding/binary"
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
	if _, ok := s.eng.(*pgEngine); ok {
		return 0, errPgBackup // before the header: no file that looks like a start
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
	if err := db.Load(&recordGuard{r: r}, 8); err != nil {
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

// ErrDamagedBackup is returned by Restore for a backup whose header is
// right but whose records are not.
var ErrDamagedBackup = errors.New("store: damaged backup")

// maxBackupRecord bounds one record of Badger's backup stream. Badger
// writes batches of about 100 MiB at most (its stream's soft limit, plus
// one batch of 16 MiB); a larger length is damage.
const maxBackupRecord = 256 << 20

// recordGuard passes Badger's backup stream — records of a little-endian
// u64 length and a protobuf KVList — through to db.Load, refusing a
// length over maxBackupRecord before Badger allocates it: DB.Load trusts
// the length, so a damaged or forged file made it panic (makeslice) or
// ask for terabytes, and a dashboard restore staged such a file on every
// start.
type recordGuard struct {
	r    io.Reader
	left uint64 // bytes of the current record's body still to pass
	hdr  []byte // length bytes read but not yet passed on
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if len(g.hdr) == 0 && g.left == 0 {
		h := make([]byte, 8)
		n, err := io.ReadFull(g.r, h)
		if n == 0 && errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("%w: a record's length is cut off", ErrDamagedBackup)
		}
		size := binary.LittleEndian.Uint64(h)
		if size > maxBackupRecord {
			return 0, fmt.Errorf("%w: a record of %d bytes (at most %d)", ErrDamagedBackup, size, maxBackupRecord)
		}
		g.hdr, g.left = h, size
	}
	if len(g.hdr) > 0 {
		n := copy(p, g.hdr)
		g.hdr = g.hdr[n:]
		return n, nil
	}
	if uint64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= uint64(n)
	return n, err
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

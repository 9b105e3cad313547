package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// ErrDamaged is returned by Open for a database it must not open: table
// or log files without the MANIFEST that lists them (Badger would start
// an empty database beside them), or a table whose checksum fails. The
// message names what was found; nothing is changed.
var ErrDamaged = errors.New("store: the database is damaged")

// checkFiles refuses a directory that holds tables, value logs or
// memtable logs but no MANIFEST. Badger writes the MANIFEST before any of
// them, so that state is never a crash of a first start; it is a lost or
// deleted file.
func checkFiles(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".sst", ".vlog", ".mem":
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%w: %s has %d table and log files but no MANIFEST; fiskaldesk will not start on it (it would start empty beside your data). "+
			"Restore a backup into a new directory (fiskaldesk restore) or copy the MANIFEST back; fiskaldesk doctor --data shows more", ErrDamaged, dir, n)
	}
	return nil
}

// damaged turns Badger's complaint about a failed checksum into ErrDamaged.
func damaged(dir string, err error) error {
	if err != nil && strings.Contains(err.Error(), "checksum") {
		return fmt.Errorf("%w: %s: %v. fiskaldesk will not start on it; restore a backup into a new directory (fiskaldesk restore), and see fiskaldesk doctor --data", ErrDamaged, dir, err)
	}
	return err
}

// privatise makes the database readable by its owner only: the directory
// 0700 and every file 0600. New files get that from PrivateFiles (umask
// 077); this fixes stores made before. On Windows the per-user data
// directory's ACL does the job and file modes mean little, so nothing is
// changed there.
func privatise(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != mode {
			return os.Chmod(path, mode)
		}
		return nil
	})
}

// verifyTables checks the checksum of every block of every table the
// MANIFEST lists, before Badger opens them. Badger can verify tables at
// open itself, but a damaged block can make it panic in a goroutine of
// its own (table.VerifyChecksum dereferences the block it failed to
// read), killing the process with a stack trace instead of a message; here
// a panic is recovered per table and reported as damage.
func verifyTables(dir string) error {
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store; checkFiles made sure there is nothing else
	}
	if err != nil {
		return err
	}
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("%w: %s/MANIFEST: %v", ErrDamaged, dir, err)
	}
	var bad []string
	for id, tm := range m.Tables {
		if err := verifyTable(table.NewFilename(id, dir), tm.Compression); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%w: %s: %s. fiskaldesk will not start on it; restore a backup into a new directory (fiskaldesk restore), and see fiskaldesk doctor --data",
			ErrDamaged, dir, strings.Join(bad, "; "))
	}
	return nil
}

// verifyTable reads every block of one table and checks its checksum.
func verifyTable(path string, c options.CompressionType) (err error) {
	name := filepath.Base(path)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s has a block that cannot be read (%v)", name, r)
		}
	}()
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is listed in the MANIFEST but missing", name)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	// Closed here, never through Table.DecrRef: that deletes the file.
	defer func() { _ = mf.Close(-1) }()
	def := badger.DefaultOptions("")
	t, err := table.OpenTable(mf, table.Options{ReadOnly: true, ChkMode: options.NoVerification, Compression: c,
		BlockSize: def.BlockSize, BloomFalsePositive: def.BloomFalsePositive, TableSize: uint64(def.BaseTableSize)})
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if err := t.VerifyChecksum(); err != nil {
		return fmt.Errorf("%s fails its checksum (%v)", name, err)
	}
	return nil
}

// DirReport is what InspectDir found in a store directory without opening
// it (fiskaldesk doctor).
type DirReport struct {
	Files, Tables int
	// NotPrivate are files and directories others than the owner may read.
	NotPrivate []string
	// Damage is ErrDamaged (no MANIFEST beside tables, or tables that fail
	// their checksums), nil when none was found.
	Damage error
}

// InspectDir checks a store directory the way Open does before opening it,
// and reports what it found instead of refusing.
func InspectDir(dir string) (DirReport, error) {
	var r DirReport
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() {
			r.Files++
			if filepath.Ext(path) == ".sst" {
				r.Tables++
			}
		}
		if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
			r.NotPrivate = append(r.NotPrivate, fmt.Sprintf("%s (%v)", path, info.Mode().Perm()))
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	if r.Damage = checkFiles(dir); r.Damage == nil {
		r.Damage = verifyTables(dir)
	}
	if r.Damage != nil && !errors.Is(r.Damage, ErrDamaged) {
		return r, r.Damage
	}
	return r, nil
}

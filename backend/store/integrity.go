package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

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
//
// Tables never change once written, so a table verified before is not
// read again while its size, modification and change times are the ones
// recorded then (verifiedFile): a restart reads only the tables made since
// (compactions, flushes), not the whole store, which would take seconds
// per gigabyte. Writing into a table changes its times, so tampering is
// found at the next open; decay of the disk under an unchanged file is
// found when a block is read (Badger checks every block then) and by
// fiskaldesk doctor, which verifies every table (all true).
//
// It returns the highest table id the MANIFEST lists (0: none): tables
// with higher ids are the ones the process that opens the store writes
// (recordWritten).
func verifyTables(dir string, all bool) (newest uint64, err error) {
	m, err := readManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // a new store; checkFiles made sure there is nothing else
	}
	if err != nil {
		return 0, err
	}
	known := readVerified(dir)
	seen := map[string]fileStamp{}
	var todo []uint64
	for id := range m.Tables {
		newest = max(newest, id)
		name := filepath.Base(table.NewFilename(id, dir))
		st, err := stampOf(filepath.Join(dir, name))
		if err == nil && !all && known[name] == st {
			seen[name] = st
			continue
		}
		todo = append(todo, id)
	}
	// One table per core: reading and decompressing is the cost.
	var mu sync.Mutex
	var bad []string
	var wg sync.WaitGroup
	work := make(chan uint64)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				path := table.NewFilename(id, dir)
				err := verifyTable(path, m.Tables[id].Compression)
				st, serr := stampOf(path)
				mu.Lock()
				if err != nil {
					bad = append(bad, err.Error())
				} else if serr == nil {
					seen[filepath.Base(path)] = st
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range todo {
		work <- id
	}
	close(work)
	wg.Wait()
	if len(bad) > 0 {
		sort.Strings(bad)
		return 0, fmt.Errorf("%w: %s: %s. fiskaldesk will not start on it; restore a backup into a new directory (fiskaldesk restore), and see fiskaldesk doctor --data",
			ErrDamaged, dir, strings.Join(bad, "; "))
	}
	if len(todo) > 0 {
		writeVerified(dir, seen)
	}
	return newest, nil
}

// verifiedFile, in the store directory (Badger ignores files it does not
// know), lists the tables verified and the stamp each had then.
const verifiedFile = "fiskaldesk-verified.json"

// fileStamp identifies one state of a file: size, modification time and,
// where the OS has one, the inode change time, which no user tool can set
// back.
type fileStamp struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime_ns"`
	CTime int64 `json:"ctime_ns,omitempty"`
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), CTime: changeTime(fi)}, nil
}

func readVerified(dir string) map[string]fileStamp {
	var m map[string]fileStamp
	if b, err := os.ReadFile(filepath.Join(dir, verifiedFile)); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// writeVerified records the verified tables; a failure only means the next
// open verifies them again.
func writeVerified(dir string, m map[string]fileStamp) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	tmp := filepath.Join(dir, verifiedFile+".tmp")
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, filepath.Join(dir, verifiedFile))
	}
}

// readManifest reads the tables dir's MANIFEST lists; a MANIFEST that does
// not replay is ErrDamaged, a missing one fs.ErrNotExist.
func readManifest(dir string) (badger.Manifest, error) {
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		return badger.Manifest{}, err
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	if err != nil {
		return badger.Manifest{}, fmt.Errorf("%w: %s/MANIFEST: %v", ErrDamaged, dir, err)
	}
	return m, nil
}

// recordWritten runs after a clean close: the tables with ids above since
// were built by this process, which checksummed every block as it wrote
// it, so they go into the verified list with their stamps, as if the next
// open had read them. Tables from before keep their entry only while their
// stamp is unchanged; anything else is verified at the next open. Without
// this, the first open after a day's signing or a bulk load reads the whole
// of every table compacted since (1M receipts: 8 s of two cores). A
// failure only means the next open verifies more.
func recordWritten(dir string, since uint64) {
	m, err := readManifest(dir)
	if err != nil {
		return
	}
	known := readVerified(dir)
	seen := map[string]fileStamp{}
	for id := range m.Tables {
		path := table.NewFilename(id, dir)
		name := filepath.Base(path)
		st, err := stampOf(path)
		if err != nil {
			continue
		}
		if id > since || known[name] == st {
			seen[name] = st
		}
	}
	writeVerified(dir, seen)
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
// and reports what it found instead of refusing. A directory another
// process has open is ErrLocked: its tables change while they are read.
func InspectDir(dir string) (DirReport, error) {
	var r DirReport
	if heldByOther(dir) {
		return r, ErrLocked
	}
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
		_, r.Damage = verifyTables(dir, true)
	}
	if r.Damage != nil && !errors.Is(r.Damage, ErrDamaged) {
		return r, r.Damage
	}
	return r, nil
}

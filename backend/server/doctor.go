package server

import (
	"errors"
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Finding is one check of fiskaldesk doctor: what it looked at and the
// problems it found (none: the check passed).
type Finding struct {
	Check    string   `json:"check"`
	Summary  string   `json:"summary"`
	Problems []string `json:"problems,omitempty"`
}

// DoctorReport is everything doctor found in a data directory.
type DoctorReport struct {
	DataDir  string    `json:"data_dir"`
	Findings []Finding `json:"findings"`
}

// Problems counts the problems of all findings.
func (r *DoctorReport) Problems() int {
	n := 0
	for _, f := range r.Findings {
		n += len(f.Problems)
	}
	return n
}

// maxProblems bounds what one check lists; the count says the rest.
const maxProblems = 50

// Doctor checks a stopped data directory (fiskaldesk doctor): the store's
// files, the checksum of every table, the data key, and that counters and
// indexes say what the records hold. It reports the files' modes before
// opening; opening is the same as serve's (an older format is migrated,
// files are made 0600), and nothing else changes: no key file is made and
// no check value written. A data directory another process holds is
// refused (ErrLocked).
func Doctor(cfg Config, log zerolog.Logger) (*DoctorReport, error) {
	if cfg.Postgres() {
		return nil, errors.New("doctor checks a Badger data directory; the store is in PostgreSQL (--store / FISKALDESK_STORE): use the database's own checks (amcheck) — docs/scale.md")
	}
	r := &DoctorReport{DataDir: cfg.DataDir}
	dir := store.DBDir(cfg.DataDir)
	add := func(check, summary string, problems []string) {
		if len(problems) > maxProblems {
			problems = append(problems[:maxProblems], fmt.Sprintf("… and %d more", len(problems)-maxProblems))
		}
		r.Findings = append(r.Findings, Finding{check, summary, problems})
	}

	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s holds no fiskaldesk store: %w", cfg.DataDir, err)
	}
	ins, err := store.InspectDir(dir)
	if errors.Is(err, store.ErrLocked) {
		return nil, lockedError(cfg.DataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", dir, err)
	}
	add("files", fmt.Sprintf("%d files, %d tables in %s", ins.Files, ins.Tables, dir), prefixed("readable by others than the owner: ", ins.NotPrivate))
	if ins.Damage != nil {
		add("tables", "the store is not opened: it is damaged", []string{ins.Damage.Error()})
		return r, nil
	}
	add("tables", fmt.Sprintf("%d tables: MANIFEST and every block checksum agree", ins.Tables), nil)

	st, err := store.Open(dir, store.Options{Logger: log, GCInterval: -1, MinFreeBytes: -1})
	if errors.Is(err, store.ErrLocked) {
		return nil, lockedError(cfg.DataDir)
	}
	if err != nil {
		add("open", "the store does not open", []string{err.Error()})
		return r, nil
	}
	defer st.Close()

	orgs := org.NewService(st)
	sealer, err := dataKey(cfg, st, false,
		func(p *secret.Sealer) (bool, error) { return tss.NewService(st, orgs, p).CheckSealer() },
		func(p *secret.Sealer) (bool, error) { return sync.NewService(st, p, log).CheckSealer() })
	switch {
	case err != nil:
		add("data key", "", []string{err.Error()})
	case sealer == nil:
		add("data key", "nothing sealed yet; serve makes the key at its first start", nil)
	default:
		add("data key", dataKeySource(cfg)+" opens the store's sealed secrets", nil)
	}

	var tssProblems, orgProblems, keyProblems []string
	var ts tss.CheckSummary
	var os org.CheckSummary
	var keys int
	err = st.View(func(tx store.Tx) (err error) {
		if ts, err = tss.CheckStore(tx, func(p string) { tssProblems = append(tssProblems, p) }); err != nil {
			return err
		}
		if os, err = org.CheckStore(tx, func(p string) { orgProblems = append(orgProblems, p) }); err != nil {
			return err
		}
		keys, err = auth.CheckStore(tx, func(p string) { keyProblems = append(keyProblems, p) })
		return err
	})
	if err != nil {
		add("read", "reading the store failed", []string{err.Error()})
		return r, nil
	}
	add("TSS", fmt.Sprintf("%d TSS, %d logs, %d transactions: counters, revisions and indexes", ts.TSS, ts.Logs, ts.Transactions), tssProblems)
	add("organizations", fmt.Sprintf("%d organizations, %d users, %d installation administrators: hierarchy, e-mail and membership indexes", os.Organizations, os.Users, os.InstallAdmins), orgProblems)
	add("API keys", fmt.Sprintf("%d keys: key strings and organization indexes", keys), keyProblems)
	return r, nil
}

func prefixed(p string, items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = p + s
	}
	return out
}

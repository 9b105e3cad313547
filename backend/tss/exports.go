package tss

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Export states.
const (
	ExportPending   = "PENDING"
	ExportWorking   = "WORKING"
	ExportCompleted = "COMPLETED"
	ExportError     = "ERROR"
	ExportCancelled = "CANCELLED"
)

// Export limits and lifetimes.
const (
	MaxOpenExports   = 10                  // PENDING/WORKING per TSS (E_TOO_MANY_EXPORTS)
	ExportLifetime   = 30 * 24 * time.Hour // a completed file stays this long
	DefaultMaxRecord = 1_000_000           // maximum_number_records default and ceiling
)

// ExportParams are the filters of an export (fiskaly-api §7). Zero means
// "not given"; ClientID excludes the others.
type ExportParams struct {
	ClientID              string `json:"client_id,omitempty"`
	TransactionNumber     uint64 `json:"transaction_number,omitempty"`
	StartTransactionNum   uint64 `json:"start_transaction_number,omitempty"`
	EndTransactionNum     uint64 `json:"end_transaction_number,omitempty"`
	StartDate             int64  `json:"start_date,omitempty"`
	EndDate               int64  `json:"end_date,omitempty"`
	StartSignatureCounter uint64 `json:"start_signature_counter,omitempty"`
	EndSignatureCounter   uint64 `json:"end_signature_counter,omitempty"`
	MaximumNumberRecords  uint64 `json:"maximum_number_records,omitempty"`
}

// Export is the export resource (§3.3) with fiskaldesk's extensions
// (parameters, records, size, sha256).
type Export struct {
	ID             string            `json:"_id"`
	Type           string            `json:"_type"`
	Env            string            `json:"_env"`
	Version        string            `json:"_version"`
	State          string            `json:"state" enum:"PENDING,WORKING,COMPLETED,ERROR,CANCELLED"`
	Exception      string            `json:"exception,omitempty"`
	TimeRequest    int64             `json:"time_request"`
	TimeStart      int64             `json:"time_start,omitempty"`
	TimeEnd        int64             `json:"time_end,omitempty"`
	TimeExpiration int64             `json:"time_expiration,omitempty"`
	TimeError      int64             `json:"time_error,omitempty"`
	Metadata       map[string]string `json:"metadata"`
	TSSID          string            `json:"tss_id"`
	Parameters     ExportParams      `json:"parameters"`
	Records        int               `json:"records,omitempty"`
	Size           int64             `json:"size,omitempty"`
	SHA256         string            `json:"sha256,omitempty"`
}

// exportRecord is the stored export: the resource and its record version,
// which stays out of answers.
type exportRecord struct {
	V int `json:"v"`
	Export
}

var (
	ErrExportNotFound     = errors.New("export not found")
	ErrExportNotCompleted = errors.New("export not completed")
	ErrExportState        = errors.New("exports are possible only for INITIALIZED or DISABLED TSS")
	ErrTooManyExports     = errors.New("too many exports in progress for this TSS")
	ErrDuplicateExport    = errors.New("the export id exists with other parameters")
	ErrExportRunning      = errors.New("an identical export is in progress")
	ErrCancelExport       = errors.New("only PENDING or WORKING exports can be cancelled")
	ErrExportExpired      = errors.New("the export file has expired")
)

// ExportJob is the job kind of TAR exports; a job's ref is "<tss>/<export>".
const ExportJob = "tss-export"

// exporter is where export files go and the runner that builds them.
type exporter struct {
	dir  string
	log  zerolog.Logger
	jobs *jobs.Runner
}

// StartExports registers the TAR export job (workers at a time) with the
// job runner, files going into dir, and turns the queue entries a store
// from before the runner left into jobs. Start the runner afterwards.
func (s *Service) StartExports(ctx context.Context, r *jobs.Runner, dir string, workers int, log zerolog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	e := &exporter{dir: dir, log: log, jobs: r}
	if err := r.Register(jobs.Kind{Name: ExportJob, Workers: workers, Run: func(ctx context.Context, run *jobs.Run) error {
		tssID, id, ok := strings.Cut(run.Job.Ref, "/")
		if !ok {
			return fmt.Errorf("export job ref %q", run.Job.Ref)
		}
		return s.runExport(ctx, e, run, tssID, id)
	}}); err != nil {
		return err
	}
	s.exp.Store(e)
	return s.st.Update(ctx, func(txn store.Tx) error {
		var old [][]byte
		if err := store.ScanKeys(txn, store.ExportQueuePrefix(), func(k []byte) error {
			old = append(old, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range old {
			tssID, err := txn.Get(k)
			if err != nil {
				return err
			}
			if _, err := jobs.Enqueue(txn, ExportJob, string(tssID)+"/"+store.LastSegment(k), nil); err != nil {
				return err
			}
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *exporter) file(id string) string { return filepath.Join(e.dir, id+".tar") }

// TriggerExport creates export exportID of TSS tssID (PENDING) and queues
// it. The same id with the same parameters returns the existing export.
func (s *Service) TriggerExport(ctx context.Context, c Caller, tssID, exportID string, p ExportParams) (*Export, error) {
	if p.MaximumNumberRecords == 0 || p.MaximumNumberRecords > DefaultMaxRecord {
		if p.MaximumNumberRecords > DefaultMaxRecord {
			return nil, &ValidationError{Field: "maximum_number_records", Msg: "must be 1 to 1000000"}
		}
		p.MaximumNumberRecords = DefaultMaxRecord
	}
	if p.ClientID != "" {
		p = ExportParams{ClientID: p.ClientID, MaximumNumberRecords: p.MaximumNumberRecords}
	}
	exp := s.exp.Load()
	if exp == nil {
		return nil, errors.New("exports are not running")
	}
	defer s.lock(tssID)()
	var e *Export
	created := false
	err := s.st.Update(ctx, func(txn store.Tx) error {
		created = false
		t, _, err := s.load(txn, c, tssID)
		if err != nil {
			return err
		}
		old, err := store.GetJSON[exportRecord](txn, store.ExportKey(tssID, exportID))
		if err == nil {
			if old.Parameters != p {
				return ErrDuplicateExport
			}
			e = &old.Export
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if t.State != StateInitialized && t.State != StateDisabled {
			return ErrExportState
		}
		if p.ClientID != "" {
			r, err := store.GetJSON[clientRecord](txn, store.ClientKey(p.ClientID))
			if errors.Is(err, store.ErrNotFound) || (err == nil && r.TSSID != tssID) {
				return ErrClientNotFound
			}
		}
		open := 0
		if err := store.ScanJSON(txn, store.ExportPrefix(tssID), func(x exportRecord) error {
			if x.State == ExportPending || x.State == ExportWorking {
				open++
				if x.Parameters == p {
					return ErrExportRunning
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if open >= MaxOpenExports {
			return ErrTooManyExports
		}
		e = &Export{ID: exportID, Type: "EXPORT", Env: t.Env, Version: Version, State: ExportPending,
			TimeRequest: s.now().Unix(), Metadata: map[string]string{}, TSSID: tssID, Parameters: p}
		if err := store.PutJSON(txn, store.ExportKey(tssID, exportID), exportRecord{1, *e}); err != nil {
			return err
		}
		created, err = jobs.Enqueue(txn, ExportJob, tssID+"/"+exportID, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if created {
		exp.jobs.Notify()
	}
	return e, nil
}

// updateExport changes an export record in one transaction: fn sees the
// stored record and says whether to write it back. Read and write in one
// transaction, so the worker, a cancel and a metadata change never
// overwrite each other.
func (s *Service) updateExport(ctx context.Context, tssID, id string, fn func(txn store.Tx, e *Export) (bool, error)) (*Export, error) {
	var r exportRecord
	err := s.st.Update(ctx, func(txn store.Tx) (err error) {
		r, err = store.GetJSON[exportRecord](txn, store.ExportKey(tssID, id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrExportNotFound
		}
		if err != nil {
			return err
		}
		write, err := fn(txn, &r.Export)
		if err != nil || !write {
			return err
		}
		return store.PutJSON(txn, store.ExportKey(tssID, id), exportRecord{1, r.Export})
	})
	if err != nil {
		return nil, err
	}
	return &r.Export, nil
}

func (s *Service) getExport(tssID, id string) (*Export, error) {
	var r exportRecord
	err := s.st.View(func(txn store.Tx) (err error) {
		r, err = store.GetJSON[exportRecord](txn, store.ExportKey(tssID, id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExportNotFound
	}
	return &r.Export, err
}

// errTooMany ends a job early.
var errTooMany = errors.New("E_TOO_MANY_RECORDS")

func running(state string) bool { return state == ExportPending || state == ExportWorking }

// runExport is the export job: it builds the file and records the outcome
// in the export. A cancel (CancelExport has already recorded CANCELLED)
// or a shutdown stops it; after a shutdown it runs again from the start.
func (s *Service) runExport(ctx context.Context, x *exporter, run *jobs.Run, tssID, id string) error {
	e, err := s.updateExport(ctx, tssID, id, func(_ store.Tx, e *Export) (bool, error) {
		if !running(e.State) {
			return false, nil
		}
		e.State, e.TimeStart = ExportWorking, s.now().Unix()
		return true, nil
	})
	if err != nil || e.State != ExportWorking {
		return err // cancelled before it started: nothing to do
	}
	n, size, sum, err := s.writeExport(ctx, x, e, run)
	if ctx.Err() != nil {
		// Cancelled (recorded already) or shutting down (resumes); the
		// partial file is gone, a complete one of a late cancel goes too.
		return errors.Join(context.Cause(ctx), removeFile(x.file(id)))
	}
	now := s.now().Unix()
	_, werr := s.updateExport(context.WithoutCancel(ctx), tssID, id, func(_ store.Tx, e *Export) (bool, error) {
		if !running(e.State) {
			return false, nil // cancelled in the last moment: CANCELLED stays
		}
		switch {
		case errors.Is(err, errTooMany):
			e.State, e.Exception, e.TimeError = ExportError, "E_TOO_MANY_RECORDS", now
		case errors.Is(err, store.ErrDiskFull):
			e.State, e.Exception, e.TimeError = ExportError, "E_DISK_FULL", now
		case err != nil:
			e.State, e.Exception, e.TimeError = ExportError, "E_INTERNAL", now
		default:
			e.State, e.TimeEnd, e.TimeExpiration = ExportCompleted, now, now+int64(ExportLifetime/time.Second)
			e.Records, e.Size, e.SHA256 = n, size, sum
		}
		return true, nil
	})
	if errors.Is(err, store.ErrDiskFull) {
		x.log.Error().Err(err).Str("export", id).Msg("export stopped: disk nearly full")
	} else if err != nil && !errors.Is(err, errTooMany) {
		x.log.Error().Err(err).Str("export", id).Msg("export error")
	}
	if werr != nil || err != nil || !running(e.State) {
		werr = errors.Join(werr, removeFile(x.file(id)))
	}
	return werr
}

// removeFile removes a file that may not exist.
func removeFile(name string) error {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeExport streams the selected logs into the export file: info.csv,
// the TSS certificate, the CA certificate, then the logs by counter. It
// returns the number of logs, the file size and its SHA-256.
func (s *Service) writeExport(ctx context.Context, x *exporter, e *Export, run *jobs.Run) (int, int64, string, error) {
	tmp := x.file(e.ID) + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, 0, "", err
	}
	h := sha256.New()
	// Buffered: a TAR is a 512-byte header, a log of a few hundred bytes
	// and padding per log, and unbuffered each was a write system call:
	// three million of them took 40 % of a million-log export's CPU.
	bw := bufio.NewWriterSize(io.MultiWriter(s.st.SpaceGuard(f), h), 1<<20)
	cw := &countWriter{w: bw}
	n, err := s.streamExport(ctx, e, cw, run)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, x.file(e.ID))
	}
	if err != nil {
		err = errors.Join(err, removeFile(tmp))
	}
	return n, cw.n, hex.EncodeToString(h.Sum(nil)), err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// selector decides which logs an export holds (tse-formats §4.4).
type selector struct {
	p            ExportParams
	clientSerial string
	sysLo, sysHi uint64 // system/audit logs between a tx filter's Start and Finish
	txFilter     bool
	txLo, txHi   uint64
}

func (sel *selector) keep(l *tse.Log) bool {
	p, ctr, unix := sel.p, l.Counter.Uint64(), l.Time.Unix()
	if p.ClientID != "" {
		return l.Kind() == "transaction" && string(l.Field(1)) == sel.clientSerial
	}
	if p.StartSignatureCounter != 0 && ctr < p.StartSignatureCounter || p.EndSignatureCounter != 0 && ctr > p.EndSignatureCounter {
		return false
	}
	if p.StartDate != 0 && unix < p.StartDate || p.EndDate != 0 && unix > p.EndDate {
		return false
	}
	if sel.txFilter {
		if l.Kind() == "transaction" {
			n := l.TxNumber().Uint64()
			return n >= sel.txLo && n <= sel.txHi
		}
		return ctr >= sel.sysLo && ctr <= sel.sysHi
	}
	return true
}

func (s *Service) newSelector(txn store.Tx, e *Export) (*selector, error) {
	sel := &selector{p: e.Parameters}
	p := e.Parameters
	if p.ClientID != "" {
		r, err := store.GetJSON[clientRecord](txn, store.ClientKey(p.ClientID))
		if err != nil {
			return nil, err
		}
		sel.clientSerial = r.SerialNumber
		return sel, nil
	}
	switch {
	case p.TransactionNumber != 0:
		sel.txFilter, sel.txLo, sel.txHi = true, p.TransactionNumber, p.TransactionNumber
	case p.StartTransactionNum != 0 || p.EndTransactionNum != 0:
		sel.txFilter, sel.txLo, sel.txHi = true, max(p.StartTransactionNum, 1), cmp.Or(p.EndTransactionNum, math.MaxUint64)
	}
	if !sel.txFilter {
		return sel, nil
	}
	sel.sysLo = math.MaxUint64
	it := txn.Iterate(store.IterOptions{Prefix: store.TxNumPrefix(e.TSSID), Start: store.TxNumKey(e.TSSID, sel.txLo), KeysOnly: true})
	defer it.Close()
	for ; it.Valid(); it.Next() {
		id, err := it.Value()
		if err != nil {
			return nil, err
		}
		h, err := store.GetJSON[txHead](txn, store.TxKey(e.TSSID, string(id)))
		if err != nil {
			return nil, err
		}
		if h.Number > sel.txHi {
			break
		}
		sel.sysLo = min(sel.sysLo, h.StartCounter)
		end := h.EndCounter
		if end == 0 {
			end = math.MaxUint64 // still open: everything since its Start
		}
		sel.sysHi = max(sel.sysHi, end)
	}
	return sel, nil
}

func (s *Service) streamExport(ctx context.Context, e *Export, w io.Writer, run *jobs.Run) (int, error) {
	var t TSS
	var sel *selector
	var total int64 // logs in the counter range: an upper bound of the records
	err := s.st.View(func(txn store.Tx) (err error) {
		if t, err = store.GetJSON[TSS](txn, store.TSSKey(e.TSSID)); err != nil {
			return err
		}
		c, err := store.GetTSSCounters(txn, e.TSSID)
		if err != nil {
			return err
		}
		lo, hi := max(e.Parameters.StartSignatureCounter, 1), c.Sig
		if e.Parameters.EndSignatureCounter != 0 {
			hi = min(hi, e.Parameters.EndSignatureCounter)
		}
		if hi >= lo {
			total = int64(min(hi-lo+1, e.Parameters.MaximumNumberRecords))
		}
		sel, err = s.newSelector(txn, e)
		return err
	})
	if err != nil {
		return 0, err
	}
	caDER := t.IssuerCert
	if caDER == nil { // TSS made before the issuer was kept: made here
		if _, caDER, err = s.ca(ctx); err != nil {
			return 0, err
		}
	}
	tw := tse.NewTarWriter(w, s.now())
	desc := cmp.Or(t.Description, "fiskaldesk Sandbox TSS ("+t.ID+")")
	if err := tw.Add("info.csv", tse.InfoCSV(desc, Version)); err != nil {
		return 0, err
	}
	caName, err := tse.CertName(caDER)
	if err != nil {
		return 0, err
	}
	if err := tw.Add(t.Serial+"_X509.der", t.Certificate); err != nil {
		return 0, err
	}
	if err := tw.Add(caName, caDER); err != nil {
		return 0, err
	}
	n := 0
	// Logs are read in counter order in a read-only snapshot; memory stays
	// flat whatever the TSS holds.
	err = s.st.View(func(txn store.Tx) error {
		start := store.LogKey(t.ID, max(e.Parameters.StartSignatureCounter, 1))
		it := txn.Iterate(store.IterOptions{Prefix: store.LogPrefix(t.ID), Start: start})
		defer it.Close()
		for ; it.Valid(); it.Next() {
			raw, err := it.Value()
			if err != nil {
				return err
			}
			l, err := tse.Parse(raw)
			if err != nil {
				return fmt.Errorf("stored log %x: %w", it.Key(), err)
			}
			if e.Parameters.EndSignatureCounter != 0 && l.Counter.Uint64() > e.Parameters.EndSignatureCounter {
				break
			}
			if !sel.keep(l) {
				continue
			}
			if n++; uint64(n) > e.Parameters.MaximumNumberRecords {
				return errTooMany
			}
			if n%1024 == 0 {
				if ctx.Err() != nil {
					return context.Cause(ctx)
				}
				run.Progress(int64(n), total)
			}
			if err := tw.Add(tse.FileName(l), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	run.Progress(int64(n), int64(n))
	return n, tw.Close()
}

// GetExport returns an export of a TSS c can see.
func (s *Service) GetExport(c Caller, tssID, id string) (*Export, error) {
	if _, err := s.Get(c, tssID); err != nil {
		return nil, err
	}
	return s.getExport(tssID, id)
}

// CancelExport cancels a PENDING or WORKING export: the export and its
// job in one transaction, then the running job is stopped.
func (s *Service) CancelExport(ctx context.Context, c Caller, tssID, id string) (*Export, error) {
	if _, err := s.Get(c, tssID); err != nil {
		return nil, err
	}
	defer s.lock(tssID)()
	e, err := s.updateExport(ctx, tssID, id, func(txn store.Tx, e *Export) (bool, error) {
		if !running(e.State) {
			return false, ErrCancelExport
		}
		e.State = ExportCancelled
		return true, jobs.Cancel(txn, ExportJob, tssID+"/"+id)
	})
	if err != nil {
		return nil, err
	}
	if x := s.exp.Load(); x != nil {
		x.jobs.Notify()
	}
	return e, nil
}

// ExportFile opens a completed export's file for download.
func (s *Service) ExportFile(c Caller, tssID, id string) (*os.File, *Export, error) {
	e, err := s.GetExport(c, tssID, id)
	if err != nil {
		return nil, nil, err
	}
	if e.State != ExportCompleted {
		return nil, e, ErrExportNotCompleted
	}
	x := s.exp.Load()
	if x == nil {
		return nil, e, errors.New("exports are not running")
	}
	if s.now().Unix() > e.TimeExpiration {
		if err := removeFile(x.file(id)); err != nil {
			x.log.Warn().Err(err).Str("export", id).Msg("cannot remove an expired export file")
		}
		return nil, e, ErrExportExpired
	}
	f, err := os.Open(x.file(id))
	return f, e, err
}

// ExportMetadata merges m into an export's metadata.
func (s *Service) ExportMetadata(ctx context.Context, c Caller, tssID, id string, m map[string]string) (map[string]string, error) {
	e, err := s.GetExport(c, tssID, id)
	if err != nil || len(m) == 0 {
		if e != nil {
			return e.Metadata, err
		}
		return nil, err
	}
	defer s.lock(tssID)()
	e, err = s.updateExport(ctx, tssID, id, func(_ store.Tx, e *Export) (bool, error) {
		e.Metadata = mergeMeta(e.Metadata, m)
		return true, org.ValidateMetadata("metadata", e.Metadata)
	})
	if err != nil {
		return nil, err
	}
	return e.Metadata, nil
}

// ListExports lists the exports of TSS tssID, or of all TSS of c's acting org.
func (s *Service) ListExports(c Caller, tssID string, f ListFilter) ([]*Export, int, error) {
	var out []*Export
	err := s.st.View(func(txn store.Tx) error {
		ids, err := s.scope(txn, c, tssID)
		if err != nil {
			return err
		}
		for _, t := range ids {
			if err := store.ScanJSON(txn, store.ExportPrefix(t), func(r exportRecord) error {
				if len(f.States) == 0 || slices.Contains(f.States, r.State) {
					out = append(out, &r.Export)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	key := func(e *Export) int64 {
		switch f.OrderBy {
		case "time_start":
			return e.TimeStart
		case "time_end":
			return e.TimeEnd
		case "time_expiration":
			return e.TimeExpiration
		case "time_error":
			return e.TimeError
		}
		return e.TimeRequest
	}
	slices.SortStableFunc(out, func(a, b *Export) int {
		r := cmp.Compare(key(a), key(b))
		if f.OrderBy == "state" {
			r = cmp.Compare(a.State, b.State)
		}
		r = cmp.Or(r, cmp.Compare(a.ID, b.ID))
		if f.Desc {
			return -r
		}
		return r
	})
	return paging.Page(out, f.Limit, f.Offset), len(out), nil
}

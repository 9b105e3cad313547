package tss

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

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
	V              int               `json:"v,omitempty"`
	ID             string            `json:"_id"`
	Type           string            `json:"_type"`
	Env            string            `json:"_env"`
	Version        string            `json:"_version"`
	State          string            `json:"state"`
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

// exporter runs export jobs in the background.
type exporter struct {
	dir   string
	log   zerolog.Logger
	queue chan [2]string // tss id, export id
	mu    sync.Mutex
	stop  map[string]bool // cancel requests by export id
}

// StartExports runs n workers that produce export files into dir until ctx
// ends, and re-queues the jobs a previous run left PENDING or WORKING.
func (s *Service) StartExports(ctx context.Context, dir string, n int, log zerolog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	e := &exporter{dir: dir, log: log, queue: make(chan [2]string, 4096), stop: map[string]bool{}}
	s.exp.Store(e)
	var pending [][2]string
	err := s.st.View(func(txn store.Tx) error {
		return store.ScanKeys(txn, store.ExportQueuePrefix(), func(k []byte) error {
			t, err := txn.Get(k)
			pending = append(pending, [2]string{string(t), store.LastSegment(k)})
			return err
		})
	})
	if err != nil {
		return err
	}
	for range n {
		go s.exportWorker(ctx, e)
	}
	for _, p := range pending {
		log.Info().Str("export", p[1]).Msg("resuming export")
		e.queue <- p
	}
	return nil
}

// exportWorker runs the jobs of one exporter; it keeps its own pointer, so
// a later StartExports does not pull the ground from under it.
func (s *Service) exportWorker(ctx context.Context, e *exporter) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-e.queue:
			if err := s.runExport(ctx, e, job[0], job[1]); err != nil && ctx.Err() == nil {
				e.log.Error().Err(err).Str("export", job[1]).Msg("export failed")
			}
		}
	}
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
		old, err := store.GetJSON[Export](txn, store.ExportKey(tssID, exportID))
		if err == nil {
			if old.Parameters != p {
				return ErrDuplicateExport
			}
			e = &old
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
		if err := store.ScanJSON(txn, store.ExportPrefix(tssID), func(x Export) error {
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
		e = &Export{V: 1, ID: exportID, Type: "EXPORT", Env: t.Env, Version: Version, State: ExportPending,
			TimeRequest: s.now().Unix(), Metadata: map[string]string{}, TSSID: tssID, Parameters: p}
		if err := store.PutJSON(txn, store.ExportKey(tssID, exportID), e); err != nil {
			return err
		}
		created = true
		return txn.Set(store.ExportQueueKey(exportID), []byte(tssID))
	})
	if err != nil {
		return nil, err
	}
	if created {
		select {
		case exp.queue <- [2]string{tssID, exportID}:
		default:
			// The queue is full; the job stays in export-queue/ and runs after a restart.
		}
	}
	return e, nil
}

// setExport rewrites an export record; done removes it from the queue.
func (s *Service) setExport(e *Export, done bool) error {
	return s.st.Update(context.Background(), func(txn store.Tx) error {
		if err := store.PutJSON(txn, store.ExportKey(e.TSSID, e.ID), e); err != nil {
			return err
		}
		if done {
			return txn.Delete(store.ExportQueueKey(e.ID))
		}
		return nil
	})
}

func (s *Service) getExport(tssID, id string) (*Export, error) {
	var e Export
	err := s.st.View(func(txn store.Tx) (err error) {
		e, err = store.GetJSON[Export](txn, store.ExportKey(tssID, id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrExportNotFound
	}
	return &e, err
}

// errTooMany and errCancelled end a job early.
var (
	errTooMany   = errors.New("E_TOO_MANY_RECORDS")
	errCancelled = errors.New("cancelled")
)

func (s *Service) runExport(ctx context.Context, x *exporter, tssID, id string) error {
	e, err := s.getExport(tssID, id)
	if err != nil {
		return err
	}
	if e.State != ExportPending && e.State != ExportWorking {
		return s.st.Update(ctx, func(txn store.Tx) error { return txn.Delete(store.ExportQueueKey(id)) })
	}
	e.State, e.TimeStart = ExportWorking, s.now().Unix()
	if err := s.setExport(e, false); err != nil {
		return err
	}
	n, size, sum, err := s.writeExport(ctx, x, e)
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the job stays queued and resumes
	}
	x.mu.Lock()
	cancelled := x.stop[id]
	delete(x.stop, id)
	x.mu.Unlock()
	now := s.now().Unix()
	switch {
	case cancelled || errors.Is(err, errCancelled):
		e.State = ExportCancelled
	case errors.Is(err, errTooMany):
		e.State, e.Exception, e.TimeError = ExportError, "E_TOO_MANY_RECORDS", now
	case errors.Is(err, store.ErrDiskFull):
		e.State, e.Exception, e.TimeError = ExportError, "E_DISK_FULL", now
		x.log.Error().Err(err).Str("export", id).Msg("export stopped: disk nearly full")
	case err != nil:
		e.State, e.Exception, e.TimeError = ExportError, "E_INTERNAL", now
		x.log.Error().Err(err).Str("export", id).Msg("export error")
	default:
		e.State, e.TimeEnd, e.TimeExpiration = ExportCompleted, now, now+int64(ExportLifetime/time.Second)
		e.Records, e.Size, e.SHA256 = n, size, sum
	}
	if e.State != ExportCompleted {
		_ = os.Remove(x.file(id))
	}
	return s.setExport(e, true)
}

// writeExport streams the selected logs into the export file: info.csv,
// the TSS certificate, the CA certificate, then the logs by counter. It
// returns the number of logs, the file size and its SHA-256.
func (s *Service) writeExport(ctx context.Context, x *exporter, e *Export) (int, int64, string, error) {
	tmp := x.file(e.ID) + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, 0, "", err
	}
	defer os.Remove(tmp)
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(s.st.SpaceGuard(f), h)}
	n, err := s.streamExport(ctx, x, e, cw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, x.file(e.ID))
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

func (s *Service) streamExport(ctx context.Context, x *exporter, e *Export, w io.Writer) (int, error) {
	var t TSS
	var sel *selector
	err := s.st.View(func(txn store.Tx) (err error) {
		if t, err = store.GetJSON[TSS](txn, store.TSSKey(e.TSSID)); err != nil {
			return err
		}
		sel, err = s.newSelector(txn, e)
		return err
	})
	if err != nil {
		return 0, err
	}
	_, caDER, err := s.ca(ctx)
	if err != nil {
		return 0, err
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
					return ctx.Err()
				}
				x.mu.Lock()
				stop := x.stop[e.ID]
				x.mu.Unlock()
				if stop {
					return errCancelled
				}
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
	return n, tw.Close()
}

// GetExport returns an export of a TSS c can see.
func (s *Service) GetExport(c Caller, tssID, id string) (*Export, error) {
	if _, err := s.Get(c, tssID); err != nil {
		return nil, err
	}
	return s.getExport(tssID, id)
}

// CancelExport cancels a PENDING or WORKING export.
func (s *Service) CancelExport(ctx context.Context, c Caller, tssID, id string) (*Export, error) {
	if _, err := s.Get(c, tssID); err != nil {
		return nil, err
	}
	defer s.lock(tssID)()
	e, err := s.getExport(tssID, id)
	if err != nil {
		return nil, err
	}
	if e.State != ExportPending && e.State != ExportWorking {
		return nil, ErrCancelExport
	}
	if x := s.exp.Load(); x != nil {
		x.mu.Lock()
		x.stop[id] = true
		x.mu.Unlock()
	}
	e.State = ExportCancelled
	return e, s.setExport(e, true)
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
		_ = os.Remove(x.file(id))
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
	if e, err = s.getExport(tssID, id); err != nil {
		return nil, err
	}
	e.Metadata = mergeMeta(e.Metadata, m)
	if err := org.ValidateMetadata("metadata", e.Metadata); err != nil {
		return nil, err
	}
	return e.Metadata, s.setExport(e, false)
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
			if err := store.ScanJSON(txn, store.ExportPrefix(t), func(e Export) error {
				if len(f.States) == 0 || slices.Contains(f.States, e.State) {
					out = append(out, &e)
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

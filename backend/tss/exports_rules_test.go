package tss

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Export requests, their limits and lifecycle. The export job's handler
// is called directly (the runner is registered but never started), so
// nothing waits.

// exportsRegistered registers the export kind on a runner that does not
// run, and returns the exporter.
func (f *fixture) exportsRegistered() *exporter {
	f.t.Helper()
	r, err := jobs.New(f.st, jobs.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.StartExports(f.ctx, r, f.t.TempDir(), 1, zerolog.Nop()); err != nil {
		f.t.Fatal(err)
	}
	return f.svc.exp.Load()
}

func (f *fixture) runExport(x *exporter, tssID, id string) *Export {
	f.t.Helper()
	if err := f.svc.runExport(f.ctx, x, &jobs.Run{}, tssID, id); err != nil {
		f.t.Fatalf("export %s: %v", id, err)
	}
	e, err := f.svc.GetExport(f.c, tssID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) exportJob(tssID, id string) jobs.Job {
	f.t.Helper()
	var j jobs.Job
	if err := f.st.View(func(txn store.Tx) (err error) { j, err = jobs.Get(txn, ExportJob, tssID+"/"+id); return err }); err != nil {
		f.t.Fatal(err)
	}
	return j
}

func TestTriggerExportRules(t *testing.T) {
	f := newFixture(t)
	const id, other = "a1000000-0000-4000-8000-000000000000", "a2000000-0000-4000-8000-000000000000"
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e0", ExportParams{}); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("without the runner: %v", err)
	}
	f.exportsRegistered()
	f.initialized(id)
	f.initialized(other)
	f.client(id, "c1", "kasse-1")
	f.client(other, "c9", "kasse-9")
	var ve *ValidationError
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e1", ExportParams{MaximumNumberRecords: DefaultMaxRecord + 1}); !errors.As(err, &ve) || ve.Field != "maximum_number_records" {
		t.Fatalf("too many records: %v", err)
	}
	for _, c := range []struct {
		client string
		want   error
	}{{"nope", ErrClientNotFound}, {"c9", ErrClientNotFound}} {
		if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e1", ExportParams{ClientID: c.client}); !errors.Is(err, c.want) {
			t.Errorf("client %s: %v", c.client, err)
		}
	}
	// A client export keeps only the client and the record limit.
	e, err := f.svc.TriggerExport(f.ctx, f.c, id, "e1", ExportParams{ClientID: "c1", StartDate: 5, EndTransactionNum: 9, MaximumNumberRecords: 10})
	if err != nil || e.Parameters != (ExportParams{ClientID: "c1", MaximumNumberRecords: 10}) || e.State != ExportPending || e.Type != "EXPORT" || e.Env != org.EnvTest {
		t.Fatalf("%+v %v", e, err)
	}
	if j := f.exportJob(id, "e1"); j.State != jobs.Queued {
		t.Fatalf("job %+v", j)
	}
	// No limit given: the ceiling.
	e2, err := f.svc.TriggerExport(f.ctx, f.c, id, "e2", ExportParams{StartTransactionNum: 1})
	if err != nil || e2.Parameters.MaximumNumberRecords != DefaultMaxRecord {
		t.Fatalf("%+v %v", e2, err)
	}
	// The same id: same parameters answer the export, others conflict.
	if again, err := f.svc.TriggerExport(f.ctx, f.c, id, "e2", ExportParams{StartTransactionNum: 1}); err != nil || again.TimeRequest != e2.TimeRequest {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e2", ExportParams{StartTransactionNum: 2}); !errors.Is(err, ErrDuplicateExport) {
		t.Fatalf("same id, other parameters: %v", err)
	}
	// The same parameters under another id while the first is open.
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e3", ExportParams{StartTransactionNum: 1}); !errors.Is(err, ErrExportRunning) {
		t.Fatalf("identical open export: %v", err)
	}
	// At most MaxOpenExports open per TSS; other TSS count apart.
	for i := 3; i <= MaxOpenExports; i++ {
		if _, err := f.svc.TriggerExport(f.ctx, f.c, id, fmt.Sprint("e", i), ExportParams{StartSignatureCounter: uint64(i)}); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
	}
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-more", ExportParams{StartSignatureCounter: 99}); !errors.Is(err, ErrTooManyExports) {
		t.Fatalf("export %d: %v", MaxOpenExports+1, err)
	}
	if _, err := f.svc.TriggerExport(f.ctx, f.c, other, "e-more", ExportParams{}); err != nil {
		t.Fatalf("another TSS: %v", err)
	}
	// A cancel frees a place.
	c, err := f.svc.CancelExport(f.ctx, f.c, id, "e3")
	if err != nil || c.State != ExportCancelled {
		t.Fatalf("cancel %+v %v", c, err)
	}
	if j := f.exportJob(id, "e3"); j.State != jobs.Cancelled {
		t.Fatalf("cancelled export's job %+v", j)
	}
	if _, err := f.svc.CancelExport(f.ctx, f.c, id, "e3"); !errors.Is(err, ErrCancelExport) {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := f.svc.CancelExport(f.ctx, f.c, id, "nope"); !errors.Is(err, ErrExportNotFound) {
		t.Fatalf("cancel unknown: %v", err)
	}
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-more", ExportParams{StartSignatureCounter: 99}); err != nil {
		t.Fatalf("after a cancel: %v", err)
	}
	// A disabled TSS can still be exported.
	f.must(f.svc.Patch(f.ctx, f.c, other, StateDisabled, "", false, nil))
	if _, err := f.svc.TriggerExport(f.ctx, f.c, other, "e-disabled", ExportParams{StartSignatureCounter: 1}); err != nil {
		t.Fatalf("DISABLED TSS: %v", err)
	}
	// A stranger sees no exports.
	stranger := f.c
	stranger.Viewer.Roots = nil
	if _, err := f.svc.GetExport(stranger, id, "e1"); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("stranger: %v", err)
	}
}

func TestExportJobOutcomes(t *testing.T) {
	f := newFixture(t)
	const id = "a3000000-0000-4000-8000-000000000000"
	x := f.exportsRegistered()
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	for i := range 3 {
		tx := fmt.Sprint("tx-", i)
		if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 1, TxRequest{State: TxActive, ClientID: "c1"}); err != nil {
			t.Fatal(err)
		}
	}
	logs := f.counters(id).Sig
	// Complete: records, size and SHA-256 of the file, its expiry.
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "all", ExportParams{}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	e := f.runExport(x, id, "all")
	if e.State != ExportCompleted || e.Records != int(logs) || e.TimeStart != f.now.Unix() || e.TimeEnd != f.now.Unix() ||
		e.TimeExpiration != f.now.Add(ExportLifetime).Unix() {
		t.Fatalf("%+v (logs %d)", e, logs)
	}
	file, _, err := f.svc.ExportFile(f.c, id, "all")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(file)
	file.Close()
	sum := sha256.Sum256(b)
	if int64(len(b)) != e.Size || hex.EncodeToString(sum[:]) != e.SHA256 {
		t.Fatalf("file of %d bytes, export says %d / %s", len(b), e.Size, e.SHA256)
	}
	// Running the job again (a resumed job) changes nothing once completed.
	if again := f.runExport(x, id, "all"); again.TimeEnd != e.TimeEnd || again.SHA256 != e.SHA256 {
		t.Fatalf("second run %+v", again)
	}
	// Too many records: ERROR, no file.
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "small", ExportParams{MaximumNumberRecords: 2}); err != nil {
		t.Fatal(err)
	}
	if e := f.runExport(x, id, "small"); e.State != ExportError || e.Exception != "E_TOO_MANY_RECORDS" || e.TimeError == 0 || e.Records != 0 {
		t.Fatalf("%+v", e)
	}
	if _, err := os.Stat(x.file("small")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file of a failed export: %v", err)
	}
	if _, _, err := f.svc.ExportFile(f.c, id, "small"); !errors.Is(err, ErrExportNotCompleted) {
		t.Fatalf("file of an ERROR export: %v", err)
	}
	// Cancelled before the job ran: the job does nothing.
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "gone", ExportParams{StartSignatureCounter: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelExport(f.ctx, f.c, id, "gone"); err != nil {
		t.Fatal(err)
	}
	if e := f.runExport(x, id, "gone"); e.State != ExportCancelled || e.TimeStart != 0 {
		t.Fatalf("%+v", e)
	}
	if _, err := os.Stat(x.file("gone")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a cancelled export has a file")
	}
	if _, err := f.svc.CancelExport(f.ctx, f.c, id, "all"); !errors.Is(err, ErrCancelExport) {
		t.Fatalf("cancel a completed export: %v", err)
	}
	// Metadata merges, within the limits.
	m, err := f.svc.ExportMetadata(f.ctx, f.c, id, "all", map[string]string{"a": "1"})
	if err != nil || m["a"] != "1" {
		t.Fatalf("%v %v", m, err)
	}
	if m, err := f.svc.ExportMetadata(f.ctx, f.c, id, "all", nil); err != nil || m["a"] != "1" {
		t.Fatalf("read %v %v", m, err)
	}
	var ve *ValidationError
	if _, err := f.svc.ExportMetadata(f.ctx, f.c, id, "all", map[string]string{"b": strings.Repeat("v", org.MaxMetadataValueLen+1)}); !errors.As(err, &ve) {
		t.Fatalf("long value: %v", err)
	}
	if e, _ := f.svc.GetExport(f.c, id, "all"); len(e.Metadata) != 1 {
		t.Fatalf("refused metadata kept %v", e.Metadata)
	}
	if _, err := f.svc.ExportMetadata(f.ctx, f.c, id, "nope", map[string]string{"a": "1"}); !errors.Is(err, ErrExportNotFound) {
		t.Fatalf("unknown export: %v", err)
	}
	// The list: states, orders, pages.
	ids := func(es []*Export) string {
		var s []string
		for _, e := range es {
			s = append(s, e.ID)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		lf   ListFilter
		want string
	}{
		{ListFilter{}, "all,gone,small"},
		{ListFilter{States: []string{ExportCompleted, ExportCancelled}}, "all,gone"},
		{ListFilter{OrderBy: "state"}, "gone,all,small"},
		{ListFilter{OrderBy: "time_error", Desc: true}, "small,gone,all"},
		{ListFilter{Limit: 1, Offset: 2}, "small"},
	} {
		if c.lf.Limit == 0 {
			c.lf.Limit = 100
		}
		got, _, err := f.svc.ListExports(f.c, id, c.lf)
		if err != nil || ids(got) != c.want {
			t.Errorf("%+v: %s %v, want %s", c.lf, ids(got), err, c.want)
		}
	}
	if got, n, err := f.svc.ListExports(f.c, "", ListFilter{Limit: 100}); err != nil || n != 3 || len(got) != 3 {
		t.Fatalf("org-wide %d %v", n, err)
	}
	// After its lifetime the file is gone.
	f.now = f.now.Add(ExportLifetime + 2*time.Minute)
	if _, _, err := f.svc.ExportFile(f.c, id, "all"); !errors.Is(err, ErrExportExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := os.Stat(x.file("all")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an expired file was kept")
	}
}

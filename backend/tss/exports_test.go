package tss

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// exportLogs triggers an export, waits for it and returns the counters of
// the logs in its TAR, in file order, with the client serial of each
// transaction log.
func (f *fixture) exportLogs(tssID, id string, p ExportParams) ([]uint64, map[uint64]string) {
	f.t.Helper()
	if _, err := f.svc.TriggerExport(f.ctx, f.c, tssID, id, p); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		e, err := f.svc.GetExport(f.c, tssID, id)
		if err != nil {
			f.t.Fatal(err)
		}
		if e.State == ExportCompleted {
			break
		}
		if e.State != ExportPending && e.State != ExportWorking {
			f.t.Fatalf("export %s: %s %s", id, e.State, e.Exception)
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("export %s still %s", id, e.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	file, e, err := f.svc.ExportFile(f.c, tssID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	var ctrs []uint64
	serials := map[uint64]string{}
	tr := tar.NewReader(file)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, ".log") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			f.t.Fatal(err)
		}
		l, err := tse.Parse(b)
		if err != nil {
			f.t.Fatalf("%s: %v", h.Name, err)
		}
		ctrs = append(ctrs, l.Counter.Uint64())
		if l.Kind() == "transaction" {
			serials[l.Counter.Uint64()] = string(l.Field(1))
		}
	}
	if e.Records != len(ctrs) {
		f.t.Fatalf("export %s says %d records, holds %d logs", id, e.Records, len(ctrs))
	}
	return ctrs, serials
}

func TestExportsSelectTheirLogs(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.startExports(ctx)
	const id = "12121212-1212-4121-8121-121212121212"
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	f.client(id, "c2", "kasse-2")
	for i := range 6 {
		client := []string{"c1", "c2"}[i%2]
		tx := "tx-" + string(rune('a'+i))
		if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 1, TxRequest{State: TxActive, ClientID: client}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 2, TxRequest{State: TxFinished, ClientID: client, Schema: receipt("1.00")}); err != nil {
			t.Fatal(err)
		}
	}
	total := f.counters(id).Sig

	all, serials := f.exportLogs(id, "e-all", ExportParams{})
	want := make([]uint64, total)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	if !slices.Equal(all, want) {
		t.Fatalf("full export: %v, want 1..%d in order", all, total)
	}
	if len(serials) != 12 {
		t.Fatalf("%d transaction logs, want 12", len(serials))
	}

	byClient, _ := f.exportLogs(id, "e-client", ExportParams{ClientID: "c2"})
	if len(byClient) != 6 {
		t.Fatalf("client export: %d logs, want the 6 transaction logs of kasse-2", len(byClient))
	}
	for _, c := range byClient {
		if serials[c] != "kasse-2" {
			t.Fatalf("client export holds log %d of %q", c, serials[c])
		}
	}

	ranged, _ := f.exportLogs(id, "e-range", ExportParams{StartSignatureCounter: 5, EndSignatureCounter: 9})
	if !slices.Equal(ranged, []uint64{5, 6, 7, 8, 9}) {
		t.Fatalf("counter range: %v", ranged)
	}

	// The same id again: the same export; with other parameters: refused.
	again, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-range", ExportParams{StartSignatureCounter: 5, EndSignatureCounter: 9})
	if err != nil || again.State != ExportCompleted {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-range", ExportParams{StartSignatureCounter: 6}); !errors.Is(err, ErrDuplicateExport) {
		t.Fatalf("same id, other parameters: %v", err)
	}
	var ve *ValidationError
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-big", ExportParams{MaximumNumberRecords: DefaultMaxRecord + 1}); !errors.As(err, &ve) {
		t.Fatalf("too many records asked: %v", err)
	}
	// Too few allowed: the export ends in ERROR, no file.
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e-small", ExportParams{MaximumNumberRecords: 3}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		e, err := f.svc.GetExport(f.c, id, "e-small")
		if err != nil {
			t.Fatal(err)
		}
		if e.State == ExportError {
			if e.Exception != "E_TOO_MANY_RECORDS" {
				t.Fatalf("exception %q", e.Exception)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("e-small still %s", e.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, _, err := f.svc.ExportFile(f.c, id, "e-small"); !errors.Is(err, ErrExportNotCompleted) {
		t.Fatalf("file of a failed export: %v", err)
	}
	list, n, err := f.svc.ListExports(f.c, id, ListFilter{Limit: 10})
	if err != nil || n != 4 || len(list) != 4 {
		t.Fatalf("list %d %v", n, err)
	}
}

func TestExportRefusedBeforeInitialization(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.startExports(ctx)
	id := f.tssIn(StateUninitialized, 1)
	if _, err := f.svc.TriggerExport(f.ctx, f.c, id, "e1", ExportParams{}); !errors.Is(err, ErrExportState) {
		t.Fatalf("export of an UNINITIALIZED TSS: %v", err)
	}
	if _, err := f.svc.GetExport(f.c, id, "e1"); !errors.Is(err, ErrExportNotFound) {
		t.Fatalf("refused export stored: %v", err)
	}
}

// startExports runs TAR exports on a job runner of the fixture's store
// until ctx ends.
func (f *fixture) startExports(ctx context.Context) {
	f.t.Helper()
	r, err := jobs.New(f.st, jobs.Options{Poll: 20 * time.Millisecond})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.StartExports(ctx, r, f.t.TempDir(), 1, zerolog.Nop()); err != nil {
		f.t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(r.Stop)
}

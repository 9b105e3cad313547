package tss

import (
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// An export queued the old way (export-queue/<export> → tss) becomes a
// job when exports start, and runs to completion through its handler.
func TestStartExportsAdoptsTheRetiredQueue(t *testing.T) {
	f := newFixture(t)
	const id = "a6000000-0000-4000-8000-000000000000"
	f.initialized(id)
	err := f.st.Update(f.ctx, func(txn store.Tx) error {
		if err := store.PutJSON(txn, store.ExportKey(id, "old"), exportRecord{1, Export{ID: "old", Type: "EXPORT", State: ExportPending, TSSID: id,
			Metadata: map[string]string{}, Parameters: ExportParams{MaximumNumberRecords: DefaultMaxRecord}}}); err != nil {
			return err
		}
		return txn.Set(append(store.ExportQueuePrefix(), "old"...), []byte(id))
	})
	if err != nil {
		t.Fatal(err)
	}
	x := f.exportsRegistered()
	if j := f.exportJob(id, "old"); j.State != jobs.Queued {
		t.Fatalf("job %+v", j)
	}
	n := 0
	_ = f.st.View(func(txn store.Tx) error {
		return store.ScanKeys(txn, store.ExportQueuePrefix(), func([]byte) error { n++; return nil })
	})
	if n != 0 {
		t.Fatalf("%d retired entries left", n)
	}
	if e := f.runExport(x, id, "old"); e.State != ExportCompleted || e.Records != int(f.counters(id).Sig) {
		t.Fatalf("%+v", e)
	}
}

package dsfinvk

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// A store from before the job runner has its work in the retired
// dk-queue: Start turns each entry into a job (and nothing is lost), and
// the work then runs as any job.
func TestStartAdoptsTheRetiredQueue(t *testing.T) {
	d := newClosingEnv(t)
	// A closing and an export left PENDING by an old version, queued the old way.
	scope := d.Org.ID + "/" + org.EnvTest
	err := d.St.Update(d.Ctx, func(txn store.Tx) error {
		// The old version stored the closing and queued it, with no job record.
		if err := store.PutJSON(txn, store.DKClosingKey(d.Org.ID, org.EnvTest, "old-closing"), closingRecord{V: 1, Body: body(t, goodClosing("kasse-1", 1)),
			View: ClosingView{ClosingID: "old-closing", State: StatePending, ClientID: "kasse-1", CashPointClosingExportID: 1}}); err != nil {
			return err
		}
		if err := txn.Set(append(store.DKQueuePrefix("closing"), "old-closing"...), []byte(scope)); err != nil {
			return err
		}
		return txn.Set(append(store.DKQueuePrefix("export"), "old-export"...), []byte(scope))
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(d.St, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.s.Start(d.Ctx, r, t.TempDir(), zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	for kind, id := range map[string]string{ClosingJob: "old-closing", ExportJob: "old-export"} {
		if j := d.job(t, kind, id); j.State != jobs.Queued || j.Ref != scope+"/"+id {
			t.Fatalf("%s: %+v", kind, j)
		}
	}
	var left int
	_ = d.St.View(func(txn store.Tx) error {
		for _, kind := range []string{"closing", "export"} {
			if err := store.ScanKeys(txn, store.DKQueuePrefix(kind), func([]byte) error { left++; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if left != 0 {
		t.Fatalf("%d retired queue entries left", left)
	}
	// The adopted closing validates as any.
	if err := d.s.validate(d.Ctx, nil, d.Org.ID, org.EnvTest, "old-closing"); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.s.GetClosing(d.C, "old-closing"); v.State != StateCompleted {
		t.Fatalf("%+v", v)
	}
	// A second Start finds nothing more to adopt and changes no job.
	r2, _ := jobs.New(d.St, jobs.Options{})
	if err := d.s.Start(d.Ctx, r2, t.TempDir(), zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	if j := d.job(t, ClosingJob, "old-closing"); j.State != jobs.Queued || j.Attempts != 0 {
		t.Fatalf("after a second start %+v", j)
	}
}

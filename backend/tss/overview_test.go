package tss

import (
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// TestOverviewAndUsageCountByDay signs transactions on chosen days and
// checks the dashboard's per-day counts (found by binary search over the
// numbers) and the billing usage of a period against what was signed.
func TestOverviewAndUsageCountByDay(t *testing.T) {
	f := newFixture(t)
	const a, b = "13131313-1313-4131-8131-131313131313", "14141414-1414-4141-8141-141414141414"
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	f.now = day(1, 8)
	f.initialized(a)
	f.initialized(b)
	f.tssIn(StateCreated, 99)
	f.client(a, "c1", "kasse-1")
	f.client(b, "c2", "kasse-2")
	f.client(b, "c3", "kasse-3")
	// a: 2 on Dec 2, 0 on Dec 3, 3 on Dec 4; b: 1 on Dec 1, 1 on Dec 4.
	plan := []struct {
		tss, client string
		at          time.Time
	}{
		{a, "c1", day(2, 9)}, {a, "c1", day(2, 23)}, {b, "c2", day(1, 12)},
		{a, "c1", day(4, 0)}, {a, "c1", day(4, 1)}, {b, "c3", day(4, 2)}, {a, "c1", day(4, 23)},
	}
	for i, p := range plan {
		f.now = p.at
		if _, err := f.svc.Upsert(f.ctx, f.c, p.tss, "tx-"+string(rune('a'+i)), 1, TxRequest{State: TxActive, ClientID: p.client}); err != nil {
			t.Fatal(err)
		}
	}
	o, err := f.svc.Overview(f.c, 4, day(4, 18))
	if err != nil {
		t.Fatal(err)
	}
	if o.TSSByState[StateInitialized] != 2 || o.TSSByState[StateCreated] != 1 || o.Clients != 3 || o.Transactions != 7 {
		t.Fatalf("totals %+v", o)
	}
	want := []DayCount{{"2026-12-01", 1}, {"2026-12-02", 2}, {"2026-12-03", 0}, {"2026-12-04", 4}}
	if len(o.PerDay) != len(want) {
		t.Fatalf("per day %+v", o.PerDay)
	}
	for i := range want {
		if o.PerDay[i] != want[i] {
			t.Errorf("day %d: %+v, want %+v", i, o.PerDay[i], want[i])
		}
	}
	// Two days only: the earlier ones are left out.
	short, err := f.svc.Overview(f.c, 2, day(4, 18))
	if err != nil || len(short.PerDay) != 2 || short.PerDay[0].Transactions != 0 || short.PerDay[1].Transactions != 4 {
		t.Fatalf("two days %+v %v", short, err)
	}
	// Usage of TSS a in [Dec 2, Dec 4): the two of Dec 2; in use (initialized before).
	var u Usage
	err = f.st.View(func(txn store.Tx) (err error) {
		u, err = UsageIn(txn, a, day(2, 0).Unix(), day(4, 0).Unix())
		return err
	})
	if err != nil || u.Transactions != 2 || !u.InUse || u.Env != "TEST" {
		t.Fatalf("usage %+v %v", u, err)
	}
	// Before the TSS was initialized it was not in use.
	err = f.st.View(func(txn store.Tx) (err error) {
		u, err = UsageIn(txn, a, day(1, 0).Add(-48*time.Hour).Unix(), day(1, 0).Unix())
		return err
	})
	if err != nil || u.InUse || u.Transactions != 0 {
		t.Fatalf("usage before init %+v %v", u, err)
	}
}

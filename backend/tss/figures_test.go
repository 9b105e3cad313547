package tss_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// Transactions signed on several days, in an organization and its
// customer: the figures come from the counters (per day, today, last
// activity), each past day closed once into tss-day, and equal what was
// signed.
func TestFiguresCountDaysFromTheCounters(t *testing.T) {
	e := tsstest.New(t, "Vendor")
	cust := e.NewOrg("Kunde", e.Org.ID)
	cc := e.Caller(cust.ID)
	const t1, t2 = "a1111111-1111-4111-8111-111111111111", "b2222222-2222-4222-8222-222222222222"
	e.Initialized(e.C, t1)
	e.Initialized(cc, t2)
	e.Client(e.C, t1, "c1", "kasse-1")
	e.Client(cc, t2, "c2", "kasse-2")
	r := tsstest.Standard(map[string]string{"NORMAL": "1.00"}, map[string]string{"CASH": "1.00"})
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	n := 0
	sign := func(c tss.Caller, id, client string, at time.Time) {
		e.Now = at
		n++
		e.Receipt(c, id, client, fmt.Sprintf("tx-%d", n), r)
	}
	sign(e.C, t1, "c1", day(1, 10))
	sign(e.C, t1, "c1", day(1, 23))
	sign(e.C, t1, "c1", day(2, 9))
	for range 3 {
		sign(cc, t2, "c2", day(3, 12))
	}
	e.Now = day(3, 13)
	if _, err := e.TSS.Upsert(e.Ctx, e.C, t1, "tx-open", 1, tss.TxRequest{State: tss.TxActive, ClientID: "c1"}); err != nil {
		t.Fatal(err)
	}

	// Day 1 was closed by day 2's first start, day 2 by day 3's; day 3 is open.
	_ = e.St.View(func(tx store.Tx) error {
		for d, want := range map[int]uint32{1: 2, 2: 1} {
			b, err := tx.Get(store.TSSDayKey(t1, store.DayOf(day(d, 0).Unix())))
			if err != nil || len(b) != 4 || uint32(b[3]) != want {
				t.Errorf("tss-day of Dec %d: %x %v, want %d", d, b, err, want)
			}
		}
		if ok, _ := store.Exists(tx, store.TSSDayKey(t1, store.DayOf(day(3, 0).Unix()))); ok {
			t.Error("the open day was written as closed")
		}
		c, _ := store.GetTSSCounters(tx, t1)
		if c.Day != store.DayOf(day(3, 0).Unix()) || c.DayTx != 1 || c.LastLog != day(3, 13).Unix() {
			t.Errorf("counters %+v", c)
		}
		return nil
	})

	e.Now = day(4, 8) // the day after, nothing signed yet
	figs, err := e.TSS.Figures([]string{e.Org.ID, cust.ID}, "TEST", 5, e.Now)
	if err != nil {
		t.Fatal(err)
	}
	own, kunde := figs[0], figs[1]
	if fmt.Sprint(own.PerDay) != "[0 2 1 1 0]" || own.Transactions != 4 || own.Today != 0 || own.TSS != 1 || own.Clients != 1 || own.LastActivity != day(3, 13).Unix() {
		t.Fatalf("vendor %+v", own)
	}
	if fmt.Sprint(kunde.PerDay) != "[0 0 0 3 0]" || kunde.Transactions != 3 || kunde.TSSByState[tss.StateInitialized] != 1 || kunde.LastActivity != day(3, 12).Unix() {
		t.Fatalf("customer %+v", kunde)
	}
	if live, _ := e.TSS.Figures([]string{e.Org.ID}, "LIVE", 5, e.Now); live[0].TSS != 0 || live[0].Transactions != 0 {
		t.Fatalf("LIVE %+v", live[0])
	}

	// A state change shows at once: the figures' cache of each TSS's state
	// (kept while the store's generation holds) is not older than the record.
	now := e.Caller(cust.ID) // a token of this day
	if err := e.TSS.AdminAuth(e.Ctx, now, t2, tsstest.PIN); err != nil {
		t.Fatal(err)
	}
	if _, err := e.TSS.Patch(e.Ctx, now, t2, tss.StateDisabled, "", false, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.TSS.Figures([]string{cust.ID}, "TEST", 5, e.Now); again[0].TSSByState[tss.StateDisabled] != 1 || again[0].TSSByState[tss.StateInitialized] != 0 || again[0].Transactions != 3 {
		t.Fatalf("after disabling: %+v", again[0])
	}

	// The overview of one org reads the same counters.
	e.Now = day(3, 20)
	o, err := e.TSS.Overview(e.C, 3, e.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.PerDay) != 3 || o.PerDay[0].Day != "2026-12-01" || o.PerDay[0].Transactions != 2 || o.PerDay[2].Transactions != 1 || o.Transactions != 4 {
		t.Fatalf("overview %+v", o)
	}
}

// Seeded receipts spread over past days count for the days they carry.
func TestSeedTimedSpreadsOverDays(t *testing.T) {
	e := tsstest.New(t, "Bench")
	const id = "c3333333-3333-4333-8333-333333333333"
	e.Initialized(e.C, id)
	e.Client(e.C, id, "c1", "kasse-1")
	e.Now = time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	from := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC).Unix()
	const n = 1500
	at := func(num uint64) int64 { return from + int64((num-1)*3*86400/n) }
	if err := e.TSS.SeedTimed(e.Ctx, e.C, id, "c1", n, at, nil); err != nil {
		t.Fatal(err)
	}
	figs, err := e.TSS.Figures([]string{e.Org.ID}, "TEST", 3, e.Now)
	if err != nil {
		t.Fatal(err)
	}
	f := figs[0]
	var sum uint64
	for _, d := range f.PerDay {
		if d == 0 {
			t.Fatalf("a day without receipts: %v", f.PerDay)
		}
		sum += d
	}
	if sum != n || f.Transactions != n {
		t.Fatalf("per day %v (sum %d), transactions %d", f.PerDay, sum, f.Transactions)
	}
}

// The figures' cache (figureCache) never shows an older store: a day
// closed by the next day's first receipt, a second TSS and a longer series
// read after the cache was filled all count at once.
func TestFiguresFollowWhatChangesAfterTheCacheIsFilled(t *testing.T) {
	e := tsstest.New(t, "Vendor")
	const t1, t2 = "d4444444-4444-4444-8444-444444444444", "e5555555-5555-4555-8555-555555555555"
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	e.Now = day(1, 8)
	e.Initialized(e.C, t1)
	e.Client(e.C, t1, "c1", "kasse-1")
	r := tsstest.Standard(map[string]string{"NORMAL": "1.00"}, map[string]string{"CASH": "1.00"})
	n := 0
	sign := func(id, client string, at time.Time) {
		e.Now = at
		n++
		e.Receipt(e.Caller(e.Org.ID), id, client, fmt.Sprintf("tx-%d", n), r)
	}
	perDay := func(days int) string {
		t.Helper()
		figs, err := e.TSS.Figures([]string{e.Org.ID}, "TEST", days, e.Now)
		if err != nil {
			t.Fatal(err)
		}
		f := figs[0]
		return fmt.Sprintf("%v tss=%d tx=%d today=%d", f.PerDay, f.TSS, f.Transactions, f.Today)
	}
	sign(t1, "c1", day(2, 10))
	sign(t1, "c1", day(2, 11))
	if got := perDay(2); got != "[0 2] tss=1 tx=2 today=2" {
		t.Fatalf("day 2: %s", got)
	}
	// Day 3's first receipt closes day 2 into tss-day/.
	sign(t1, "c1", day(3, 9))
	if got := perDay(2); got != "[2 1] tss=1 tx=3 today=1" {
		t.Fatalf("day 3: %s", got)
	}
	// A second TSS of the same organization.
	e.Initialized(e.Caller(e.Org.ID), t2)
	e.Client(e.Caller(e.Org.ID), t2, "c2", "kasse-2")
	sign(t2, "c2", day(3, 10))
	if got := perDay(2); got != "[2 2] tss=2 tx=4 today=2" {
		t.Fatalf("second TSS: %s", got)
	}
	// A longer series than the cache holds days for.
	e.Now = day(4, 8)
	sign(t1, "c1", day(4, 9))
	if got := perDay(2); got != "[2 1] tss=2 tx=5 today=1" {
		t.Fatalf("day 4, two days: %s", got)
	}
	if got := perDay(4); got != "[0 2 2 1] tss=2 tx=5 today=1" {
		t.Fatalf("day 4, four days: %s", got)
	}
}

package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCountStartsClosesDaysInOrder(t *testing.T) {
	day := func(d int) int64 { return int64(20_000+d)*86400 + 3600 } // 01:00 UTC of day 20000+d
	var c TSSCounters
	if _, _, closed := c.CountStarts(0, day(0)); closed || c.Day != 0 {
		t.Fatalf("n=0 counted: %+v", c)
	}
	if _, _, closed := c.CountStarts(3, day(0)); closed || c.Day != 20_000 || c.DayTx != 3 {
		t.Fatalf("first day: %+v closed=%v", c, closed)
	}
	c.CountStarts(2, day(0)+80_000) // still the same UTC day
	d, n, closed := c.CountStarts(1, day(2))
	if !closed || d != 20_000 || n != 5 || c.Day != 20_002 || c.DayTx != 1 {
		t.Fatalf("next day: closed %v %d/%d, now %+v", closed, d, n, c)
	}
	// A clock that went back counts into the open day; days never reopen.
	if _, _, closed := c.CountStarts(4, day(1)); closed || c.Day != 20_002 || c.DayTx != 5 {
		t.Fatalf("clock back: %+v", c)
	}
	if DayOf(-5) != 0 || DayOf(86_399) != 0 || DayOf(86_400) != 1 {
		t.Fatal("DayOf")
	}
}

func TestTSSCountersForms(t *testing.T) {
	c := TSSCounters{Sig: 9, Tx: 4, Active: 1, Client: 2, LastLog: 1_764_583_200, Day: 20_423, DayTx: 3}
	b := c.Encode()
	if len(b) != 40 || binary.BigEndian.Uint64(b[8:]) != 4 {
		t.Fatalf("stored form %x", b)
	}
	if got, err := DecodeTSSCounters(b); err != nil || got != c {
		t.Fatalf("round trip %+v %v", got, err)
	}
	// The 24 bytes of formats 1 and 2 still read, without the new fields.
	if got, err := DecodeTSSCounters(b[:24]); err != nil || got != (TSSCounters{Sig: 9, Tx: 4, Active: 1, Client: 2}) {
		t.Fatalf("24-byte form: %+v %v", got, err)
	}
	for _, n := range []int{0, 23, 25, 39, 41} {
		if _, err := DecodeTSSCounters(make([]byte, n)); err == nil {
			t.Errorf("%d bytes accepted", n)
		}
	}
}

func TestAddTSSDaysReadsClosedDaysAndTheOpenOne(t *testing.T) {
	s, err := OpenMemory(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must(t, s.Update(t.Context(), func(tx Tx) error {
		for d, n := range map[uint32]uint32{99: 7, 100: 1, 103: 4, 110: 9} {
			if err := PutTSSDay(tx, "t1", d, n); err != nil {
				return err
			}
		}
		return PutTSSDay(tx, "t2", 101, 50) // another TSS
	}))
	_ = s.View(func(tx Tx) error {
		per := make([]uint64, 6) // days 100..105
		if err := AddTSSDays(tx, "t1", TSSCounters{Day: 105, DayTx: 2}, 100, per); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(per) != "[1 0 0 4 0 2]" {
			t.Fatalf("per day %v", per)
		}
		// The open day outside the window is not added.
		per = make([]uint64, 3)
		_ = AddTSSDays(tx, "t1", TSSCounters{Day: 111, DayTx: 2}, 108, per)
		if fmt.Sprint(per) != "[0 0 9]" {
			t.Fatalf("window 108..110: %v", per)
		}
		return nil
	})
}

// Older stores get their per-day counts and last activity from the
// transactions themselves when they are opened by this binary (format 2 →
// 3). A format-1 store runs both steps in order: it also gets its setup
// user as installation administrator (1 → 2); a format-2 store runs only
// the day step, so a user without the role does not gain it.
func TestMigrationToFormat3BackfillsDays(t *testing.T) {
	if FormatVersion != 4 {
		t.Fatalf("FormatVersion %d: this test knows formats 1 to 4", FormatVersion)
	}
	for _, from := range []uint32{1, 2} {
		t.Run(fmt.Sprintf("from format %d", from), func(t *testing.T) {
			testBackfillFrom(t, from)
		})
	}
}

func testBackfillFrom(t *testing.T, from uint32) {
	dir := t.TempDir()
	now := time.Now().UTC()
	today := DayOf(now.Unix())
	at := func(daysAgo int, h int) int64 { return int64(today-uint32(daysAgo))*86400 + int64(h)*3600 }
	// Transactions in start order: 2 on a day out of the window, 1 ninety
	// days ago, 3 three days ago, 2 today (the last one finished later).
	starts := []int64{at(120, 1), at(120, 2), at(90, 5), at(3, 1), at(3, 2), at(3, 23), at(0, 0), at(0, 0) + 30}
	kv := map[string][]byte{
		"meta/format":   u32(from),
		"meta/instance": make([]byte, 16),
		"tss-ctr/t1":    TSSCounters{Sig: 40, Tx: uint64(len(starts)), Active: 0, Client: 1}.Encode()[:24],
		"tss-ctr/t2":    TSSCounters{Sig: 2}.Encode()[:24], // no transactions yet
		// The user who ran first-start setup, and one invited later.
		string(UserKey("u-setup")): []byte(`{"_id":"u-setup","created_at":100}`),
		string(UserKey("u-later")): []byte(`{"_id":"u-later","created_at":200}`),
	}
	for i, st := range starts {
		n := uint64(i + 1)
		id := fmt.Sprintf("tx-%d", n)
		kv[string(TxNumKey("t1", n))] = []byte(id)
		head, _ := json.Marshal(map[string]any{"v": 1, "id": id, "number": n, "time_start": st, "time_end": st + 10})
		kv[string(TxKey("t1", id))] = head
	}
	rawSet(t, dir, kv)

	s := openTest(t, dir)
	_ = s.View(func(tx Tx) error {
		if v, _ := tx.Get(keyFormat); binary.BigEndian.Uint32(v) != FormatVersion {
			t.Fatalf("format %x", v)
		}
		var admins []string
		if err := ScanKeys(tx, InstallAdminPrefix(), func(k []byte) error { admins = append(admins, LastSegment(k)); return nil }); err != nil {
			t.Fatal(err)
		}
		if want := map[uint32]string{1: "[u-setup]", 2: "[]"}[from]; fmt.Sprint(admins) != want {
			t.Fatalf("installation admins %v, want %s", admins, want)
		}
		c, err := GetTSSCounters(tx, "t1")
		if err != nil || c.Tx != 8 || c.Sig != 40 || c.Day != today || c.DayTx != 2 || c.LastLog != at(0, 0)+40 {
			t.Fatalf("counters %+v %v", c, err)
		}
		per := make([]uint64, 92)
		if err := AddTSSDays(tx, "t1", c, today-91, per); err != nil {
			t.Fatal(err)
		}
		var sum uint64
		for _, n := range per {
			sum += n
		}
		if per[91-90] != 1 || per[91-3] != 3 || per[91] != 2 || sum != 6 {
			t.Fatalf("per day: 90 days ago %d, 3 days ago %d, today %d, all %d", per[1], per[88], per[91], sum)
		}
		if ok, _ := Exists(tx, TSSDayKey("t1", today-120)); ok {
			t.Fatal("a day out of the window was written")
		}
		if c2, _ := GetTSSCounters(tx, "t2"); c2.Sig != 2 || c2.Day != today || c2.DayTx != 0 || c2.LastLog != 0 {
			t.Fatalf("TSS without transactions: %+v", c2)
		}
		return nil
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// What the rollup's fields add to every signed operation: encoding the
// longer counter record and counting a start for its day (go test -run '^$'
// -bench 'Counters|CountStarts' ./backend/store; docs/BENCHMARKS.md).
func BenchmarkCountersEncode(b *testing.B) {
	c := TSSCounters{Sig: 1 << 40, Tx: 1 << 39, Active: 7, Client: 3, LastLog: 1_764_583_200, Day: 20_423, DayTx: 99}
	for b.Loop() {
		_ = c.Encode()
	}
}

func BenchmarkCountersEncodeFormat1(b *testing.B) {
	c := TSSCounters{Sig: 1 << 40, Tx: 1 << 39, Active: 7, Client: 3}
	for b.Loop() {
		_ = c.Encode()[:24]
	}
}

func BenchmarkCountStarts(b *testing.B) {
	var c TSSCounters
	at := int64(1_764_583_200)
	for b.Loop() {
		at++
		c.CountStarts(1, at)
	}
}

// A format-3 store gets each TSS's env and state into its org-tss index
// (3 → 4), so the dashboard lists an org's TSS without their records; an
// index that is missing stays missing, for doctor to report.
func TestMigrationToFormat4FillsTheOrgTSSIndex(t *testing.T) {
	dir := t.TempDir()
	rec := func(id, org, env, state string) []byte {
		b, _ := json.Marshal(map[string]any{"v": 1, "id": id, "env": env, "org": org, "state": state, "certificate": "AAAA"})
		return b
	}
	rawSet(t, dir, map[string][]byte{
		"meta/format":                 u32(3),
		"meta/instance":               make([]byte, 16),
		string(TSSKey("t1")):          rec("t1", "o1", "TEST", "INITIALIZED"),
		string(TSSKey("t2")):          rec("t2", "o1", "LIVE", "DISABLED"),
		string(TSSKey("t3")):          rec("t3", "o2", "TEST", "CREATED"),
		string(OrgTSSKey("o1", "t1")): nil,
		string(OrgTSSKey("o1", "t2")): nil,
		// t3's index entry is missing.
	})
	s := openTest(t, dir)
	_ = s.View(func(tx Tx) error {
		if v, _ := tx.Get(keyFormat); binary.BigEndian.Uint32(v) != 4 {
			t.Fatalf("format %x", v)
		}
		var got []string
		_ = EachOrgTSS(tx, "o1", func(id, env, state string) error {
			got = append(got, id+" "+env+" "+state)
			return nil
		})
		if fmt.Sprint(got) != "[t1 TEST INITIALIZED t2 LIVE DISABLED]" {
			t.Fatalf("org o1's index: %v", got)
		}
		if _, _, err := GetOrgTSS(tx, "o2", "t3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a missing index entry was made up: %v", err)
		}
		return nil
	})
}

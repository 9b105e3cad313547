package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store/pgtest"
)

// The conformance suite: one table of behaviours every engine must have,
// run against each engine below. A new engine (PostgreSQL, issue 20) is
// one more line in engines.
var engines = []struct {
	name string
	open func(t testing.TB) *Store
}{
	{"memory", func(t testing.TB) *Store {
		s, err := OpenMemory(Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"badger", func(t testing.TB) *Store {
		s, err := Open(t.TempDir(), Options{GCInterval: -1, MinFreeBytes: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"postgres", func(t testing.TB) *Store {
		s, err := OpenPostgres(context.Background(), pgtest.URL(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

var conformance = []struct {
	name string
	run  func(t *testing.T, s *Store)
}{
	{"big-endian numbers iterate in numeric order", testNumericOrder},
	{"prefix scans stay inside their prefix", testPrefixBounds},
	{"Start and Reverse position the walk", testStartReverse},
	{"long walks in both directions from any start", testLongWalks},
	{"a transaction reads its own writes", testReadYourWrites},
	{"View is read-only", testReadOnly},
	{"View reads a snapshot while Update commits", testSnapshotIsolation},
	{"a conflicting Update is retried", testConflictRetried},
	{"concurrent increments lose no update", testNoLostUpdate},
	{"counters", testCounters},
	{"outbox sequence is commit order", testOutboxCommitOrder},
	{"every public write reaches the outbox", testEveryWriteReachesOutbox},
	{"a failed or panicking transaction writes nothing", testCrashMidTransaction},
	{"closed store refuses work", testClosed},
}

func TestConformance(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, e.open(t)) })
			}
		})
	}
}

func mustUpdate(t *testing.T, s *Store, fn func(tx Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func setAll(t *testing.T, s *Store, keys ...[]byte) {
	t.Helper()
	mustUpdate(t, s, func(tx Tx) error {
		for _, k := range keys {
			if err := tx.Set(k, append([]byte("v:"), k...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// walk returns the keys an iteration visits, checking each value.
func walk(t *testing.T, s *Store, o IterOptions) []string {
	t.Helper()
	var got []string
	err := s.View(func(tx Tx) error {
		it := tx.Iterate(o)
		defer it.Close()
		for ; it.Valid(); it.Next() {
			if bytes.HasPrefix(it.Key(), []byte("meta/")) {
				continue // the store's own keys (format, instance id)
			}
			v, err := it.Value()
			if err != nil {
				return err
			}
			if !bytes.Equal(v, append([]byte("v:"), it.Key()...)) {
				return fmt.Errorf("key %q has value %q", it.Key(), v)
			}
			got = append(got, string(it.Key()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func numKey(p string, n uint64) []byte { return binary.BigEndian.AppendUint64([]byte(p), n) }

func testNumericOrder(t *testing.T, s *Store) {
	nums := []uint64{1, 2, 255, 256, 257, 65535, 65536, 1 << 32, 1<<56 + 3, 1<<64 - 1}
	shuffled := slices.Clone(nums)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var keys [][]byte
	for _, n := range shuffled {
		keys = append(keys, numKey("log/t/", n))
	}
	setAll(t, s, keys...)
	var want []string
	for _, n := range nums {
		want = append(want, string(numKey("log/t/", n)))
	}
	if got := walk(t, s, IterOptions{Prefix: []byte("log/t/")}); !slices.Equal(got, want) {
		t.Fatalf("forward order %x", got)
	}
	slices.Reverse(want)
	if got := walk(t, s, IterOptions{Prefix: []byte("log/t/"), Reverse: true}); !slices.Equal(got, want) {
		t.Fatalf("reverse order %x", got)
	}
}

func testPrefixBounds(t *testing.T, s *Store) {
	// Neighbours on both sides, including the key right after the prefix
	// ("p0" follows every "p/…") and 0xff bytes inside the prefix.
	setAll(t, s, []byte("p"), []byte("p."), []byte("p/"), []byte("p/a"), []byte("p/\xff\xff"), []byte("p0"), []byte("q/a"), []byte("o/z"))
	cases := []struct {
		o    IterOptions
		want []string
	}{
		{IterOptions{Prefix: []byte("p/")}, []string{"p/", "p/a", "p/\xff\xff"}},
		{IterOptions{Prefix: []byte("p/"), Reverse: true}, []string{"p/\xff\xff", "p/a", "p/"}},
		{IterOptions{Prefix: []byte("p/"), KeysOnly: true}, []string{"p/", "p/a", "p/\xff\xff"}},
		{IterOptions{Prefix: []byte("x/")}, nil},
		{IterOptions{Prefix: []byte("x/"), Reverse: true}, nil},
		{IterOptions{}, []string{"o/z", "p", "p.", "p/", "p/a", "p/\xff\xff", "p0", "q/a"}},
		{IterOptions{Reverse: true}, []string{"q/a", "p0", "p/\xff\xff", "p/a", "p/", "p.", "p", "o/z"}},
	}
	for _, c := range cases {
		if got := walk(t, s, c.o); !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %q, want %q", c.o, got, c.want)
		}
	}
}

func testStartReverse(t *testing.T, s *Store) {
	var keys [][]byte
	for n := uint64(1); n <= 9; n += 2 { // 1 3 5 7 9
		keys = append(keys, numKey("tx-num/t/", n))
	}
	setAll(t, s, append(keys, numKey("tx-nun/", 4), numKey("tx-num/", 2))...)
	p := []byte("tx-num/t/")
	nums := func(ks []string) []uint64 {
		var out []uint64
		for _, k := range ks {
			out = append(out, binary.BigEndian.Uint64([]byte(k[len(p):])))
		}
		return out
	}
	cases := []struct {
		name string
		o    IterOptions
		want []uint64
	}{
		{"forward from an existing key", IterOptions{Prefix: p, Start: numKey(string(p), 5)}, []uint64{5, 7, 9}},
		{"forward from a gap", IterOptions{Prefix: p, Start: numKey(string(p), 4)}, []uint64{5, 7, 9}},
		{"forward from past the end", IterOptions{Prefix: p, Start: numKey(string(p), 10)}, nil},
		{"forward from before the prefix", IterOptions{Prefix: p, Start: []byte("a")}, []uint64{1, 3, 5, 7, 9}},
		{"reverse from an existing key", IterOptions{Prefix: p, Start: numKey(string(p), 5), Reverse: true}, []uint64{5, 3, 1}},
		{"reverse from a gap", IterOptions{Prefix: p, Start: numKey(string(p), 6), Reverse: true}, []uint64{5, 3, 1}},
		{"reverse from before the first", IterOptions{Prefix: p, Start: numKey(string(p), 0), Reverse: true}, nil},
		{"reverse from past the prefix", IterOptions{Prefix: p, Start: []byte("z"), Reverse: true}, []uint64{9, 7, 5, 3, 1}},
	}
	for _, c := range cases {
		if got := nums(walk(t, s, c.o)); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// testLongWalks crosses the chunks engines read ahead (the memory engine
// reads 64 keys at a time) from every kind of start.
func testLongWalks(t *testing.T, s *Store) {
	const n = 300
	var keys [][]byte
	for i := uint64(1); i <= n; i++ {
		keys = append(keys, numKey("log/w/", 2*i)) // even numbers 2..600
	}
	setAll(t, s, keys...)
	setAll(t, s, numKey("log/v/", 1), numKey("log/x/", 1)) // neighbours
	p := []byte("log/w/")
	for _, start := range []uint64{0, 1, 2, 127, 128, 129, 301, 599, 600, 601} {
		var fwd, rev []uint64
		for _, k := range walk(t, s, IterOptions{Prefix: p, Start: numKey(string(p), start), KeysOnly: start%2 == 0}) {
			fwd = append(fwd, binary.BigEndian.Uint64([]byte(k[len(p):])))
		}
		for _, k := range walk(t, s, IterOptions{Prefix: p, Start: numKey(string(p), start), Reverse: true}) {
			rev = append(rev, binary.BigEndian.Uint64([]byte(k[len(p):])))
		}
		var wantF, wantR []uint64
		for i := uint64(2); i <= 2*n; i += 2 {
			if i >= start {
				wantF = append(wantF, i)
			}
			if i <= start {
				wantR = append([]uint64{i}, wantR...)
			}
		}
		if !slices.Equal(fwd, wantF) {
			t.Errorf("forward from %d: %d keys, want %d", start, len(fwd), len(wantF))
		}
		if !slices.Equal(rev, wantR) {
			t.Errorf("reverse from %d: %d keys, want %d", start, len(rev), len(wantR))
		}
	}
}

func testReadYourWrites(t *testing.T, s *Store) {
	setAll(t, s, []byte("k/1"), []byte("k/3"))
	mustUpdate(t, s, func(tx Tx) error {
		if err := tx.Set([]byte("k/2"), []byte("v:k/2")); err != nil {
			return err
		}
		if err := tx.Delete([]byte("k/3")); err != nil {
			return err
		}
		if v, err := tx.Get([]byte("k/2")); err != nil || string(v) != "v:k/2" {
			t.Errorf("own write: %q %v", v, err)
		}
		if _, err := tx.Get([]byte("k/3")); !errors.Is(err, ErrNotFound) {
			t.Errorf("own delete: %v", err)
		}
		var keys []string
		it := tx.Iterate(IterOptions{Prefix: []byte("k/")})
		for ; it.Valid(); it.Next() {
			keys = append(keys, string(it.Key()))
		}
		it.Close()
		if !slices.Equal(keys, []string{"k/1", "k/2"}) {
			t.Errorf("iteration inside the txn: %q", keys)
		}
		// The value handed out is a copy: changing it changes nothing.
		v, _ := tx.Get([]byte("k/1"))
		v[0] = 'X'
		if w, _ := tx.Get([]byte("k/1")); string(w) != "v:k/1" {
			t.Errorf("Get returned the stored slice: %q", w)
		}
		return nil
	})
	if got := walk(t, s, IterOptions{Prefix: []byte("k/")}); !slices.Equal(got, []string{"k/1", "k/2"}) {
		t.Fatalf("after commit: %q", got)
	}
}

func testReadOnly(t *testing.T, s *Store) {
	err := s.View(func(tx Tx) error {
		if err := tx.Set([]byte("a/b"), nil); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Set in View: %v", err)
		}
		if err := tx.Delete([]byte("a/b")); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Delete in View: %v", err)
		}
		if err := PutJSON(tx, []byte("a/b"), 1); !errors.Is(err, ErrReadOnly) {
			t.Errorf("PutJSON in View: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walk(t, s, IterOptions{Prefix: []byte("a/")}) != nil {
		t.Fatal("a View wrote")
	}
}

func testSnapshotIsolation(t *testing.T, s *Store) {
	setAll(t, s, []byte("s/1"))
	inView, committed := make(chan struct{}), make(chan error)
	go func() {
		<-inView
		committed <- s.Update(context.Background(), func(tx Tx) error {
			if err := tx.Set([]byte("s/1"), []byte("changed")); err != nil {
				return err
			}
			return tx.Set([]byte("s/2"), []byte("v:s/2"))
		})
	}()
	err := s.View(func(tx Tx) error {
		close(inView)
		if err := <-committed; err != nil {
			return err
		}
		if v, err := tx.Get([]byte("s/1")); err != nil || string(v) != "v:s/1" {
			t.Errorf("snapshot sees a later commit: %q %v", v, err)
		}
		it := tx.Iterate(IterOptions{Prefix: []byte("s/")})
		defer it.Close()
		n := 0
		for ; it.Valid(); it.Next() {
			n++
		}
		if n != 1 {
			t.Errorf("snapshot iteration sees %d keys, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var v []byte
	_ = s.View(func(tx Tx) (err error) { v, err = tx.Get([]byte("s/1")); return err })
	if string(v) != "changed" {
		t.Fatalf("after the view: %q", v)
	}
}

// testConflictRetried makes a conflict happen for sure: the first run of
// fn reads a key that another transaction changes before fn returns.
func testConflictRetried(t *testing.T, s *Store) {
	k := []byte("c/n")
	mustUpdate(t, s, func(tx Tx) error { return PutU64(tx, k, 1) })
	runs := 0
	mustUpdate(t, s, func(tx Tx) error {
		runs++
		n, err := GetU64(tx, k)
		if err != nil {
			return err
		}
		if runs == 1 {
			mustUpdate(t, s, func(tx Tx) error { return PutU64(tx, k, 10) })
		}
		return PutU64(tx, k, n+1)
	})
	var got uint64
	_ = s.View(func(tx Tx) (err error) { got, err = GetU64(tx, k); return err })
	if runs < 2 || got != 11 {
		t.Fatalf("runs %d, value %d: want a retry that read 10 and wrote 11", runs, got)
	}
}

func testNoLostUpdate(t *testing.T, s *Store) {
	const writers, each = 8, 25
	k := []byte("c/counter")
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := s.Update(context.Background(), func(tx Tx) error { _, err := AddU64(tx, k, 1); return err })
				// After maxConflictRetries an Update may give up: an
				// error to its caller, never a silently lost increment.
				if err != nil && !errors.Is(err, ErrConflict) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var got uint64
	_ = s.View(func(tx Tx) (err error) { got, err = GetU64(tx, k); return err })
	if got != uint64(acked) || acked == 0 {
		t.Fatalf("counter %d after %d acknowledged increments", got, acked)
	}
}

func testCounters(t *testing.T, s *Store) {
	c := TSSCounters{Sig: 1<<40 + 7, Tx: 300, Active: 2000, Client: 1 << 31}
	mustUpdate(t, s, func(tx Tx) error {
		if got, err := GetTSSCounters(tx, "t1"); err != nil || got != (TSSCounters{}) {
			t.Errorf("absent counters: %+v %v", got, err)
		}
		if err := PutTSSCounters(tx, "t1", c); err != nil {
			return err
		}
		if n, err := AddU64(tx, []byte("tx-count/t1/c/ACTIVE"), 3); err != nil || n != 3 {
			t.Errorf("AddU64 from nothing: %d %v", n, err)
		}
		if n, err := AddU64(tx, []byte("tx-count/t1/c/ACTIVE"), -2); err != nil || n != 1 {
			t.Errorf("AddU64 down: %d %v", n, err)
		}
		if _, err := AddU64(tx, []byte("tx-count/t1/c/ACTIVE"), -2); !errors.Is(err, ErrBadCounter) {
			t.Errorf("below zero: %v", err)
		}
		if err := tx.Set([]byte("tx-count/bad"), []byte{1, 2, 3}); err != nil {
			return err
		}
		if _, err := GetU64(tx, []byte("tx-count/bad")); !errors.Is(err, ErrBadCounter) {
			t.Errorf("3-byte u64: %v", err)
		}
		return nil
	})
	_ = s.View(func(tx Tx) error {
		raw, _ := tx.Get(TSSCounterKey("t1"))
		if len(raw) != 40 || binary.BigEndian.Uint64(raw[8:16]) != 300 || binary.BigEndian.Uint32(raw[16:20]) != 2000 {
			t.Errorf("stored form %x", raw)
		}
		got, err := GetTSSCounters(tx, "t1")
		if err != nil || got != c {
			t.Errorf("round trip %+v %v", got, err)
		}
		if n, _ := GetU64(tx, []byte("tx-count/t1/c/ACTIVE")); n != 1 {
			t.Errorf("refused decrement changed the count to %d", n)
		}
		return nil
	})
	if _, err := DecodeTSSCounters(make([]byte, 16)); !errors.Is(err, ErrBadCounter) {
		t.Fatalf("16-byte tss-ctr: %v", err)
	}
}

// testOutboxCommitOrder has writers read-increment-write one owned key:
// conflicts serialise them, so commit order is the order of the values,
// and the outbox must list the values in that order.
func testOutboxCommitOrder(t *testing.T, s *Store) {
	ctx := context.Background()
	if err := s.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	outboxCommitOrder(t, s, s)
}

// outboxCommitOrder increments one counter from concurrent writers, each
// on a store of its own when several share a database, and checks that
// the outbox carries the values 1, 2, 3 … in sequence order.
func outboxCommitOrder(t *testing.T, s *Store, stores ...*Store) {
	ctx := context.Background()
	k := []byte("tss-ctr/order")
	const writers, each = 6, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			for range each {
				err := s.Update(ctx, func(tx Tx) error { _, err := AddU64(tx, k, 1); return err })
				if err == nil {
					mu.Lock()
					acked++
					mu.Unlock()
				} else if !errors.Is(err, ErrConflict) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	frames, _, err := s.ReadOutbox(0, 10000, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	var values []uint64
	for _, f := range frames {
		e, err := DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range e.Ops {
			if bytes.Equal(op.Key, k) {
				values = append(values, binary.BigEndian.Uint64(op.Value))
			}
		}
	}
	if len(values) != acked {
		t.Fatalf("%d outbox entries for %d acknowledged commits", len(values), acked)
	}
	for i, v := range values {
		if v != uint64(i+1) {
			t.Fatalf("outbox entry %d carries value %d: sequence order is not commit order (%v)", i, v, values)
		}
	}
}

// testEveryWriteReachesOutbox writes through every public way to write
// and finds each key in the outbox: what replaced the regex guard.
func testEveryWriteReachesOutbox(t *testing.T, s *Store) {
	ctx := context.Background()
	if err := s.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, s, func(tx Tx) error { return tx.Set([]byte("org/gone/1"), []byte("x")) })
	mustUpdate(t, s, func(tx Tx) error { return tx.Set([]byte("org/gone/2"), []byte("x")) })
	_, before, err := s.OutboxBacklog()
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		key    string
		delete bool
		fn     func(tx Tx) error
	}{
		{"org/set", false, func(tx Tx) error { return tx.Set([]byte("org/set"), []byte("1")) }},
		{"org/set", true, func(tx Tx) error { return tx.Delete([]byte("org/set")) }},
		{"org/json", false, func(tx Tx) error { return PutJSON(tx, []byte("org/json"), map[string]int{"v": 1}) }},
		{"org/insert", false, func(tx Tx) error { return Insert(tx, []byte("org/insert"), []byte("1")) }},
		{"org/gone/1", true, func(tx Tx) error { return DeletePrefix(tx, []byte("org/gone/")) }},
		{"tss-ctr/t", false, func(tx Tx) error { return PutTSSCounters(tx, "t", TSSCounters{Sig: 1}) }},
		{"tx-count/t/c/ACTIVE", false, func(tx Tx) error { _, err := AddU64(tx, []byte("tx-count/t/c/ACTIVE"), 1); return err }},
		{"tss/t", false, func(tx Tx) error { return PutU64(tx, []byte("tss/t"), 1) }},
	}
	for _, w := range writes {
		mustUpdate(t, s, w.fn)
	}
	frames, _, err := s.ReadOutbox(before, 1000, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != len(writes) {
		t.Fatalf("%d outbox entries for %d commits", len(frames), len(writes))
	}
	for i, f := range frames {
		e, err := DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		w := writes[i]
		if !slices.ContainsFunc(e.Ops, func(op Op) bool { return string(op.Key) == w.key && op.Delete == w.delete }) {
			t.Errorf("write %d (%s, delete %v) missing from its entry %+v", i, w.key, w.delete, e.Ops)
		}
	}
}

func testCrashMidTransaction(t *testing.T, s *Store) {
	ctx := context.Background()
	if err := s.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	n0, last0, _ := s.OutboxBacklog()
	boom := errors.New("boom")
	if err := s.Update(ctx, func(tx Tx) error {
		if err := tx.Set([]byte("org/half"), []byte("x")); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("error not passed on: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic swallowed")
			}
		}()
		_ = s.Update(ctx, func(tx Tx) error {
			if err := tx.Set([]byte("log/t/1"), []byte("x")); err != nil {
				return err
			}
			panic("in the middle")
		})
	}()
	err := s.View(func(tx Tx) error {
		for _, k := range []string{"org/half", "log/t/1"} {
			if _, err := tx.Get([]byte(k)); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s written by a failed transaction: %v", k, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, last, _ := s.OutboxBacklog(); n != n0 || last != last0 {
		t.Fatalf("outbox moved: %d entries (was %d), last %d (was %d)", n, n0, last, last0)
	}
	// The store goes on working.
	mustUpdate(t, s, func(tx Tx) error { return tx.Set([]byte("org/after"), []byte("x")) })
	if n, _, _ := s.OutboxBacklog(); n != n0+1 {
		t.Fatalf("write after the failures: %d entries, want %d", n, n0+1)
	}
}

func testClosed(t *testing.T, s *Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("View: %v", err)
	}
	if err := s.Update(context.Background(), func(Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// Two stores on one PostgreSQL database, as two API nodes of a central
// hold them: the outbox sequence follows commit order across both, a
// change through one moves the generation the other reads, and the
// advisory lock of Exclusive excludes across them.
func TestPostgresTwoStores(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Self() != a.Self() || b.OutboxMode() != OutboxWorkstation {
		t.Fatalf("the second store is another instance: %x/%d, first %x", b.Self(), b.OutboxMode(), a.Self())
	}
	outboxCommitOrder(t, a, a, b)

	g := b.Generation()
	mustUpdate(t, a, func(tx Tx) error { return tx.Set([]byte("apikey/x"), []byte("disabled")) })
	if b.Generation() == g {
		t.Fatal("a change through one store did not move the other's generation")
	}
	g = b.Generation()
	mustUpdate(t, a, func(tx Tx) error { return tx.Set(numKey("log/t/", 1), []byte("signed")) })
	if b.Generation() != g {
		t.Fatal("signing data moved the generation")
	}

	var inside, most int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*Store{a, b}[i%2]
			for range 5 {
				err := s.Exclusive(ctx, "tss/one", func() error {
					mu.Lock()
					inside++
					most = max(most, inside)
					mu.Unlock()
					time.Sleep(2 * time.Millisecond)
					mu.Lock()
					inside--
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d holders of one Exclusive name at once", most)
	}
}

// A PostgreSQL store is backed up with the database's tools: Backup
// says so and writes nothing, not even a header.
func TestPostgresBackupRefused(t *testing.T) {
	s, err := OpenPostgres(context.Background(), pgtest.URL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err == nil || !strings.Contains(err.Error(), "pg_dump") || buf.Len() > 0 {
		t.Fatalf("backup of a PostgreSQL store: %v, %d bytes written", err, buf.Len())
	}
}

// A workstation paired through one API node switches the central's
// outbox on: a change of organization data through another node, opened
// before, is recorded too.
func TestPostgresOutboxModeSwitchedElsewhere(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.SetOutboxMode(ctx, OutboxCentral); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, b, func(tx Tx) error { return tx.Set([]byte("org/through-b"), []byte("{}")) })
	if b.OutboxMode() != OutboxCentral {
		t.Fatalf("the other store reports outbox mode %d", b.OutboxMode())
	}
	frames, _, err := b.ReadOutbox(0, 100, 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		e, err := DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range e.Ops {
			if string(op.Key) == "org/through-b" {
				return
			}
		}
	}
	t.Fatalf("a change through the other store is not in the outbox (%d entries)", len(frames))
}

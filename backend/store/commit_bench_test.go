package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkDurableCommit measures the store's durable commits (SyncWrites)
// of signing-sized writes — per operation three keys of ~500 bytes, as a
// transaction revision, its log and the counters — from concurrent
// writers, with one or several operations per commit. Every acknowledged
// signing call is one commit today, so the ops/s of opsPerCommit=1 are the
// ceiling of signing over HTTP on this disk; the larger batches show what
// group commit per TSS could reach.
//
//	go test -run '^$' -bench DurableCommit -benchtime 3s ./backend/store
func BenchmarkDurableCommit(b *testing.B) {
	for _, c := range []struct{ writers, opsPerCommit int }{{1, 1}, {8, 1}, {32, 1}, {8, 10}, {8, 50}} {
		b.Run(fmt.Sprintf("writers=%d/ops_per_commit=%d", c.writers, c.opsPerCommit), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{GCInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			val := make([]byte, 500)
			var wg sync.WaitGroup
			commits := b.N
			start := time.Now()
			b.ResetTimer()
			for w := range c.writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := make([]byte, 16)
					for i := w; i < commits; i += c.writers {
						err := s.Update(context.Background(), func(txn Tx) error {
							for op := range c.opsPerCommit {
								for k := range 3 {
									binary.BigEndian.PutUint32(key[0:], uint32(w))
									binary.BigEndian.PutUint64(key[4:], uint64(i*c.opsPerCommit+op))
									binary.BigEndian.PutUint32(key[12:], uint32(k))
									if err := txn.Set(append([]byte(nil), key...), val); err != nil {
										return err
									}
								}
							}
							return nil
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			secs := time.Since(start).Seconds()
			b.ReportMetric(float64(commits)/secs, "commits/s")
			b.ReportMetric(float64(commits*c.opsPerCommit)/secs, "ops/s")
		})
	}
}

// BenchmarkOutboxCommit is BenchmarkDurableCommit's 8 writers × 1 op with
// synced keys, with the outbox off (a standalone instance) and recording
// (a workstation): the cost of writing each change twice.
//
//	go test -run '^$' -bench OutboxCommit -benchtime 3s ./backend/store
func BenchmarkOutboxCommit(b *testing.B) {
	for _, mode := range []OutboxMode{OutboxOff, OutboxWorkstation} {
		b.Run(fmt.Sprintf("mode=%d", mode), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{GCInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.SetOutboxMode(context.Background(), mode); err != nil {
				b.Fatal(err)
			}
			val := make([]byte, 500)
			var wg sync.WaitGroup
			start := time.Now()
			b.ResetTimer()
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < b.N; i += 8 {
						err := s.Update(context.Background(), func(txn Tx) error {
							for k := range 3 {
								if err := txn.Set(fmt.Appendf(nil, "log/%d/%d/%d", w, i, k), val); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}

// BenchmarkSeamOverhead measures what store.Tx adds to a signing-sized
// transaction over Badger's own: per operation the reads and writes of one
// signed receipt step (read the TSS record and counters, write counters,
// log, revision and head), in a read-write transaction that is discarded
// instead of committed, so no fsync hides the difference. "badger" calls
// *badger.Txn directly, as the domain code did before the seam;
// "store.Tx" goes through the interface and the outbox recorder (outbox
// off, as on a standalone instance, and on, as on a workstation).
//
//	go test -run '^$' -bench SeamOverhead -benchtime 2s -count 5 ./backend/store
func BenchmarkSeamOverhead(b *testing.B) {
	s, err := Open(b.TempDir(), Options{GCInterval: -1, MinFreeBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db := s.eng.(*badgerEngine).db
	val := make([]byte, 500)
	reads := [][]byte{[]byte("tss/t"), []byte("tss-ctr/t")}
	writes := [][]byte{[]byte("tss-ctr/t"), []byte("log/t/00000001"), []byte("tx-rev/t/x/0001"), []byte("tx/t/x")}
	if err := s.Update(context.Background(), func(tx Tx) error {
		for _, k := range reads {
			if err := tx.Set(k, val); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	direct := func(n int) {
		for range n {
			txn := db.NewTransaction(true)
			for _, k := range reads {
				item, err := txn.Get(k)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := item.ValueCopy(nil); err != nil {
					b.Fatal(err)
				}
			}
			for _, k := range writes {
				if err := txn.Set(k, val); err != nil {
					b.Fatal(err)
				}
			}
			txn.Discard()
		}
	}
	direct(20000) // warm up Badger's caches before the first measurement
	b.Run("badger", func(b *testing.B) { direct(b.N) })
	for _, mode := range []OutboxMode{OutboxOff, OutboxWorkstation} {
		b.Run(fmt.Sprintf("store.Tx/outbox=%d", mode), func(b *testing.B) {
			for range b.N {
				t := &txn{e: s.eng.begin(true), write: true}
				if mode != OutboxOff {
					t.rec = &recorder{mode: mode, ops: map[string]*Op{}}
				}
				var tx Tx = t
				for _, k := range reads {
					if _, err := tx.Get(k); err != nil {
						b.Fatal(err)
					}
				}
				for _, k := range writes {
					if err := tx.Set(k, val); err != nil {
						b.Fatal(err)
					}
				}
				t.e.discard()
			}
		})
	}
}

// BenchmarkEngineRoundTrips compares the engines on what a request pays
// besides its commit: Store.Generation (read from the database on
// PostgreSQL, at every token check), a View with one Get, and an Update
// of one key. Under scripts/pg-test-cluster.sh PostgreSQL runs with
// fsync off: its Update numbers are no durable-commit figures.
//
//	scripts/pg-test-cluster.sh go test -run '^$' -bench EngineRoundTrips ./backend/store
func BenchmarkEngineRoundTrips(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			key := []byte("org/bench")
			if err := s.Update(context.Background(), func(tx Tx) error { return tx.Set(key, []byte("v")) }); err != nil {
				b.Fatal(err)
			}
			b.Run("generation", func(b *testing.B) {
				for b.Loop() {
					s.Generation()
				}
			})
			b.Run("view-get", func(b *testing.B) {
				for b.Loop() {
					if err := s.View(func(tx Tx) error { _, err := tx.Get(key); return err }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("update-1-key", func(b *testing.B) {
				for b.Loop() {
					if err := s.Update(context.Background(), func(tx Tx) error { return tx.Set(key, []byte("w")) }); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkApply is the central's side of sync on each engine: batches of
// pushed entries — a signed operation each, a log, a transaction
// revision and the counters of ~500 bytes — applied with the push's
// cursor in one transaction (Store.Apply), as a central receives them.
// Badger commits with fsync; PostgreSQL as its server is configured (run
// under PG_DURABLE=1 scripts/pg-test-cluster.sh for a fair comparison).
//
//	PG_DURABLE=1 scripts/pg-test-cluster.sh go test -run '^$' -bench Apply -benchtime 20x ./backend/store
func BenchmarkApply(b *testing.B) {
	const batch = 256
	val := make([]byte, 500)
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			ctx := context.Background()
			if err := s.SetOutboxMode(ctx, OutboxCentral); err != nil {
				b.Fatal(err)
			}
			var peer Instance
			peer[0] = 1
			seq := uint64(0)
			start := time.Now()
			for b.Loop() {
				entries := make([]Entry, batch)
				for i := range entries {
					seq++
					entries[i] = Entry{Seq: seq, Origin: peer, Ops: []Op{
						{Key: numKey("log/bench/", seq), Value: val},
						{Key: numKey("tx-rev/bench/", seq), Value: val},
						{Key: []byte("tss-ctr/bench"), Value: val[:40]},
					}}
				}
				if _, err := s.Apply(ctx, ApplyOptions{Peer: peer, Cursor: SyncPeerKey("bench"), Owned: true}, entries); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(seq)/time.Since(start).Seconds(), "entries/s")
		})
	}
}

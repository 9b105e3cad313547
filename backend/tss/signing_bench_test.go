package tss

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// BenchmarkSignedOp measures signing without HTTP: concurrent POS
// clients each starting and finishing receipts through Service.Upsert on
// a Badger store with SyncWrites (every answer durable), spread over a
// number of TSS. It reports signed operations per second, the process's
// CPU time per operation (user+system, this benchmark does nothing else)
// and the mean group size of the TSS committers — what the server spends
// on a signed operation below the HTTP layer (docs/BENCHMARKS.md).
//
//	go test -run '^$' -bench SignedOp -benchtime 4000x ./backend/tss
func BenchmarkSignedOp(b *testing.B) {
	for _, c := range []struct{ tss, clients int }{{1, 1}, {1, 8}, {1, 64}, {4, 8}, {4, 64}} {
		b.Run(fmt.Sprintf("tss=%d/clients=%d", c.tss, c.clients), func(b *testing.B) {
			f := newFixtureOn(b, func(o store.Options) (*store.Store, error) {
				o.GCInterval = -1
				return store.Open(b.TempDir(), o)
			})
			f.svc.SetClock(time.Now)
			var ids []string
			for i := range c.tss {
				id := fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i)
				f.initialized(id)
				f.client(id, fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012d", i), "Kasse 1")
				ids = append(ids, id)
			}
			schema := receipt("11.90")
			g0, r0 := f.svc.GroupStats()
			cpu0 := cpuTime()
			start := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			ops := b.N / 2 // a receipt is two signed operations
			for w := range c.clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k := w % c.tss
					id, client := ids[k], fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012d", k)
					for i := w; i < ops; i += c.clients {
						tx := fmt.Sprintf("cccccccc-%04d-4000-8000-%012d", w, i)
						if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 1, TxRequest{State: TxActive, ClientID: client}); err != nil {
							b.Error(err)
							return
						}
						if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 2, TxRequest{State: TxFinished, ClientID: client, Schema: schema}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			el, cpu := time.Since(start), cpuTime()-cpu0
			g1, r1 := f.svc.GroupStats()
			n := float64(2 * ops)
			b.ReportMetric(n/el.Seconds(), "ops/s")
			b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/op")
			b.ReportMetric(float64(r1-r0)/float64(max(1, g1-g0)), "ops/group")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/store/pgtest"
)

func memStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newRunner(t *testing.T, st *store.Store, o Options, kinds ...Kind) *Runner {
	t.Helper()
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	r, err := New(st, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if err := r.Register(k); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func start(t *testing.T, r *Runner) {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
}

// waitState polls the job until it is in state. The deadline only
// guards against a hang (a busy two-core machine under -race needs far
// longer than the work takes when idle); it times nothing.
func waitState(t *testing.T, r *Runner, kind, ref, state string) Job {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		j, err := r.Get(kind, ref)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if err == nil && j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s/%s: state %q, want %s", kind, ref, j.State, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t *testing.T, st *store.Store, prefix []byte) int {
	t.Helper()
	n := 0
	if err := st.View(func(tx store.Tx) error {
		return store.ScanKeys(tx, prefix, func([]byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// The two queues this runner replaced dropped a job when their channel
// was full (4,096 slots); here 5,000 jobs are queued while the only worker is stuck on
// the first, and every one runs exactly once, in order, without a restart.
func TestFullQueueDropsNothing(t *testing.T) {
	st := memStore(t)
	const n = 5_000 // more than the 4,096 the old channels held
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	seen := map[string]int{}
	r := newRunner(t, st, Options{}, Kind{Name: "k", Workers: 1, Run: func(ctx context.Context, run *Run) error {
		if run.Job.Ref == "job-00000" {
			<-release
		}
		mu.Lock()
		order = append(order, run.Job.Ref)
		seen[run.Job.Ref]++
		mu.Unlock()
		return nil
	}})
	start(t, r)
	ctx := context.Background()
	for i := range n {
		if ok, err := r.Enqueue(ctx, "k", fmt.Sprintf("job-%05d", i), nil); err != nil || !ok {
			t.Fatalf("enqueue %d: %v %v", i, ok, err)
		}
	}
	waitState(t, r, "k", "job-00000", Running)
	if got := count(t, st, store.JobReadyPrefix("k")); got != n-1 {
		t.Fatalf("%d jobs waiting, want %d", got, n-1)
	}
	close(release)
	waitState(t, r, "k", fmt.Sprintf("job-%05d", n-1), Done)
	mu.Lock()
	defer mu.Unlock()
	if len(order) != n || len(seen) != n {
		t.Fatalf("ran %d jobs (%d distinct), want %d", len(order), len(seen), n)
	}
	for i, ref := range order {
		if want := fmt.Sprintf("job-%05d", i); ref != want {
			t.Fatalf("job %d ran as %s, want %s (queue order)", i, ref, want)
		}
	}
	if c := count(t, st, store.JobRunPrefix()); c != 0 {
		t.Fatalf("%d jobs still marked running", c)
	}
}

// A kind with 3 workers never runs more than 3 jobs at once, and runs 3
// when there is work for 3.
func TestWorkersAreBounded(t *testing.T) {
	st := memStore(t)
	var cur, peak atomic.Int32
	gate := make(chan struct{})
	r := newRunner(t, st, Options{}, Kind{Name: "k", Workers: 3, Run: func(ctx context.Context, run *Run) error {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		<-gate
		cur.Add(-1)
		return nil
	}})
	start(t, r)
	for i := range 12 {
		if _, err := r.Enqueue(context.Background(), "k", fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for cur.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a fourth would start now if it could
	if c := cur.Load(); c != 3 {
		t.Fatalf("%d jobs running, want 3", c)
	}
	close(gate)
	for i := range 12 {
		waitState(t, r, "k", fmt.Sprint(i), Done)
	}
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak %d concurrent jobs, want 3", p)
	}
}

func TestEnqueueTwiceWhilePendingIsOneJob(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	r := newRunner(t, st, Options{})
	ok1, err1 := r.Enqueue(ctx, "k", "a", map[string]int{"n": 1})
	ok2, err2 := r.Enqueue(ctx, "k", "a", map[string]int{"n": 2})
	if err1 != nil || err2 != nil || !ok1 || ok2 {
		t.Fatalf("enqueue: %v %v, %v %v; want true, false", ok1, err1, ok2, err2)
	}
	j, err := r.Get("k", "a")
	if err != nil || string(j.Payload) != `{"n":1}` || j.State != Queued {
		t.Fatalf("job %+v, %v", j, err)
	}
	if c := count(t, st, store.JobReadyPrefix("k")); c != 1 {
		t.Fatalf("%d queue entries, want 1", c)
	}
	for _, bad := range [][2]string{{"", "x"}, {"a/b", "x"}, {"k", ""}} {
		if _, err := r.Enqueue(ctx, bad[0], bad[1], nil); err == nil {
			t.Errorf("enqueue %q/%q accepted", bad[0], bad[1])
		}
	}
}

// Cancelling a queued job ends it without running it; cancelling a
// running one stops its handler with ErrCancelled.
func TestCancel(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	ran := map[string]bool{}
	var mu sync.Mutex
	stopped := make(chan error, 1)
	r := newRunner(t, st, Options{Poll: time.Hour}, Kind{Name: "k", Run: func(ctx context.Context, run *Run) error {
		mu.Lock()
		ran[run.Job.Ref] = true
		mu.Unlock()
		if run.Job.Ref == "long" {
			<-ctx.Done()
			stopped <- context.Cause(ctx)
			return ctx.Err()
		}
		return nil
	}})
	if _, err := r.Enqueue(ctx, "k", "long", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Enqueue(ctx, "k", "queued", nil); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	waitState(t, r, "k", "long", Running)
	if err := r.Cancel(ctx, "k", "queued"); err != nil {
		t.Fatal(err)
	}
	if j := waitState(t, r, "k", "queued", Cancelled); j.Attempts != 0 || j.TimeEnded == 0 {
		t.Fatalf("cancelled queued job: %+v", j)
	}
	// Poll is an hour: only Notify (inside Cancel) can make this prompt.
	if err := r.Cancel(ctx, "k", "long"); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-stopped:
		if !errors.Is(cause, ErrCancelled) {
			t.Fatalf("cause %v, want ErrCancelled", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("running job not stopped")
	}
	waitState(t, r, "k", "long", Cancelled)
	mu.Lock()
	defer mu.Unlock()
	if ran["queued"] {
		t.Fatal("a job cancelled while queued ran")
	}
	// Cancelling a finished or unknown job changes nothing.
	if err := r.Cancel(ctx, "k", "nope"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("k", "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}

func TestProgressIsStored(t *testing.T) {
	st := memStore(t)
	step := make(chan struct{})
	r := newRunner(t, st, Options{}, Kind{Name: "k", Run: func(ctx context.Context, run *Run) error {
		run.Progress(40, 100)
		<-step
		run.Progress(100, 100)
		return nil
	}})
	start(t, r)
	if _, err := r.Enqueue(context.Background(), "k", "p", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := r.Get("k", "p")
		if err != nil {
			t.Fatal(err)
		}
		if j.Progress == 40 && j.Total == 100 && j.State == Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("progress not stored while running: %+v", j)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(step)
	if j := waitState(t, r, "k", "p", Done); j.Progress != 100 || j.Total != 100 || j.Owner != "" {
		t.Fatalf("finished job %+v", j)
	}
}

// A failing or panicking handler ends its job FAILED with the reason and
// the runner goes on with the next.
func TestFailureAndPanic(t *testing.T) {
	st := memStore(t)
	r := newRunner(t, st, Options{}, Kind{Name: "k", Run: func(ctx context.Context, run *Run) error {
		switch run.Job.Ref {
		case "err":
			return errors.New("disk on fire")
		case "panic":
			panic("boom")
		}
		return nil
	}})
	start(t, r)
	for _, ref := range []string{"err", "panic", "ok"} {
		if _, err := r.Enqueue(context.Background(), "k", ref, nil); err != nil {
			t.Fatal(err)
		}
	}
	if j := waitState(t, r, "k", "err", Failed); j.Error != "disk on fire" {
		t.Fatalf("error %q", j.Error)
	}
	if j := waitState(t, r, "k", "panic", Failed); len(j.Error) < 12 || j.Error[:12] != "panic: boom\n" {
		t.Fatalf("error %q", j.Error)
	}
	waitState(t, r, "k", "ok", Done)
}

// Stop hands a running job back; the next runner resumes it (attempt 2).
func TestStopHandsBackAndNextStartResumes(t *testing.T) {
	st := memStore(t)
	started := make(chan int, 2)
	h := func(ctx context.Context, run *Run) error {
		started <- run.Job.Attempts
		if run.Job.Attempts == 1 {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	r1 := newRunner(t, st, Options{Node: "n1"}, Kind{Name: "k", Run: h})
	if err := r1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.Enqueue(context.Background(), "k", "a", nil); err != nil {
		t.Fatal(err)
	}
	if a := <-started; a != 1 {
		t.Fatalf("attempt %d", a)
	}
	r1.Stop()
	if j, _ := r1.Get("k", "a"); j.State != Queued || j.Owner != "" {
		t.Fatalf("after Stop: %+v", j)
	}
	r2 := newRunner(t, st, Options{Node: "n1"}, Kind{Name: "k", Run: h})
	start(t, r2)
	if a := <-started; a != 2 {
		t.Fatalf("attempt %d", a)
	}
	waitState(t, r2, "k", "a", Done)
}

// A job left RUNNING by a process that died (nothing was written after
// the claim) is taken up at once by the next start of the same node, and
// by another node only when its lease has run out.
func TestCrashedOwnerIsTakenOver(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	clock := time.Now()
	var cmu sync.Mutex
	now := func() time.Time { cmu.Lock(); defer cmu.Unlock(); return clock }
	ran := make(chan string, 4)
	k := Kind{Name: "k", Run: func(ctx context.Context, run *Run) error {
		ran <- run.Job.Ref + "@" + fmt.Sprint(run.Job.Attempts)
		return nil
	}}

	dead := newRunner(t, st, Options{Node: "n1", Lease: time.Minute, now: now}, k)
	for _, ref := range []string{"a", "b"} {
		if _, err := dead.Enqueue(ctx, "k", ref, nil); err != nil {
			t.Fatal(err)
		}
		if j, err := dead.claim(ctx, dead.kinds["k"]); err != nil || j == nil || j.Ref != ref {
			t.Fatalf("claim: %v %v", j, err)
		}
	}
	// Another node sees live leases and leaves both alone.
	other := newRunner(t, st, Options{Node: "n2", Lease: time.Minute, now: now}, k)
	start(t, other)
	select {
	case got := <-ran:
		t.Fatalf("node n2 ran %s under a live lease", got)
	case <-time.After(100 * time.Millisecond):
	}
	// The same node restarting takes them up at once.
	again := newRunner(t, st, Options{Node: "n1", Lease: time.Minute, now: now}, k)
	start(t, again)
	got := map[string]bool{<-ran: true, <-ran: true}
	if !got["a@2"] || !got["b@2"] {
		t.Fatalf("resumed %v, want a@2 and b@2", got)
	}
	waitState(t, again, "k", "a", Done)
	waitState(t, again, "k", "b", Done)

	// A third node's crash: n2 takes over only after the lease.
	if _, err := dead.Enqueue(ctx, "x", "c", nil); err != nil {
		t.Fatal(err)
	}
	crashed := newRunner(t, st, Options{Node: "n3", Lease: time.Minute, now: now}, Kind{Name: "x", Run: k.Run})
	if j, err := crashed.claim(ctx, crashed.kinds["x"]); err != nil || j == nil {
		t.Fatalf("claim: %v %v", j, err)
	}
	if n, err := other.reclaim(ctx, true); err != nil || n != 0 {
		t.Fatalf("reclaim under a live lease: %d %v", n, err)
	}
	cmu.Lock()
	clock = clock.Add(61 * time.Second)
	cmu.Unlock()
	if n, err := other.reclaim(ctx, false); err != nil || n != 1 {
		t.Fatalf("reclaim after the lease: %d %v", n, err)
	}
	if j, _ := other.Get("x", "c"); j.State != Queued || j.Attempts != 1 {
		t.Fatalf("after reclaim: %+v", j)
	}
}

// A runner whose lease ran out and whose job another runner took over
// stops its handler with ErrLost and does not overwrite the new owner's
// record.
func TestLostLeaseStopsTheOldOwner(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	stopped := make(chan error, 1)
	slow := newRunner(t, st, Options{Node: "n1", Lease: time.Hour}, Kind{Name: "k", Run: func(ctx context.Context, run *Run) error {
		<-ctx.Done()
		stopped <- context.Cause(ctx)
		return nil
	}})
	start(t, slow)
	if _, err := slow.Enqueue(ctx, "k", "a", nil); err != nil {
		t.Fatal(err)
	}
	waitState(t, slow, "k", "a", Running)
	// Another node takes the job over as if the lease had run out.
	if err := st.Update(ctx, func(tx store.Tx) error {
		j, err := Get(tx, "k", "a")
		if err != nil {
			return err
		}
		j.Owner = "n2/feed"
		return store.PutJSON(tx, store.JobKey("k", "a"), j)
	}); err != nil {
		t.Fatal(err)
	}
	slow.Notify()
	select {
	case cause := <-stopped:
		if !errors.Is(cause, ErrLost) {
			t.Fatalf("cause %v, want ErrLost", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("old owner not stopped")
	}
	time.Sleep(50 * time.Millisecond)
	if j, _ := slow.Get("k", "a"); j.State != Running || j.Owner != "n2/feed" {
		t.Fatalf("the old owner overwrote the new one's record: %+v", j)
	}
}

// Two runners on one store (two API nodes on one database): every job
// runs exactly once, and a serial kind never runs two at a time.
// Two runners on one queue: on one in-memory store, and each on a store
// of its own over one PostgreSQL database, as two API nodes of a central
// run them (docs/scale.md).
func TestTwoRunnersShareOneQueue(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		st := memStore(t)
		testTwoRunners(t, st, st)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		open := func() *store.Store {
			st, err := store.OpenPostgres(context.Background(), url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
		testTwoRunners(t, open(), open())
	})
}

func testTwoRunners(t *testing.T, st, st2 *store.Store) {
	var mu sync.Mutex
	runs := map[string]int{}
	var cur, peak atomic.Int32
	k := Kind{Name: "s", Workers: 2, Serial: true, Run: func(ctx context.Context, run *Run) error {
		c := cur.Add(1)
		if c > peak.Load() {
			peak.Store(c)
		}
		time.Sleep(time.Millisecond)
		cur.Add(-1)
		mu.Lock()
		runs[run.Job.Ref]++
		mu.Unlock()
		return nil
	}}
	a := newRunner(t, st, Options{Node: "a"}, k)
	b := newRunner(t, st2, Options{Node: "b"}, k)
	start(t, a)
	start(t, b)
	const n = 200
	for i := range n {
		r := a
		if i%2 == 1 {
			r = b
		}
		if _, err := r.Enqueue(context.Background(), "s", fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		waitState(t, a, "s", fmt.Sprint(i), Done)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if runs[fmt.Sprint(i)] != 1 {
			t.Fatalf("job %d ran %d times", i, runs[fmt.Sprint(i)])
		}
	}
	if p := peak.Load(); p != 1 {
		t.Fatalf("serial kind ran %d jobs at once", p)
	}
	if c := count(t, st, store.JobLockKey("s")); c != 0 {
		t.Fatal("serial lock left behind")
	}
}

func TestFinishedJobsArePruned(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	clock := time.Now()
	var cmu sync.Mutex
	now := func() time.Time { cmu.Lock(); defer cmu.Unlock(); return clock }
	r := newRunner(t, st, Options{Retention: time.Hour, now: now},
		Kind{Name: "k", Run: func(context.Context, *Run) error { return nil }})
	start(t, r)
	if _, err := r.Enqueue(ctx, "k", "old", nil); err != nil {
		t.Fatal(err)
	}
	waitState(t, r, "k", "old", Done)
	if err := r.prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("k", "old"); err != nil {
		t.Fatalf("pruned within retention: %v", err)
	}
	cmu.Lock()
	clock = clock.Add(2 * time.Hour)
	cmu.Unlock()
	if err := r.prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("k", "old"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not pruned after retention: %v", err)
	}
	if c := count(t, st, store.JobEndPrefix()); c != 0 {
		t.Fatalf("%d end entries left", c)
	}
}

func TestRegisterRules(t *testing.T) {
	r := newRunner(t, memStore(t), Options{})
	h := func(context.Context, *Run) error { return nil }
	if err := r.Register(Kind{Name: "a/b", Run: h}); err == nil {
		t.Error("kind with '/' accepted")
	}
	if err := r.Register(Kind{Name: "a"}); err == nil {
		t.Error("kind without handler accepted")
	}
	if err := r.Register(Kind{Name: "a", Run: h}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(Kind{Name: "a", Run: h}); err == nil {
		t.Error("kind registered twice")
	}
	start(t, r)
	if err := r.Register(Kind{Name: "b", Run: h}); err == nil {
		t.Error("register after Start accepted")
	}
	if _, err := New(memStore(t), Options{Node: "x/y"}); err == nil {
		t.Error("node with '/' accepted")
	}
}

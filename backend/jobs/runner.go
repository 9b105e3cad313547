package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Handler does the work of one job. It stops early when ctx ends: the
// cause (context.Cause) is ErrCancelled when the job was cancelled,
// ErrLost when another runner took it over, else the runner is shutting
// down and the job will run again. A job may run more than once (after a
// crash or a shutdown), so a handler must be able to start over.
type Handler func(ctx context.Context, run *Run) error

// Kind is one sort of job and how it runs.
type Kind struct {
	Name string
	// Workers is how many jobs of this kind one runner works on at once
	// (at least 1). They are claimed in the order they were queued.
	Workers int
	// Serial: at most one job of this kind runs at a time across every
	// runner on the store (closing validations, whose Z_NR check relies
	// on the order they were inserted in).
	Serial bool
	Run    Handler
}

// Options configure a Runner. The zero value is usable.
type Options struct {
	// Node names this runner's machine, unique among the runners that
	// share one store (default: the store's instance id). When a runner
	// starts, the jobs a runner of the same node left RUNNING are taken up
	// at once: that process is gone (one process holds a Badger data dir).
	Node string
	// Lease is how long a claimed job stays this runner's without being
	// renewed (default 30 s); renewed every Lease/3 while it runs.
	Lease time.Duration
	// Poll is how often idle workers look at the store for jobs queued by
	// another process, and running jobs for a cancel (default 1 s).
	// Jobs queued here start at once through Notify.
	Poll time.Duration
	// Retention is how long finished job records are kept (default 24 h).
	Retention time.Duration
	Log       zerolog.Logger
	// now replaces the clock in tests.
	now func() time.Time
}

// Runner runs the jobs of the kinds registered with it.
type Runner struct {
	st    *store.Store
	o     Options
	owner string // "<node>/<boot>"
	kinds map[string]*Kind
	bell  bell

	mu      sync.Mutex
	claimMu map[string]*sync.Mutex
	started bool
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a runner on st; Register kinds, then Start it.
func New(st *store.Store, o Options) (*Runner, error) {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.Node == "" {
		id, err := st.InstanceID()
		if err != nil {
			return nil, fmt.Errorf("jobs: instance id: %w", err)
		}
		o.Node = hex.EncodeToString(id)
	}
	if strings.ContainsRune(o.Node, '/') {
		return nil, fmt.Errorf("jobs: node name %q has a '/'", o.Node)
	}
	boot := make([]byte, 8)
	if _, err := rand.Read(boot); err != nil {
		return nil, err
	}
	return &Runner{st: st, o: o, owner: o.Node + "/" + hex.EncodeToString(boot), kinds: map[string]*Kind{},
		claimMu: map[string]*sync.Mutex{}}, nil
}

// Register adds a kind; only before Start.
func (r *Runner) Register(k Kind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.started:
		return fmt.Errorf("jobs: register %s after Start", k.Name)
	case validName(k.Name, "-") != nil || k.Run == nil:
		return fmt.Errorf("jobs: invalid kind %q", k.Name)
	case r.kinds[k.Name] != nil:
		return fmt.Errorf("jobs: kind %s registered twice", k.Name)
	}
	k.Workers = max(k.Workers, 1)
	r.kinds[k.Name] = &k
	r.claimMu[k.Name] = &sync.Mutex{}
	return nil
}

// Start takes up the jobs an earlier run of this node left RUNNING and
// starts the workers and the lease keeper; they stop with ctx or Stop.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("jobs: runner started twice")
	}
	r.started = true
	ctx, r.stop = context.WithCancel(ctx)
	r.mu.Unlock()
	if _, err := r.reclaim(ctx, true); err != nil {
		r.stop()
		return err
	}
	for _, k := range r.kinds {
		for range k.Workers {
			r.wg.Add(1)
			go r.worker(ctx, k)
		}
	}
	r.wg.Add(1)
	go r.keeper(ctx)
	return nil
}

// Stop stops the workers and waits for them. Jobs still running are
// handed back to the queue (their handlers see ctx end), so the next
// start resumes them.
func (r *Runner) Stop() {
	r.mu.Lock()
	stop := r.stop
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
	r.wg.Wait()
}

// Notify wakes idle workers (a job was queued) and running jobs' watchers
// (one may have been cancelled). Cheap; call it after every commit that
// queued or cancelled a job.
func (r *Runner) Notify() { r.bell.ring() }

// Enqueue queues a job in a transaction of its own and starts it.
func (r *Runner) Enqueue(ctx context.Context, kind, ref string, payload any) (bool, error) {
	var ok bool
	err := r.st.Update(ctx, func(tx store.Tx) (err error) {
		ok, err = Enqueue(tx, kind, ref, payload)
		return err
	})
	if ok {
		r.Notify()
	}
	return ok, err
}

// Cancel cancels a job in a transaction of its own (see Cancel).
func (r *Runner) Cancel(ctx context.Context, kind, ref string) error {
	err := r.st.Update(ctx, func(tx store.Tx) error { return Cancel(tx, kind, ref) })
	r.Notify()
	return err
}

// Get returns a job's record.
func (r *Runner) Get(kind, ref string) (j Job, err error) {
	err = r.st.View(func(tx store.Tx) error {
		j, err = Get(tx, kind, ref)
		return err
	})
	return j, err
}

func (r *Runner) worker(ctx context.Context, k *Kind) {
	defer r.wg.Done()
	for ctx.Err() == nil {
		wake := r.bell.wait() // before the claim, so a ring during it is not missed
		j, err := r.claim(ctx, k)
		switch {
		case err != nil && ctx.Err() == nil:
			r.o.Log.Error().Err(err).Str("kind", k.Name).Msg("claiming a job failed")
		case j != nil:
			r.execute(ctx, k, j)
			continue
		}
		t := time.NewTimer(r.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// claim takes the oldest QUEUED job of k in one store transaction: the job
// record gets this runner as owner and a lease, its queue entry moves to
// job-run/. Two runners claiming the same job conflict on the record, and
// the store retries the loser, who then finds the next one.
func (r *Runner) claim(ctx context.Context, k *Kind) (*Job, error) {
	mu := r.claimMu[k.Name]
	mu.Lock() // workers of one runner take turns instead of conflicting
	defer mu.Unlock()
	var got *Job
	err := r.st.Update(ctx, func(tx store.Tx) error {
		got = nil
		if k.Serial {
			// One lock key per serial kind: two runners claiming at once
			// both read and write it, so the store lets only one commit.
			if ok, err := store.Exists(tx, store.JobLockKey(k.Name)); err != nil || ok {
				return err
			}
		}
		var stale [][]byte
		var j Job
		found := false
		it := tx.Iterate(store.IterOptions{Prefix: store.JobReadyPrefix(k.Name), KeysOnly: true})
		for ; it.Valid() && !found; it.Next() {
			key := append([]byte(nil), it.Key()...)
			_, _, ref, ok := store.ParseJobReadyKey(key)
			if !ok {
				it.Close()
				return fmt.Errorf("jobs: queue key %q", key)
			}
			rec, err := Get(tx, k.Name, ref)
			if errors.Is(err, ErrNotFound) || (err == nil && rec.State != Queued) {
				stale = append(stale, key) // written by hand or half-migrated: nothing to run
				continue
			}
			if err != nil {
				it.Close()
				return err
			}
			j, found = rec, true
			stale = append(stale, key)
		}
		it.Close()
		for _, key := range stale {
			if err := tx.Delete(key); err != nil {
				return err
			}
		}
		if !found {
			return nil
		}
		now := r.o.now()
		j.State, j.Owner, j.LeaseUntil, j.CancelRequested = Running, r.owner, now.Add(r.o.Lease).UnixMilli(), false
		j.Attempts++
		j.TimeStarted = now.UnixMilli()
		if err := tx.Set(store.JobRunKey(k.Name, j.Ref), nil); err != nil {
			return err
		}
		if k.Serial {
			if err := tx.Set(store.JobLockKey(k.Name), []byte(j.Ref)); err != nil {
				return err
			}
		}
		got = &j
		return store.PutJSON(tx, store.JobKey(k.Name, j.Ref), j)
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// Run is a running job as its handler sees it.
type Run struct {
	Job      Job
	progress atomic.Int64
	total    atomic.Int64
}

// Progress reports how far the job is (total 0: unknown). The runner
// stores it with the next lease renewal, at most every Poll.
func (x *Run) Progress(done, total int64) {
	x.progress.Store(done)
	x.total.Store(total)
}

func (r *Runner) execute(ctx context.Context, k *Kind, j *Job) {
	jctx, cancel := context.WithCancelCause(ctx)
	run := &Run{Job: *j}
	run.progress.Store(j.Progress)
	run.total.Store(j.Total)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		r.watch(jctx, cancel, run)
	}()
	log := r.o.Log.With().Str("kind", j.Kind).Str("ref", j.Ref).Int("attempt", j.Attempts).Logger()
	if j.Attempts > 1 {
		log.Info().Msg("resuming job")
	}
	err := call(jctx, k.Run, run)
	cause := context.Cause(jctx)
	cancel(nil)
	<-watched

	var state, msg string
	switch {
	case errors.Is(cause, ErrLost):
		log.Warn().Msg("job taken over by another runner after its lease ran out")
		return
	case errors.Is(cause, ErrCancelled):
		state = Cancelled
	case err == nil:
		state = Done
	case ctx.Err() != nil:
		state = "" // shutting down: hand the job back
	default:
		state, msg = Failed, err.Error()
		log.Error().Err(err).Msg("job failed")
	}
	// The end is written even while shutting down (the handler's work is
	// done or stopped); only another owner's record is left alone.
	wctx := context.WithoutCancel(ctx)
	err = r.st.Update(wctx, func(tx store.Tx) error {
		cur, err := Get(tx, j.Kind, j.Ref)
		if err != nil || cur.Owner != r.owner || cur.State != Running {
			return err // cancelled while queued again, or taken over: not ours
		}
		cur.Progress, cur.Total = run.progress.Load(), run.total.Load()
		if state == "" {
			return release(tx, &cur, r.o.now())
		}
		return finish(tx, &cur, state, msg, r.o.now())
	})
	if err != nil {
		log.Error().Err(err).Str("state", state).Msg("recording the end of a job failed; it runs again after its lease")
	}
}

// call runs h, turning a panic into an error so one bad job does not take
// the process down.
func call(ctx context.Context, h Handler, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, run)
}

// watch renews a running job's lease, stores its progress and stops it
// when it is cancelled or taken over, until ctx ends.
func (r *Runner) watch(ctx context.Context, cancel context.CancelCauseFunc, run *Run) {
	j := &run.Job
	renewed := r.o.now()
	stored := [2]int64{j.Progress, j.Total}
	wake := r.bell.wait()
	for {
		t := time.NewTimer(r.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
		// The next round's bell before this round's read, as the worker
		// does before its claim: Cancel rings after its commit, and a ring
		// between a read that missed the commit and a later wait was lost
		// until the next poll (TestCancel, once under -race: 5 s).
		wake = r.bell.wait()
		now := r.o.now()
		prog := [2]int64{run.progress.Load(), run.total.Load()}
		write := prog != stored || now.Sub(renewed) >= r.o.Lease/3
		var cur Job
		check := func(tx store.Tx) (err error) {
			cur, err = Get(tx, j.Kind, j.Ref)
			if err != nil || cur.Owner != r.owner || cur.CancelRequested || !write {
				return err
			}
			cur.LeaseUntil, cur.Progress, cur.Total = now.Add(r.o.Lease).UnixMilli(), prog[0], prog[1]
			return store.PutJSON(tx, store.JobKey(j.Kind, j.Ref), cur)
		}
		var err error
		if write {
			err = r.st.Update(ctx, check)
		} else {
			err = r.st.View(check)
		}
		switch {
		case err != nil:
			if ctx.Err() == nil {
				r.o.Log.Error().Err(err).Str("kind", j.Kind).Str("ref", j.Ref).Msg("renewing a job's lease failed")
			}
		case cur.Owner != r.owner:
			cancel(ErrLost)
			return
		case cur.CancelRequested:
			cancel(ErrCancelled)
			return
		case write:
			renewed, stored = now, prog
		}
	}
}

// keeper hands back jobs whose lease ran out (their runner died) and
// prunes finished records, every Lease/2.
func (r *Runner) keeper(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(r.o.Lease / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := r.reclaim(ctx, false)
		if err == nil {
			err = r.prune(ctx)
		}
		if err != nil && ctx.Err() == nil {
			r.o.Log.Error().Err(err).Msg("job keeper")
		}
		if n > 0 {
			r.Notify()
		}
	}
}

// reclaim hands back RUNNING jobs whose lease ran out and, at start
// (ownNode), those a former process of this node left; it returns how
// many. Candidates are found in a snapshot and each is handed back in a
// transaction of its own that checks again, so a job renewing its lease
// meanwhile keeps it.
func (r *Runner) reclaim(ctx context.Context, ownNode bool) (int, error) {
	now := r.o.now()
	stale := func(j *Job) bool {
		node, _, _ := strings.Cut(j.Owner, "/")
		mine := ownNode && node == r.o.Node && j.Owner != r.owner
		return j.State == Running && (mine || j.LeaseUntil <= now.UnixMilli())
	}
	type cand struct{ kind, ref string }
	var cands []cand
	err := r.st.View(func(tx store.Tx) error {
		return store.ScanKeys(tx, store.JobRunPrefix(), func(k []byte) error {
			kind, ref, ok := store.ParseJobRunKey(k)
			if !ok {
				return fmt.Errorf("jobs: run key %q", k)
			}
			j, err := Get(tx, kind, ref)
			if err == nil && !stale(&j) {
				return nil
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			cands = append(cands, cand{kind, ref})
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cands {
		err := r.st.Update(ctx, func(tx store.Tx) error {
			j, err := Get(tx, c.kind, c.ref)
			if errors.Is(err, ErrNotFound) {
				return tx.Delete(store.JobRunKey(c.kind, c.ref)) // a run entry without a job
			}
			if err != nil || !stale(&j) {
				return err
			}
			r.o.Log.Warn().Str("kind", c.kind).Str("ref", c.ref).Str("owner", j.Owner).Msg("taking up a job its runner left")
			n++
			return release(tx, &j, now)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// prune deletes finished job records older than the retention.
func (r *Runner) prune(ctx context.Context) error {
	cut := uint64(r.o.now().Add(-r.o.Retention).UnixMilli())
	return r.st.Update(ctx, func(tx store.Tx) error {
		var keys [][]byte
		it := tx.Iterate(store.IterOptions{Prefix: store.JobEndPrefix(), KeysOnly: true})
		for ; it.Valid() && len(keys) < 1000; it.Next() {
			ms, _, _, ok := store.ParseJobEndKey(it.Key())
			if !ok || ms > cut {
				break
			}
			keys = append(keys, append([]byte(nil), it.Key()...))
		}
		it.Close()
		for _, k := range keys {
			ms, kind, ref, _ := store.ParseJobEndKey(k)
			j, err := Get(tx, kind, ref)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			// The same kind and ref may have been queued again since.
			if err == nil && j.Finished() && uint64(j.TimeEnded) == ms {
				if err := tx.Delete(store.JobKey(kind, ref)); err != nil {
					return err
				}
			}
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// bell wakes every waiter at once: ring closes the channel that wait
// handed out and the next wait makes a new one.
type bell struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *bell) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *bell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

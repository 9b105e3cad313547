// Package jobs is fiskaldesk's one runner of background work: TSE TAR
// exports, DSFinV-K exports and closing validations, and whatever comes
// later. The queue lives in the store, not in a channel: a job is a
// record written in the transaction that asks for it, so it is never
// dropped and survives a restart. Workers claim jobs in a store
// transaction that writes an owner and a lease; a crashed process's jobs
// are taken up again when it restarts (or, on a shared database, by
// another node once the lease runs out). See docs/jobs.md.
package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Job states.
const (
	Queued    = "QUEUED"
	Running   = "RUNNING"
	Done      = "DONE"
	Failed    = "FAILED"
	Cancelled = "CANCELLED"
)

// Job is the stored record of one job (store key job/<kind>/<ref>).
type Job struct {
	V    int    `json:"v"`
	Kind string `json:"kind"`
	// Ref is the domain's id of the work, unique within Kind (a TSS export
	// is "<tss>/<export>").
	Ref     string          `json:"ref"`
	Payload json.RawMessage `json:"payload,omitempty"`
	State   string          `json:"state"`
	// Seq orders the queue of a kind: unix nanos, strictly rising per process.
	Seq uint64 `json:"seq"`
	// Owner is "<node>/<boot>" of the runner holding the job while
	// RUNNING; LeaseUntil (unix ms) is when others may take it over.
	Owner      string `json:"owner,omitempty"`
	LeaseUntil int64  `json:"lease_until,omitempty"`
	// Attempts counts claims: more than one means the job was resumed.
	Attempts int `json:"attempts"`
	// CancelRequested asks the owner to stop a RUNNING job.
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Progress in the handler's units (records, closings, …); Total 0 is unknown.
	Progress int64  `json:"progress,omitempty"`
	Total    int64  `json:"total,omitempty"`
	Error    string `json:"error,omitempty"`
	// Times in unix ms.
	TimeQueued  int64 `json:"time_queued"`
	TimeStarted int64 `json:"time_started,omitempty"`
	TimeEnded   int64 `json:"time_ended,omitempty"`
}

// Finished reports whether the job reached an end state.
func (j *Job) Finished() bool {
	return j.State == Done || j.State == Failed || j.State == Cancelled
}

// ErrNotFound: no job of that kind and ref.
var ErrNotFound = errors.New("job not found")

// ErrCancelled is the cause of a running job's context when the job was
// cancelled (context.Cause).
var ErrCancelled = errors.New("job cancelled")

// ErrLost is the cause of a running job's context when another runner
// took the job over because this one's lease ran out.
var ErrLost = errors.New("job lease lost to another runner")

func validName(kind, ref string) error {
	if kind == "" || strings.ContainsRune(kind, '/') {
		return fmt.Errorf("jobs: invalid kind %q", kind)
	}
	if ref == "" {
		return fmt.Errorf("jobs: empty ref for kind %s", kind)
	}
	return nil
}

// lastSeq keeps Seq strictly rising within the process, whatever the clock.
var lastSeq atomic.Uint64

func nextSeq(now time.Time) uint64 {
	for {
		last := lastSeq.Load()
		n := max(uint64(now.UnixNano()), last+1)
		if lastSeq.CompareAndSwap(last, n) {
			return n
		}
	}
}

// Enqueue queues a job inside tx, so the job exists exactly when the
// domain change that needs it commits. payload (may be nil) is stored as
// JSON. It returns false, writing nothing, when a job of that kind and ref
// is already QUEUED or RUNNING; a finished one is replaced. Call
// Runner.Notify after the commit to start it at once (otherwise it starts
// within the runner's poll interval).
func Enqueue(tx store.Tx, kind, ref string, payload any) (bool, error) {
	if err := validName(kind, ref); err != nil {
		return false, err
	}
	old, err := store.GetJSON[Job](tx, store.JobKey(kind, ref))
	switch {
	case err == nil && !old.Finished():
		return false, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	var raw json.RawMessage
	if payload != nil {
		if raw, err = json.Marshal(payload); err != nil {
			return false, fmt.Errorf("jobs: payload of %s/%s: %w", kind, ref, err)
		}
	}
	now := time.Now()
	j := Job{V: 1, Kind: kind, Ref: ref, Payload: raw, State: Queued, Seq: nextSeq(now), TimeQueued: now.UnixMilli()}
	if err := store.PutJSON(tx, store.JobKey(kind, ref), j); err != nil {
		return false, err
	}
	return true, tx.Set(store.JobReadyKey(kind, j.Seq, ref), nil)
}

// Cancel cancels a job inside tx: a QUEUED job ends CANCELLED at once and
// never runs; a RUNNING one is asked to stop (its owner cancels the
// handler's context with ErrCancelled and records CANCELLED). A finished
// or unknown job is left alone: cancelling is the domain's decision, the
// job only follows. Call Runner.Notify after the commit to stop a job of
// this process at once.
func Cancel(tx store.Tx, kind, ref string) error {
	j, err := store.GetJSON[Job](tx, store.JobKey(kind, ref))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch j.State {
	case Queued:
		if err := tx.Delete(store.JobReadyKey(kind, j.Seq, ref)); err != nil {
			return err
		}
		return finish(tx, &j, Cancelled, "", time.Now())
	case Running:
		j.CancelRequested = true
		return store.PutJSON(tx, store.JobKey(kind, ref), j)
	}
	return nil
}

// Get returns the job of kind and ref, ErrNotFound if there is none.
func Get(tx store.Tx, kind, ref string) (Job, error) {
	j, err := store.GetJSON[Job](tx, store.JobKey(kind, ref))
	if errors.Is(err, store.ErrNotFound) {
		return j, ErrNotFound
	}
	return j, err
}

// finish records an end state and indexes the job for pruning.
func finish(tx store.Tx, j *Job, state, msg string, now time.Time) error {
	j.State, j.Error, j.TimeEnded = state, msg, now.UnixMilli()
	j.Owner, j.LeaseUntil, j.CancelRequested = "", 0, false
	if err := leave(tx, j); err != nil {
		return err
	}
	if err := tx.Set(store.JobEndKey(uint64(j.TimeEnded), j.Kind, j.Ref), nil); err != nil {
		return err
	}
	return store.PutJSON(tx, store.JobKey(j.Kind, j.Ref), j)
}

// release puts a RUNNING job that its owner gave up (shutdown, crash,
// expired lease) back in its place in the queue — its own Seq, so it runs
// before jobs queued after it — or ends it CANCELLED when that was asked.
func release(tx store.Tx, j *Job, now time.Time) error {
	if j.CancelRequested {
		return finish(tx, j, Cancelled, "", now)
	}
	j.State, j.Owner, j.LeaseUntil, j.CancelRequested = Queued, "", 0, false
	if err := leave(tx, j); err != nil {
		return err
	}
	if err := tx.Set(store.JobReadyKey(j.Kind, j.Seq, j.Ref), nil); err != nil {
		return err
	}
	return store.PutJSON(tx, store.JobKey(j.Kind, j.Ref), j)
}

// leave removes a job's running entry and, for a serial kind, the kind's
// lock when this job holds it.
func leave(tx store.Tx, j *Job) error {
	if err := tx.Delete(store.JobRunKey(j.Kind, j.Ref)); err != nil {
		return err
	}
	holder, err := tx.Get(store.JobLockKey(j.Kind))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case string(holder) == j.Ref:
		return tx.Delete(store.JobLockKey(j.Kind))
	}
	return nil
}

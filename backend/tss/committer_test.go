package tss

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Group commit (committer.go): requests of one TSS queued while a commit
// is in flight are signed in order against the group's pending state and
// committed together; see docs/BENCHMARKS.md › Group commit.

const (
	gcTSS    = "33333333-3333-4333-8333-333333333333"
	gcClient = "44444444-4444-4444-8444-444444444444"
)

func txID(i int) string { return fmt.Sprintf("55555555-5555-4555-8555-%012d", i) }

// queued waits until n requests wait in the TSS's committer queue.
func (f *fixture) queued(n int) {
	f.t.Helper()
	v, _ := f.svc.committers.Load(gcTSS)
	c := v.(*committer)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		q := len(c.queue)
		c.mu.Unlock()
		if q >= n {
			return
		}
	}
	f.t.Fatalf("%d requests never queued up", n)
}

// hold makes the next commit wait until the returned release is called;
// entered is closed when a commit is waiting.
func (f *fixture) hold(fail error) (entered chan struct{}, release func()) {
	entered, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := func() error {
		once.Do(func() { close(entered) })
		<-gate
		return fail
	}
	f.beforeCommit.Store(&h)
	return entered, func() {
		f.beforeCommit.Store(nil)
		close(gate)
	}
}

type upsertResult struct {
	v   *TxView
	err error
}

// upsertAsync runs Upsert in a goroutine.
func (f *fixture) upsertAsync(tx string, rev uint32, req TxRequest) chan upsertResult {
	ch := make(chan upsertResult, 1)
	go func() {
		v, err := f.svc.Upsert(f.ctx, f.c, gcTSS, tx, rev, req)
		ch <- upsertResult{v, err}
	}()
	return ch
}

// gapless checks that the TSS's logs are 1..counter, each verifying.
func (f *fixture) gapless(id string) uint64 {
	f.t.Helper()
	ctr := f.counters(id)
	var n uint64
	err := f.st.View(func(txn store.Tx) error {
		return store.ScanKeys(txn, store.LogPrefix(id), func([]byte) error { n++; return nil })
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if n != ctr.Sig {
		f.t.Fatalf("%d logs stored, signature counter %d", n, ctr.Sig)
	}
	for i := uint64(1); i <= n; i++ {
		f.log(id, i)
	}
	return n
}

// Many concurrent POS clients on one TSS: every request answered, every
// answer's counter distinct, the logs 1..N without gap, each transaction
// started before it finished, and requests really shared commits.
func TestGroupCommitOrdersConcurrentRequests(t *testing.T) {
	f := newFixture(t)
	f.initialized(gcTSS)
	f.client(gcTSS, gcClient, "Kasse 1")
	before := f.counters(gcTSS).Sig
	// Commits take a moment, as fsyncs do, so requests queue behind them.
	slow := func() error { time.Sleep(2 * time.Millisecond); return nil }
	f.beforeCommit.Store(&slow)
	g0, r0 := f.svc.GroupStats()

	const workers, perWorker = 16, 10
	type ack struct {
		tx              string
		start, finish   uint64
		number, number2 uint64
	}
	acks := make(chan ack, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				tx := txID(w*perWorker + i)
				s, err := f.svc.Upsert(f.ctx, f.c, gcTSS, tx, 1, TxRequest{State: TxActive, ClientID: gcClient})
				if err != nil {
					t.Error(err)
					return
				}
				e, err := f.svc.Upsert(f.ctx, f.c, gcTSS, tx, 2, TxRequest{State: TxFinished, ClientID: gcClient, Schema: receipt("1.00")})
				if err != nil {
					t.Error(err)
					return
				}
				acks <- ack{tx, s.Signature.Counter, e.Signature.Counter, s.Number, e.Number}
			}
		}()
	}
	wg.Wait()
	close(acks)
	f.beforeCommit.Store(nil)

	seenCtr, seenNum := map[uint64]bool{}, map[uint64]bool{}
	n := 0
	for a := range acks {
		n++
		if a.start >= a.finish || a.number != a.number2 {
			t.Errorf("%s: start %d finish %d, numbers %d %d", a.tx, a.start, a.finish, a.number, a.number2)
		}
		for _, c := range []uint64{a.start, a.finish} {
			if seenCtr[c] {
				t.Fatalf("counter %d answered twice", c)
			}
			seenCtr[c] = true
		}
		if seenNum[a.number] {
			t.Fatalf("transaction number %d given twice", a.number)
		}
		seenNum[a.number] = true
	}
	if n != workers*perWorker {
		t.Fatalf("%d of %d transactions answered", n, workers*perWorker)
	}
	total := f.gapless(gcTSS)
	// The daily/start-up system logs may precede the first transaction
	// log; everything else is the 2 logs per transaction.
	if total-before < 2*workers*perWorker {
		t.Fatalf("%d logs for %d transactions", total-before, workers*perWorker)
	}
	for c := range seenCtr {
		l := f.log(gcTSS, c)
		if !slices.Equal(l.Type, tse.OIDTransactionLog) {
			t.Fatalf("answered counter %d is a %v log", c, l.Type)
		}
	}
	if ctr := f.counters(gcTSS); ctr.Tx != uint64(workers*perWorker) || ctr.Active != 0 {
		t.Fatalf("counters %+v", ctr)
	}
	g1, r1 := f.svc.GroupStats()
	groups, reqs := g1-g0, r1-r0
	if reqs != 2*workers*perWorker || groups >= reqs {
		t.Fatalf("%d requests in %d groups: nothing was grouped", reqs, groups)
	}
	t.Logf("%d requests in %d groups (%.1f per commit)", reqs, groups, float64(reqs)/float64(groups))
}

// One group holding a start and the finish of the same transaction, a
// repeat of that start, a request with a wrong revision and one naming an
// unknown client: the good ones commit together, each error stays its
// own, and a later request sees an earlier one's writes.
func TestGroupCommitIsolatesRequests(t *testing.T) {
	f := newFixture(t)
	f.initialized(gcTSS)
	f.client(gcTSS, gcClient, "Kasse 1")
	before := f.counters(gcTSS)

	entered, release := f.hold(nil)
	first := f.upsertAsync(txID(0), 1, TxRequest{State: TxActive, ClientID: gcClient})
	<-entered // its commit waits: what comes now forms the next group
	start := f.upsertAsync(txID(1), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(1)
	finish := f.upsertAsync(txID(1), 2, TxRequest{State: TxFinished, ClientID: gcClient, Schema: receipt("2.50")})
	f.queued(2)
	repeat := f.upsertAsync(txID(1), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(3)
	badRev := f.upsertAsync(txID(1), 5, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(4)
	noClient := f.upsertAsync(txID(2), 1, TxRequest{State: TxActive, ClientID: "66666666-6666-4666-8666-666666666666"})
	f.queued(5)
	other := f.upsertAsync(txID(3), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(6)
	g0, r0 := f.svc.GroupStats()
	release()

	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
	s, e, rp := <-start, <-finish, <-repeat
	for _, r := range []upsertResult{s, e, rp} {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	if e.v.State != TxFinished || e.v.Signature.Counter != s.v.Signature.Counter+1 || e.v.Number != s.v.Number {
		t.Fatalf("finish in the start's group: %+v after %+v", e.v, s.v)
	}
	if rp.v.Signature != s.v.Signature || rp.v.Revision != 1 {
		t.Fatalf("repeated start answered %+v, first %+v", rp.v.Signature, s.v.Signature)
	}
	if rp.v.LatestRevision != 2 {
		t.Fatalf("the repeat does not see the finish before it: latest_revision %d", rp.v.LatestRevision)
	}
	var ue *UpsertError
	if r := <-badRev; !errors.As(r.err, &ue) || !strings.Contains(ue.Error(), "transaction is FINISHED") {
		t.Fatalf("a revision after the finish in the same group: %v", r.err)
	}
	if r := <-noClient; !errors.Is(r.err, ErrClientNotFound) {
		t.Fatalf("unknown client: %v", r.err)
	}
	o := <-other
	if o.err != nil {
		t.Fatal(o.err)
	}
	// The failed requests took no counter: the next after the finish.
	if o.v.Signature.Counter != e.v.Signature.Counter+1 || o.v.Number != s.v.Number+1 {
		t.Fatalf("request after the failed ones: counter %d number %d (finish %d/%d)", o.v.Signature.Counter, o.v.Number, e.v.Signature.Counter, e.v.Number)
	}
	g1, r1 := f.svc.GroupStats()
	if g1-g0 != 2 || r1-r0 != 7 { // the held one, then the six
		t.Fatalf("%d requests in %d groups, want 7 in 2", r1-r0, g1-g0)
	}
	f.gapless(gcTSS)
	ctr := f.counters(gcTSS)
	if ctr.Tx != before.Tx+3 || ctr.Active != 2 {
		t.Fatalf("counters %+v", ctr)
	}
	if f.exists(store.TxKey(gcTSS, txID(2))) || f.exists(store.TxActiveKey(gcTSS, txID(1))) {
		t.Fatal("a failed request or the finish's delete left a trace")
	}
	if got, err := f.svc.GetTx(f.c, gcTSS, txID(1), 0); err != nil || got.State != TxFinished || got.Signature != e.v.Signature {
		t.Fatalf("stored %+v %v", got, err)
	}
}

// A commit that fails fails every request of its group — none is
// answered — and the TSS goes on from what was stored: no counter
// skipped, none reused.
func TestGroupCommitFailureFailsTheGroup(t *testing.T) {
	f := newFixture(t)
	f.initialized(gcTSS)
	f.client(gcTSS, gcClient, "Kasse 1")
	ok, err := f.svc.Upsert(f.ctx, f.c, gcTSS, txID(0), 1, TxRequest{State: TxActive, ClientID: gcClient})
	if err != nil {
		t.Fatal(err)
	}
	before := f.counters(gcTSS)

	// Hold a commit, queue a group behind it, and fail both commits.
	boom := errors.New("disk on fire")
	entered, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := func() error {
		once.Do(func() { close(entered) })
		<-gate
		return boom
	}
	f.beforeCommit.Store(&h)
	first := f.upsertAsync(txID(1), 1, TxRequest{State: TxActive, ClientID: gcClient})
	<-entered
	var group []chan upsertResult
	group = append(group, f.upsertAsync(txID(0), 2, TxRequest{State: TxFinished, ClientID: gcClient, Schema: receipt("3.00")}))
	f.queued(1)
	group = append(group, f.upsertAsync(txID(0), 1, TxRequest{State: TxActive, ClientID: gcClient})) // a repeat, answered from the store
	f.queued(2)
	for i := 2; i < 6; i++ {
		group = append(group, f.upsertAsync(txID(i), 1, TxRequest{State: TxActive, ClientID: gcClient}))
		f.queued(len(group))
	}
	close(gate)
	if r := <-first; !errors.Is(r.err, boom) {
		t.Fatalf("first: %v", r.err)
	}
	for i, ch := range group {
		if r := <-ch; !errors.Is(r.err, boom) {
			t.Fatalf("request %d of the failed group: %+v %v", i, r.v, r.err)
		}
	}
	f.beforeCommit.Store(nil)
	if got := f.counters(gcTSS); got != before {
		t.Fatalf("counters moved by failed commits: %+v, were %+v", got, before)
	}
	if f.exists(store.TxKey(gcTSS, txID(2))) || f.exists(store.LogKey(gcTSS, before.Sig+1)) {
		t.Fatal("a failed group left data")
	}

	// Afterwards the TSS signs on from the stored counter.
	next, err := f.svc.Upsert(f.ctx, f.c, gcTSS, txID(0), 2, TxRequest{State: TxFinished, ClientID: gcClient, Schema: receipt("3.00")})
	if err != nil {
		t.Fatal(err)
	}
	if next.Signature.Counter != before.Sig+1 || next.Number != ok.Number {
		t.Fatalf("after the failure: counter %d (want %d)", next.Signature.Counter, before.Sig+1)
	}
	f.gapless(gcTSS)
}

// A request whose checks read what other TSS write (a new client) is
// committed alone, so a check that fails fails only it.
func TestGroupCommitClientCreationAlone(t *testing.T) {
	f := newFixture(t)
	f.initialized(gcTSS)
	f.client(gcTSS, gcClient, "Kasse 1")
	entered, release := f.hold(nil)
	first := f.upsertAsync(txID(0), 1, TxRequest{State: TxActive, ClientID: gcClient})
	<-entered
	tx := f.upsertAsync(txID(1), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(1)
	cl := make(chan error, 1)
	go func() {
		_, err := f.svc.CreateClient(f.ctx, f.c, gcTSS, "77777777-7777-4777-8777-777777777777", "Kasse 2", nil)
		cl <- err
	}()
	f.queued(2)
	tx2 := f.upsertAsync(txID(2), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(3)
	g0, r0 := f.svc.GroupStats()
	release()
	for _, ch := range []chan upsertResult{first, tx, tx2} {
		if r := <-ch; r.err != nil {
			t.Fatal(r.err)
		}
	}
	if err := <-cl; err != nil {
		t.Fatal(err)
	}
	if g1, r1 := f.svc.GroupStats(); g1-g0 != 4 || r1-r0 != 4 {
		t.Fatalf("%d requests in %d groups, want 4 in 4 (held, tx, client alone, tx)", r1-r0, g1-g0)
	}
	f.gapless(gcTSS)
}

// Client records are cached between groups, yet a client deregistered
// earlier in the same group, or in an earlier one, is refused at once.
func TestGroupCommitSeesClientChanges(t *testing.T) {
	f := newFixture(t)
	f.initialized(gcTSS)
	f.client(gcTSS, gcClient, "Kasse 1")
	if _, err := f.svc.Upsert(f.ctx, f.c, gcTSS, txID(0), 1, TxRequest{State: TxActive, ClientID: gcClient}); err != nil {
		t.Fatal(err) // the record is in the cache now
	}
	entered, release := f.hold(nil)
	first := f.upsertAsync(txID(1), 1, TxRequest{State: TxActive, ClientID: gcClient})
	<-entered
	dereg := make(chan error, 1)
	go func() {
		_, err := f.svc.UpdateClient(f.ctx, f.c, gcTSS, gcClient, ClientDeregistered, nil)
		dereg <- err
	}()
	f.queued(1)
	after := f.upsertAsync(txID(2), 1, TxRequest{State: TxActive, ClientID: gcClient})
	f.queued(2)
	release()
	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
	if err := <-dereg; err != nil {
		t.Fatal(err)
	}
	if r := <-after; !errors.Is(r.err, ErrClientDeregistered) {
		t.Fatalf("upsert after the deregistration in its group: %v", r.err)
	}
	if _, err := f.svc.Upsert(f.ctx, f.c, gcTSS, txID(3), 1, TxRequest{State: TxActive, ClientID: gcClient}); !errors.Is(err, ErrClientDeregistered) {
		t.Fatalf("upsert in a later group: %v", err)
	}
}

package tss

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// committer is the one writer of a TSS: every change of the TSS (a
// signed revision, a client, an admin operation) is a request queued
// here, and the committer works through the queue in groups (group
// commit, docs/BENCHMARKS.md › Group commit):
//
//   - the requests of a group run one after the other in queue order
//     against the group's pending state, so they take consecutive
//     signature counters and a later one sees what an earlier one wrote
//     (the start and the finish of one transaction in one group);
//   - a request that fails (validation, E_TX_UPSERT, unknown client …)
//     leaves no trace: its writes are dropped and the next request runs
//     on the state before it;
//   - the writes of every request that succeeded are stored in ONE store
//     transaction — the TSS record and counters, the logs, revisions,
//     indexes and, through the store, the sync outbox entry — and every
//     request of the group is answered after that commit is durable;
//   - if the commit fails, every request of the group fails (none is
//     acknowledged) and the committer forgets its copy of the TSS, so the
//     next group starts from what the store holds.
//
// Different TSS have different committers; their commits run in
// parallel and share the store's fsyncs. The committer keeps the TSS
// record, its counters and its unsealed key between groups instead of
// reading them per request: nothing else writes them (Create makes a new
// TSS, sync never brings a TSS signed here).
type committer struct {
	s  *Service
	id string

	mu      sync.Mutex
	queue   []*request
	running bool // a goroutine is working through the queue

	// Owned by that goroutine:
	state *tssState // as last committed; nil: read it from the store
	se    seState   // the secure element's state as last committed
	// access remembers the callers (by their roots) found to administer
	// the TSS's organization, with the store generation of that check.
	access map[string]uint64
	// clients caches the client records requests name (clientCache).
	clients clientCache
}

// clientCache holds decoded client records read at store generation gen;
// any change of a client moves the generation and empties it.
type clientCache struct {
	gen uint64
	m   map[string]clientRecord
}

// tssState is a TSS as the committer holds it between groups.
type tssState struct {
	t   *TSS
	ctr counters
	key *ecdsa.PrivateKey
}

// request is one queued change of the TSS: fn collects its writes.
type request struct {
	ctx context.Context
	c   Caller
	fn  func(w *write) error
	// alone: the request carries checks (w.checks) that read keys other
	// committers write; it is committed in a group of its own so that a
	// failing check fails only it.
	alone bool
	done  chan struct{}
	// Results, read after done is closed.
	t   *TSS
	ctr counters
	err error
}

// maxGroup bounds the requests of one group (and so one store
// transaction); more wait for the next group.
const maxGroup = 256

// GroupStats reports how many groups the committers ran and how many
// requests those held: their ratio is the mean group size.
func (s *Service) GroupStats() (groups, requests uint64) {
	return s.groups.Load(), s.grouped.Load()
}

// committerOf returns the committer of TSS id, ErrTSSNotFound when
// there is no such TSS: committers are made only for TSS that exist (and
// TSS are never deleted), so requests for made-up ids leave nothing
// behind.
func (s *Service) committerOf(id string) (*committer, error) {
	if c, ok := s.committers.Load(id); ok {
		return c.(*committer), nil
	}
	err := s.st.View(func(txn store.Tx) error {
		ok, err := store.Exists(txn, store.TSSKey(id))
		if err == nil && !ok {
			return ErrTSSNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	c, _ := s.committers.LoadOrStore(id, &committer{s: s, id: id})
	return c.(*committer), nil
}

// do queues r and waits until its group is committed (or failed).
func (c *committer) do(r *request) {
	r.done = make(chan struct{})
	c.mu.Lock()
	c.queue = append(c.queue, r)
	if !c.running {
		c.running = true
		go c.run()
	}
	c.mu.Unlock()
	<-r.done
}

// run works through the queue until it is empty.
func (c *committer) run() {
	for {
		c.mu.Lock()
		g := c.take()
		if len(g) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.commit(g)
		c.s.groups.Add(1)
		c.s.grouped.Add(uint64(len(g)))
		for _, r := range g {
			close(r.done)
		}
	}
}

// take removes the next group from the queue: up to maxGroup requests in
// queue order, a request that must be alone only by itself.
func (c *committer) take() []*request {
	n := 0
	for n < len(c.queue) && n < maxGroup {
		if c.queue[n].alone {
			if n == 0 {
				n = 1
			}
			break
		}
		n++
	}
	g := c.queue[:n:n]
	c.queue = c.queue[n:]
	if len(c.queue) == 0 {
		c.queue = nil // let the backing array go
	}
	return g
}

// commit runs a group: each request against the pending state, then one
// durable store transaction with what the successful ones wrote.
//
// On a store other processes share (a central's API nodes on one
// PostgreSQL database, docs/scale.md) each node has a committer for the
// TSS, so the one-writer rule is kept by the database: the group runs
// holding the TSS's advisory lock, re-reads the TSS and its counters
// under it (another node may have signed since), and its transaction
// checks that the counters are still the ones it signed on (should the
// lock's connection have dropped, the serializable transaction fails
// instead of storing a second signature for a counter). Signatures made
// for a group that does not commit are never stored or answered.
func (c *committer) commit(g []*request) {
	if !c.s.st.Shared() {
		c.commitGroup(g, false)
		return
	}
	err := c.s.st.Exclusive(context.Background(), "tss/"+c.id, func() error {
		c.commitGroup(g, true)
		return nil
	})
	if err != nil {
		for _, r := range g {
			r.err = err
		}
		c.state = nil
	}
}

// errCountersMoved: the TSS's counters changed between the group's read
// and its commit, which the TSS lock rules out; the group is not stored.
var errCountersMoved = errors.New("tss: the signature counter moved during the commit (another writer of the TSS)")

func (c *committer) commitGroup(g []*request, shared bool) {
	// On a shared store a state kept from the last group is re-read in
	// the group's snapshot (refresh), one just loaded is current.
	stale := shared && c.state != nil
	if c.state == nil {
		st, err := c.load()
		if err != nil {
			for _, r := range g {
				r.err = err
			}
			return
		}
		c.state = st
	}
	gen := c.s.st.Generation() // before the snapshot: see store.Generation
	if c.clients.gen != gen || len(c.clients.m) > 1024 {
		c.clients = clientCache{gen: gen, m: map[string]clientRecord{}}
	}
	gw := &groupWrite{pending: map[string]pendingValue{}, clients: &c.clients}
	cur := *c.state
	se := c.se
	var ok []*request
	err := c.s.st.View(func(txn store.Tx) error {
		gw.base = txn
		if stale {
			if err := c.refresh(txn); err != nil {
				for _, r := range g {
					r.err = err
				}
				return err
			}
			cur = *c.state
		}
		for _, r := range g {
			if r.err = r.ctx.Err(); r.err != nil {
				continue // the client gave up before its turn
			}
			if r.err = c.allowed(txn, r.c, cur.t, gen); r.err != nil {
				continue
			}
			t := *cur.t // each request changes its own copy
			w := &write{s: c.s, t: &t, ctr: cur.ctr, key: cur.key, now: c.s.now().Unix(), sets: map[string][]byte{}, se: se, rd: gw}
			if r.err = r.fn(w); r.err != nil {
				continue
			}
			// The transactions the request started count for their day in
			// the counters; the first start of a later day closes the day
			// before into tss-day (once a day per TSS, the one extra key
			// of the signing path; docs/store.md › Format version).
			if day, n, closed := w.ctr.CountStarts(uint32(w.ctr.Tx-cur.ctr.Tx), w.now); closed {
				gw.days = append(gw.days, closedDay{day, n})
			}
			gw.merge(w)
			cur.t, cur.ctr, se = w.t, w.ctr, w.se
			r.t, r.ctr = w.t, w.ctr
			ok = append(ok, r)
		}
		return nil
	})
	if err == nil && len(ok) > 0 && gw.dirty(cur.ctr != c.state.ctr) {
		base := c.state.ctr
		err = c.s.st.Update(context.Background(), func(txn store.Tx) error {
			if shared {
				now, err := store.GetTSSCounters(txn, c.id)
				if err != nil {
					return err
				}
				if now != base {
					return errCountersMoved
				}
			}
			return gw.store(txn, c.id, cur)
		})
	}
	if err != nil {
		for _, r := range ok {
			r.err = err
		}
		// The store may or may not hold the group (a failed fsync): read
		// the TSS again before the next group. The secure element's
		// state stays as last committed.
		c.state = nil
		return
	}
	c.state, c.se = &cur, se
}

// refresh re-reads the TSS record and counters in txn: another process
// sharing the store may have changed them. The key stays (a TSS's key
// never changes).
func (c *committer) refresh(txn store.Tx) error {
	t, err := store.GetJSON[TSS](txn, store.TSSKey(c.id))
	if err != nil {
		return err
	}
	ctr, err := store.GetTSSCounters(txn, c.id)
	if err != nil {
		return err
	}
	c.state.t, c.state.ctr = &t, ctr
	return nil
}

// load reads the TSS for the committer: its record and counters, that it
// is signed here, and its key.
func (c *committer) load() (*tssState, error) {
	var st tssState
	err := c.s.st.View(func(txn store.Tx) error {
		t, err := store.GetJSON[TSS](txn, store.TSSKey(c.id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrTSSNotFound
		}
		if err != nil {
			return err
		}
		st.t = &t
		if st.ctr, err = store.GetTSSCounters(txn, c.id); err != nil {
			return err
		}
		return signedHere(txn, c.id)
	})
	if err != nil {
		return nil, err
	}
	if st.key, err = c.s.privateKey(st.t); err != nil {
		return nil, err
	}
	return &st, nil
}

// allowed is Service.allowed, remembered per caller while the store's
// generation stays the same: organizations, memberships and keys are
// what it reads, and any change of them moves the generation.
func (c *committer) allowed(txn store.Tx, caller Caller, t *TSS, gen uint64) error {
	if t.Env != caller.Env {
		return ErrTSSNotFound
	}
	k := rootsKey(caller.Viewer.Roots)
	if g, ok := c.access[k]; ok && g == gen {
		return nil
	}
	if err := c.s.allowed(txn, caller, t); err != nil {
		return err
	}
	if c.access == nil || len(c.access) >= 1024 {
		c.access = map[string]uint64{}
	}
	c.access[k] = gen
	return nil
}

// rootsKey identifies a viewer's roots and roles: what decides its
// access to an organization (org.Viewer).
func rootsKey(roots map[string]org.Role) string {
	if len(roots) == 1 {
		for id, r := range roots {
			return id + "=" + string(r)
		}
	}
	parts := make([]string, 0, len(roots))
	for id, r := range roots {
		parts = append(parts, id+"="+string(r))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// allowed checks that caller c may change TSS t: its org is administered
// by c and its env is c's (else the TSS does not exist for c).
func (s *Service) allowed(txn store.Tx, c Caller, t *TSS) error {
	if t.Env != c.Env {
		return ErrTSSNotFound
	}
	if _, _, err := s.orgs.GetTx(txn, c.Viewer, t.OrgID); err != nil {
		if errors.Is(err, org.ErrNotFound) {
			return ErrTSSNotFound
		}
		return err
	}
	return nil
}

// groupWrite collects the writes of a group's successful requests in
// order, and is what those requests read through (w.read): the store's
// snapshot with the group's pending writes over it.
type groupWrite struct {
	base    store.Tx
	pending map[string]pendingValue
	order   []string // keys in the order first written
	counts  map[string]int64
	checks  []func(txn store.Tx) error
	changed bool // the TSS record changed
	clients *clientCache
	// days are the days the group's requests closed, with their counts.
	days []closedDay
}

// closedDay is a UTC day a TSS has started its last transaction of, and
// how many it started that day (store.PutTSSDay).
type closedDay struct{ day, count uint32 }

// client reads client record id as the group sees it: a record written
// earlier in the group from the pending writes, else from the
// committer's cache of the snapshot.
func (g *groupWrite) client(id string) (clientRecord, error) {
	k := store.ClientKey(id)
	_, pending := g.pending[string(k)]
	if !pending {
		if r, ok := g.clients.m[id]; ok {
			return r, nil
		}
	}
	r, err := store.GetJSON[clientRecord](g, k)
	if err == nil && !pending {
		g.clients.m[id] = r
	}
	return r, err
}

type pendingValue struct {
	v   []byte
	del bool
}

// merge adds the writes of a successful request, in the order a single
// request's writes have always been applied: sets, then deletes.
func (g *groupWrite) merge(w *write) {
	for k, v := range w.sets {
		g.put(k, pendingValue{v: v})
	}
	for _, k := range w.dels {
		g.put(string(k), pendingValue{del: true})
	}
	for k, n := range w.counts {
		if g.counts == nil {
			g.counts = map[string]int64{}
		}
		g.counts[k] += n
	}
	g.checks = append(g.checks, w.checks...)
	g.changed = g.changed || w.changed
}

func (g *groupWrite) put(k string, v pendingValue) {
	if _, ok := g.pending[k]; !ok {
		g.order = append(g.order, k)
	}
	g.pending[k] = v
}

// dirty says whether the group has anything to store.
func (g *groupWrite) dirty(countersMoved bool) bool {
	if countersMoved || g.changed || len(g.pending) > 0 || len(g.checks) > 0 || len(g.days) > 0 {
		return true
	}
	for _, n := range g.counts {
		if n != 0 {
			return true
		}
	}
	return false
}

// store writes the group in txn.
func (g *groupWrite) store(txn store.Tx, id string, st tssState) error {
	for _, chk := range g.checks {
		if err := chk(txn); err != nil {
			return err
		}
	}
	if g.changed {
		if err := store.PutJSON(txn, store.TSSKey(id), st.t); err != nil {
			return err
		}
		if err := store.PutOrgTSS(txn, st.t.OrgID, id, st.t.Env, st.t.State); err != nil {
			return err
		}
	}
	if err := store.PutTSSCounters(txn, id, st.ctr); err != nil {
		return err
	}
	for _, d := range g.days {
		if err := store.PutTSSDay(txn, id, d.day, d.count); err != nil {
			return err
		}
	}
	for _, k := range g.order {
		p := g.pending[k]
		var err error
		if p.del {
			err = txn.Delete([]byte(k))
		} else {
			err = txn.Set([]byte(k), p.v)
		}
		if err != nil {
			return err
		}
	}
	for k, n := range g.counts {
		if n == 0 {
			continue
		}
		if _, err := store.AddU64(txn, []byte(k), n); err != nil {
			return err
		}
	}
	return nil
}

// Get, Set, Delete and Iterate make the group a read-only store.Tx for
// its requests: Get sees the pending writes of the requests before.
func (g *groupWrite) Get(key []byte) ([]byte, error) {
	if p, ok := g.pending[string(key)]; ok {
		if p.del {
			return nil, store.ErrNotFound
		}
		return p.v, nil
	}
	return g.base.Get(key)
}

func (g *groupWrite) Set(key, value []byte) error { return store.ErrReadOnly }
func (g *groupWrite) Delete(key []byte) error     { return store.ErrReadOnly }

// Iterate walks the snapshot only: requests read single keys (the
// transaction, its revision, the client); none walks a range.
func (g *groupWrite) Iterate(o store.IterOptions) store.Iterator { return g.base.Iterate(o) }

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgEngine runs the store on PostgreSQL (or a PostgreSQL-compatible,
// distributed engine such as YugabyteDB): the central of a deployment that
// outgrows one machine, with several API processes on one database
// (docs/scale.md). Workstations stay on Badger.
//
// Everything is one table of byte keys and values, ordered by key (on
// YugabyteDB a range-sharded primary key, so prefix scans stay ordered
// and owned data of one TSS lands in one tablet range), plus two small
// bookkeeping tables: the generation stripes and the outbox counter.
//
// Write transactions are SERIALIZABLE: the domain code is written for
// Badger's optimistic transactions, where a transaction whose reads were
// changed by another commit fails and Update runs it again. PostgreSQL's
// serializable snapshot isolation gives the same guarantee (and more:
// no write skew) and reports it as SQLSTATE 40001, which becomes
// ErrConflict. REPEATABLE READ would need every read-then-write to take
// row locks by hand, which the Tx interface cannot express. Read-only
// transactions are REPEATABLE READ READ ONLY: one snapshot, and they
// never fail a serialization check (a SERIALIZABLE read-only transaction
// can, and View does not retry).
type pgEngine struct {
	pool *pgxpool.Pool
	// locks holds the connections that keep session advisory locks
	// (exclusive). A separate pool: a lock holder then needs one more
	// connection from pool for its transactions, and those are always
	// given back, so holders can never take every connection and wait
	// on each other.
	locks *pgxpool.Pool
	// seq runs the outbox counter's increment, outside the committing
	// transaction (see outboxSeq). Only the holder of the commit-order
	// lock uses it, one statement at a time, so it never waits for a
	// connection held by someone waiting for it.
	seq *pgxpool.Pool
	// ns salts advisory-lock keys with the schema, so databases in
	// different schemas of one cluster (tests) do not share locks.
	ns string
}

// pgAcquireWait bounds the wait for a pooled connection.
const pgAcquireWait = 30 * time.Second

// pgPage is how many rows one iterator query fetches: memory stays
// bounded however long the walk.
const pgPage = 256

// genStripes spreads the generation counter over rows, so that two
// concurrent commits that both move it rarely update the same row (and
// so rarely conflict on it).
const genStripes = 16

// openPostgres connects to url and creates the tables when missing.
func openPostgres(ctx context.Context, url string) (*pgEngine, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 32
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	lcfg := cfg.Copy()
	lcfg.MinConns = 0
	locks, err := pgxpool.NewWithConfig(ctx, lcfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	scfg := cfg.Copy()
	scfg.MinConns, scfg.MaxConns = 0, 2
	seq, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		pool.Close()
		locks.Close()
		return nil, err
	}
	e := &pgEngine{pool: pool, locks: locks, seq: seq}
	if err := e.createSchema(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// createSchema makes the tables, under a lock so that two processes
// starting on an empty database at once do not both create them.
func (e *pgEngine) createSchema(ctx context.Context) error {
	if err := e.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&e.ns); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	var version string
	if err := e.pool.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	// YugabyteDB hash-shards a primary key unless told ASC; range
	// sharding keeps keys in order (prefix scans) and one TSS's keys
	// together. PostgreSQL's B-tree is ordered anyway and its table
	// constraint syntax has no ASC.
	pk := "PRIMARY KEY (k)"
	if strings.Contains(version, "-YB-") {
		pk = "PRIMARY KEY (k ASC)"
	}
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS fiskaldesk_kv (k bytea NOT NULL, v bytea NOT NULL, " + pk + ")",
		"CREATE TABLE IF NOT EXISTS fiskaldesk_gen (stripe integer NOT NULL PRIMARY KEY, n bigint NOT NULL)",
		fmt.Sprintf("INSERT INTO fiskaldesk_gen SELECT g, 0 FROM generate_series(0, %d) g ON CONFLICT DO NOTHING", genStripes-1),
		"CREATE TABLE IF NOT EXISTS fiskaldesk_counter (name text NOT NULL PRIMARY KEY, n bigint NOT NULL)",
		"INSERT INTO fiskaldesk_counter VALUES ('outbox', 0) ON CONFLICT DO NOTHING",
	}
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", e.lockKey("schema")); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("postgres schema: %w", err)
			}
		}
		return nil
	})
}

// lockKey is the advisory-lock key for name in this schema.
func (e *pgEngine) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(e.ns))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return int64(h.Sum64())
}

func (e *pgEngine) close() error {
	e.seq.Close()
	e.locks.Close()
	e.pool.Close()
	return nil
}

// maxVersion is the database's current WAL position: it only grows, and
// a later state has a larger one. 0 where the engine has none
// (YugabyteDB).
func (e *pgEngine) maxVersion() uint64 {
	var lsn uint64
	if err := e.pool.QueryRow(context.Background(), "SELECT (pg_current_wal_lsn() - '0/0')::bigint").Scan(&lsn); err != nil {
		return 0
	}
	return lsn
}

// errPgBackup: a database shared by several processes is backed up with
// the database's own tools, which know its replication and its point-in-
// time recovery; the store's stream format is Badger's.
var errPgBackup = errors.New("store: a PostgreSQL store is backed up with pg_dump (or the database's own backups), not fiskaldesk backup; see docs/scale.md")

func (e *pgEngine) backup(io.Writer) (uint64, error) { return 0, errPgBackup }

// generation is the sum of the generation stripes: every commit that
// moves the generation adds one to a stripe in its own transaction, so
// the sum changes exactly when such a commit becomes visible — on every
// process that shares the database.
func (e *pgEngine) generation() (uint64, error) {
	var n int64
	err := e.pool.QueryRow(context.Background(), "SELECT sum(n)::bigint FROM fiskaldesk_gen").Scan(&n)
	return uint64(n), err
}

// exclusive runs fn holding the session advisory lock for name: no other
// process (or goroutine) on this database runs exclusive with the same
// name meanwhile. If the lock's connection breaks, PostgreSQL releases
// the lock; callers that depend on it still check in their transaction.
func (e *pgEngine) exclusive(ctx context.Context, name string, fn func() error) error {
	c, err := e.locks.Acquire(ctx)
	if err != nil {
		return err
	}
	key := e.lockKey(name)
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		c.Release()
		return pgErr(err)
	}
	defer func() {
		if _, err := c.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key); err != nil {
			// The lock may still be held: the connection must not return
			// to the pool with it.
			_ = c.Conn().Close(context.Background())
		}
		c.Release()
	}()
	return fn()
}

func (e *pgEngine) begin(write bool) engineTxn {
	t := &pgTxn{e: e, write: write, ctx: context.Background()}
	if write {
		t.pending = map[string]*[]byte{}
	}
	// Waiting for a connection is bounded: should every connection be
	// held by transactions that wait for another one (a View opened
	// inside an Update, pool_max_conns times over), requests fail after
	// the wait instead of hanging for good.
	actx, cancel := context.WithTimeout(t.ctx, pgAcquireWait)
	c, err := e.pool.Acquire(actx)
	cancel()
	if err != nil {
		t.err = fmt.Errorf("store: no PostgreSQL connection within %s: %w", pgAcquireWait, err)
		return t
	}
	t.c = c
	if !write {
		// A View's snapshot is taken now, as the engine interface
		// promises (the statement after BEGIN takes it), not at its
		// first read.
		t.started = true
		if _, err := c.Conn().PgConn().Exec(t.ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1").ReadAll(); err != nil {
			t.err = pgErr(err)
		}
		return t
	}
	// A write transaction sends BEGIN with its first statement (open):
	// one round trip less per Update. Its snapshot is then taken at that
	// statement, not at begin; SERIALIZABLE makes that the same as a
	// transaction that began a moment later, and nothing is read or
	// written before it.
	t.start = "BEGIN ISOLATION LEVEL SERIALIZABLE"
	return t
}

// pgTxn is one transaction on its own pooled connection. Writes are kept
// in pending and sent together (one round trip) before the next walk and
// at commit; get answers from pending first.
type pgTxn struct {
	e     *pgEngine
	c     *pgxpool.Conn
	ctx   context.Context
	write bool
	start string // the BEGIN statement
	// started: BEGIN has been sent (queued in front of the first
	// statement, see open).
	started bool
	err     error // the first failure: every later call returns it
	done    bool
	// pending: key → value, nil for a delete; order keeps the write order.
	pending map[string]*[]byte
	order   []string
	moved   bool // the commit moves the generation (movedGeneration)
}

var errPgEnded = errors.New("store: transaction has ended")

func (t *pgTxn) usable() error {
	if t.err != nil {
		return t.err
	}
	if t.done {
		return errPgEnded
	}
	return nil
}

func (t *pgTxn) get(key []byte) ([]byte, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	if p, ok := t.pending[string(key)]; ok {
		if p == nil {
			return nil, ErrNotFound
		}
		return bytes.Clone(*p), nil
	}
	const q = "SELECT v FROM fiskaldesk_kv WHERE k = $1"
	var v []byte
	var err error
	if t.started {
		err = t.c.QueryRow(t.ctx, q, key).Scan(&v)
	} else {
		b := &pgx.Batch{}
		t.open(b)
		b.Queue(q, key)
		br := t.c.SendBatch(t.ctx, b)
		if _, err = br.Exec(); err == nil {
			err = br.QueryRow().Scan(&v)
		}
		if cerr := br.Close(); err == nil || errors.Is(err, pgx.ErrNoRows) && cerr != nil {
			err = cerr
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, t.fail(err)
	}
	return v, nil
}

// open queues BEGIN in front of b's statements if the transaction has
// not begun on the server yet.
func (t *pgTxn) open(b *pgx.Batch) {
	if !t.started {
		t.started = true
		b.Queue(t.start)
	}
}

func (t *pgTxn) put(key []byte, v *[]byte) error {
	if !t.write {
		return ErrReadOnly
	}
	if err := t.usable(); err != nil {
		return err
	}
	k := string(key)
	if _, ok := t.pending[k]; !ok {
		t.order = append(t.order, k)
	}
	t.pending[k] = v
	return nil
}

func (t *pgTxn) set(key, value []byte) error {
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	return t.put(key, &v)
}

func (t *pgTxn) delete(key []byte) error { return t.put(key, nil) }

// movedGeneration marks the transaction as one whose commit moves the
// generation (txn.wrote calls it).
func (t *pgTxn) movedGeneration() { t.moved = true }

// fail records err (mapped to ErrConflict for serialization failures and
// deadlocks) as the transaction's error: PostgreSQL aborts the
// transaction at any error, so nothing after it can succeed.
func (t *pgTxn) fail(err error) error {
	if t.err == nil {
		t.err = pgErr(err)
	}
	return t.err
}

// pgErr maps serialization failures (40001) and deadlocks (40P01) to
// ErrConflict, which Store.Update retries.
func pgErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
		return fmt.Errorf("%w (%w)", ErrConflict, err)
	}
	return err
}

// queue adds the pending writes to b (after BEGIN, when not yet sent)
// and forgets them.
func (t *pgTxn) queue(b *pgx.Batch) {
	t.open(b)
	for _, k := range t.order {
		if v := t.pending[k]; v == nil {
			b.Queue("DELETE FROM fiskaldesk_kv WHERE k = $1", []byte(k))
		} else {
			b.Queue("INSERT INTO fiskaldesk_kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v", []byte(k), *v)
		}
	}
	clear(t.pending)
	t.order = t.order[:0]
}

// send runs b in one round trip.
func (t *pgTxn) send(b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := t.c.SendBatch(t.ctx, b).Close(); err != nil {
		return t.fail(err)
	}
	return nil
}

func (t *pgTxn) flush() error {
	if len(t.order) == 0 && t.started {
		return nil
	}
	b := &pgx.Batch{}
	t.queue(b)
	return t.send(b)
}

// outboxSeq takes the next outbox sequence number; called from the
// ordered hook, where this transaction holds the commit-order lock.
//
// The number is a counter row incremented in a statement of its own on
// another connection, committed at once: inside this transaction the
// row would be read at its snapshot, and every two overlapping outbox
// commits would conflict on it. Holding the commit-order lock makes the
// increments follow commit order; a commit that then fails leaves a gap,
// which readers skip. (Not a PostgreSQL sequence: YugabyteDB caches
// sequence values per node, so they would not follow commit order.)
func (t *pgTxn) outboxSeq() (uint64, error) {
	if err := t.usable(); err != nil {
		return 0, err
	}
	var n int64
	err := t.e.seq.QueryRow(t.ctx, "UPDATE fiskaldesk_counter SET n = n + 1 WHERE name = 'outbox' RETURNING n").Scan(&n)
	if err != nil {
		return 0, t.fail(err)
	}
	return uint64(n), nil
}

// commit sends the pending writes and COMMIT. With an ordered hook it
// first takes a transaction-level advisory lock on one fixed key (the
// "commit-order lock") and keeps it to the end of COMMIT, which
// PostgreSQL releases only after the commit is visible: every process's
// outbox-writing commits therefore pass the hook one at a time, in the
// order they become visible, and the number the hook takes (outboxSeq,
// shared by all processes) follows commit order. A
// reader's snapshot then sees a prefix of the outbox, with gaps only
// where a commit failed after taking its number — what sync relies on.
// It serialises outbox-writing commits across the whole database, which
// is the limit docs/scale.md names; signing on a central writes no
// outbox entries and never takes it.
func (t *pgTxn) commit(ordered func() error) error {
	if err := t.usable(); err != nil {
		return err
	}
	if !t.write {
		t.discard()
		return nil
	}
	if !t.started && len(t.order) == 0 {
		t.discard() // nothing read, nothing written: nothing to commit
		return nil
	}
	b := &pgx.Batch{}
	t.queue(b)
	if t.moved {
		b.Queue("UPDATE fiskaldesk_gen SET n = n + 1 WHERE stripe = $1", rand.IntN(genStripes))
	}
	if ordered != nil {
		b.Queue("SELECT pg_advisory_xact_lock($1)", t.e.lockKey("commit-order"))
		if err := t.send(b); err != nil {
			return err
		}
		if err := ordered(); err != nil {
			return err
		}
		b = &pgx.Batch{}
		t.queue(b)
	}
	b.Queue("COMMIT")
	if err := t.send(b); err != nil {
		// A statement before COMMIT failed and left the transaction
		// aborted: roll it back so the connection goes back to the
		// pool instead of being closed (after a failed COMMIT the
		// ROLLBACK only draws a warning).
		t.discard()
		return err
	}
	t.done = true
	t.release()
	return nil
}

func (t *pgTxn) discard() {
	if t.c == nil {
		return
	}
	if !t.done {
		t.done = true
		// An aborted or open transaction is rolled back; a connection
		// that cannot is closed (the pool drops it on release). One
		// that never sent BEGIN has nothing to roll back.
		if !t.started {
			t.release()
			return
		}
		if _, err := t.c.Exec(context.Background(), "ROLLBACK"); err != nil {
			_ = t.c.Conn().Close(context.Background())
		}
	}
	t.release()
}

func (t *pgTxn) release() {
	if t.c != nil {
		t.c.Release()
		t.c = nil
	}
}

// iterate walks keys a page at a time (keyset pagination: each query
// continues after the last key of the one before), so memory stays
// bounded. Pending writes are sent first so the walk sees them; writes
// made while walking may be seen by later pages (Badger's iterators do
// not see them; no caller relies on either).
func (t *pgTxn) iterate(o IterOptions) Iterator {
	it := &pgIter{t: t, keysOnly: o.KeysOnly, reverse: o.Reverse}
	if it.err = t.usable(); it.err != nil {
		return it
	}
	// Sends the pending writes, and BEGIN if not sent yet.
	if it.err = t.flush(); it.err != nil {
		return it
	}
	seek, end := iterBounds(o)
	if !o.Reverse {
		it.lo, it.loIncl, it.hi = seek, true, end
	} else {
		it.lo, it.loIncl = o.Prefix, true
		if o.Prefix == nil {
			it.lo = nil
		}
		it.hi, it.hiIncl = seek, !(seek != nil && end != nil && bytes.Equal(seek, end))
	}
	it.fetch()
	return it
}

// pgIter holds one page of rows and the bounds of the rest of the walk.
type pgIter struct {
	t        *pgTxn
	keysOnly bool
	reverse  bool
	lo, hi   []byte // nil: unbounded
	loIncl   bool
	hiIncl   bool
	rows     []pgRow
	more     bool
	err      error
	closed   bool
}

type pgRow struct{ k, v []byte }

func (i *pgIter) fetch() {
	var q strings.Builder
	q.WriteString("SELECT k")
	if !i.keysOnly {
		q.WriteString(", v")
	}
	q.WriteString(" FROM fiskaldesk_kv WHERE true")
	var args []any
	if i.lo != nil {
		args = append(args, i.lo)
		fmt.Fprintf(&q, " AND k %s $%d", map[bool]string{true: ">=", false: ">"}[i.loIncl], len(args))
	}
	if i.hi != nil {
		args = append(args, i.hi)
		fmt.Fprintf(&q, " AND k %s $%d", map[bool]string{true: "<=", false: "<"}[i.hiIncl], len(args))
	}
	if i.reverse {
		q.WriteString(" ORDER BY k DESC")
	} else {
		q.WriteString(" ORDER BY k")
	}
	fmt.Fprintf(&q, " LIMIT %d", pgPage)
	rows, err := i.t.c.Query(i.t.ctx, q.String(), args...)
	if err != nil {
		i.err = i.t.fail(err)
		return
	}
	i.rows = i.rows[:0]
	for rows.Next() {
		var r pgRow
		if i.keysOnly {
			err = rows.Scan(&r.k)
		} else {
			err = rows.Scan(&r.k, &r.v)
		}
		if err != nil {
			break
		}
		i.rows = append(i.rows, r)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		i.err = i.t.fail(err)
		i.rows = nil
		return
	}
	i.more = len(i.rows) == pgPage
}

func (i *pgIter) Valid() bool { return !i.closed && i.err == nil && len(i.rows) > 0 }
func (i *pgIter) Key() []byte { return i.rows[0].k }

func (i *pgIter) Value() ([]byte, error) {
	if i.keysOnly {
		return i.t.get(i.rows[0].k)
	}
	return bytes.Clone(i.rows[0].v), nil
}

func (i *pgIter) Next() {
	if len(i.rows) == 0 {
		return
	}
	last := i.rows[0].k
	i.rows = i.rows[1:]
	if len(i.rows) == 0 && i.more {
		if i.reverse {
			i.hi, i.hiIncl = last, false
		} else {
			i.lo, i.loIncl = last, false
		}
		i.fetch()
	}
}

func (i *pgIter) Close() { i.closed = true }

// failed is the error that ended the transaction early, if any.
func (t *pgTxn) failed() error { return t.err }

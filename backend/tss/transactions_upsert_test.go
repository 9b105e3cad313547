package tss

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// The steps of Upsert, one by one, then Upsert on the in-memory store.

func TestTransition(t *testing.T) {
	active := &txHead{V: 1, ID: "tx", Number: 4, State: TxActive, ClientID: "c1", LatestRevision: 2, TimeStart: 100}
	typed := &txHead{V: 1, ID: "tx", Number: 4, State: TxActive, ClientID: "c1", LatestRevision: 1, TimeStart: 100,
		ProcessType: tse.TypeReceipt, ProcessData: []byte("Beleg^1")}
	other := &txHead{V: 1, ID: "tx", Number: 4, State: TxActive, LatestRevision: 1, ProcessType: "SonstigerVorgang", ProcessData: []byte("x")}
	finished := &txHead{V: 1, ID: "tx", Number: 4, State: TxFinished, LatestRevision: 3}
	cases := []struct {
		name    string
		head    *txHead
		rev     uint32
		state   string
		pType   string
		active  uint32
		wantOp  string
		wantErr error  // errors.Is
		errText string // for UpsertError
		check   func(t *testing.T, next *txHead)
	}{
		{name: "start", rev: 1, state: TxActive, wantOp: tse.OpStart, check: func(t *testing.T, n *txHead) {
			if n.State != TxActive || n.TimeStart != 500 || n.ID != "tx" || n.Number != 0 || n.LatestRevision != 0 {
				t.Errorf("started %+v", n)
			}
		}},
		{name: "start without revision", rev: 0, state: TxActive, wantOp: tse.OpStart},
		{name: "start with revision 2", rev: 2, state: TxActive, errText: "start it with tx_revision=1"},
		{name: "start finished", rev: 1, state: TxFinished, errText: "starts in state ACTIVE"},
		{name: "start over the ACTIVE limit", rev: 1, state: TxActive, active: MaxActiveTransactions, wantErr: ErrTxLimit},
		{name: "start just under the limit", rev: 1, state: TxActive, active: MaxActiveTransactions - 1, wantOp: tse.OpStart},
		{name: "start with a receipt", rev: 1, state: TxActive, pType: tse.TypeReceipt, wantOp: tse.OpStart, check: func(t *testing.T, n *txHead) {
			if n.ProcessType != tse.TypeReceipt || string(n.ProcessData) != "pdata" {
				t.Errorf("process %q %q", n.ProcessType, n.ProcessData)
			}
		}},
		{name: "update", head: active, rev: 3, state: TxActive, wantOp: tse.OpUpdate, check: func(t *testing.T, n *txHead) {
			if n == active || n.Number != 4 || n.ClientID != "c1" {
				t.Errorf("update must copy the stored record: %+v", n)
			}
		}},
		{name: "update without revision", head: active, rev: 0, state: TxActive, wantOp: tse.OpUpdate},
		{name: "update skipping a revision", head: active, rev: 4, state: TxActive, errText: "tx_revision must be 3"},
		{name: "finish", head: typed, rev: 2, state: TxFinished, wantOp: tse.OpFinish, check: func(t *testing.T, n *txHead) {
			if n.State != TxFinished || n.TimeEnd != 500 || string(n.ProcessData) != "Beleg^1" {
				t.Errorf("finished %+v", n)
			}
		}},
		{name: "finish without any process type", head: active, rev: 3, state: TxFinished, wantErr: ErrTxNoType},
		{name: "change of process type", head: other, rev: 2, state: TxActive, pType: tse.TypeReceipt, wantErr: ErrTxIllegalTypeChange},
		{name: "cancel records the abort", head: typed, rev: 2, state: TxCancelled, wantOp: tse.OpFinish, check: func(t *testing.T, n *txHead) {
			if n.ProcessType != tse.TypeReceipt || string(n.ProcessData) != tse.AbortData || n.State != TxCancelled {
				t.Errorf("cancelled %+v", n)
			}
		}},
		{name: "cancel of another process keeps it", head: other, rev: 2, state: TxCancelled, wantOp: tse.OpFinish, check: func(t *testing.T, n *txHead) {
			if n.ProcessType != "SonstigerVorgang" || string(n.ProcessData) != "x" {
				t.Errorf("cancelled %+v", n)
			}
		}},
		{name: "cancel with its own data", head: typed, rev: 2, state: TxCancelled, pType: tse.TypeReceipt, wantOp: tse.OpFinish, check: func(t *testing.T, n *txHead) {
			if string(n.ProcessData) != "pdata" {
				t.Errorf("cancel data %q", n.ProcessData)
			}
		}},
		{name: "revision of a finished one", head: finished, rev: 4, state: TxActive, errText: "transaction is FINISHED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := &txUpsert{tssID: "t", txID: "tx", rev: c.rev, req: TxRequest{State: c.state, ClientID: "c2"}, pType: c.pType, head: c.head}
			if c.pType != "" {
				u.pData = []byte("pdata")
			}
			var before txHead
			if c.head != nil {
				before = *c.head
			}
			op, next, err := u.transition(counters{Active: c.active}, 500)
			switch {
			case c.errText != "":
				var ue *UpsertError
				if !errors.As(err, &ue) || !strings.Contains(ue.Msg, c.errText) {
					t.Fatalf("err %v, want UpsertError with %q", err, c.errText)
				}
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
			default:
				if err != nil || op != c.wantOp {
					t.Fatalf("op %q err %v, want %q", op, err, c.wantOp)
				}
				if c.check != nil {
					c.check(t, next)
				}
			}
			if c.head != nil && (c.head.State != before.State || c.head.ProcessType != before.ProcessType || c.head.TimeEnd != before.TimeEnd) {
				t.Fatal("transition changed the stored record")
			}
		})
	}
}

func TestCountStep(t *testing.T) {
	cases := []struct {
		op       string
		final    bool
		from     counters
		want     counters
		wantNumb uint64
	}{
		{tse.OpStart, false, counters{Sig: 9, Tx: 4, Active: 1}, counters{Sig: 9, Tx: 5, Active: 2}, 5},
		{tse.OpUpdate, false, counters{Tx: 4, Active: 1}, counters{Tx: 4, Active: 1}, 0},
		{tse.OpFinish, true, counters{Tx: 4, Active: 1}, counters{Tx: 4, Active: 0}, 0},
	}
	for _, c := range cases {
		got := c.from
		if n := countStep(&got, c.op, c.final); n != c.wantNumb || got != c.want {
			t.Errorf("%s final=%v: number %d counters %+v, want %d %+v", c.op, c.final, n, got, c.wantNumb, c.want)
		}
	}
}

func TestSigned(t *testing.T) {
	h := &txHead{LatestRevision: 0}
	signed(h, tse.OpStart, 7)
	signed(h, tse.OpUpdate, 8)
	signed(h, tse.OpFinish, 9)
	if h.StartCounter != 7 || h.EndCounter != 9 || h.LatestRevision != 3 {
		t.Fatalf("%+v", h)
	}
}

func TestIndexes(t *testing.T) {
	type want struct {
		sets, dels []string
		counts     map[string]int64
	}
	num := func(p []byte) string { return string(p) }
	cases := []struct {
		name    string
		indexed bool
		head    *txHead // stored before; nil = start
		state   string
		client  string
		want    want
	}{
		{"start, indexed", true, nil, TxActive, "c1", want{
			sets:   []string{num(store.TxNumKey("t", 5)), num(store.TxActiveKey("t", "tx")), num(store.TxClientKey("t", "c1", 5))},
			counts: map[string]int64{string(store.TxCountKey("t", "c1", TxActive)): 1}}},
		{"start, not indexed", false, nil, TxActive, "c1", want{
			sets: []string{num(store.TxNumKey("t", 5)), num(store.TxActiveKey("t", "tx"))}}},
		{"update by the same client", true, &txHead{Number: 5, State: TxActive, ClientID: "c1"}, TxActive, "c1", want{}},
		{"update by another client", true, &txHead{Number: 5, State: TxActive, ClientID: "c1"}, TxActive, "c2", want{
			sets: []string{num(store.TxClientKey("t", "c2", 5))}, dels: []string{num(store.TxClientKey("t", "c1", 5))},
			counts: map[string]int64{string(store.TxCountKey("t", "c1", TxActive)): -1, string(store.TxCountKey("t", "c2", TxActive)): 1}}},
		{"finish", true, &txHead{Number: 5, State: TxActive, ClientID: "c1"}, TxFinished, "c1", want{
			sets: []string{num(store.TxEndKey("t", TxFinished, 5))}, dels: []string{num(store.TxActiveKey("t", "tx"))},
			counts: map[string]int64{string(store.TxCountKey("t", "c1", TxActive)): -1, string(store.TxCountKey("t", "c1", TxFinished)): 1}}},
		{"cancel, not indexed", false, &txHead{Number: 5, State: TxActive, ClientID: "c1"}, TxCancelled, "c1", want{
			dels: []string{num(store.TxActiveKey("t", "tx"))}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &write{t: &TSS{ID: "t", Indexed: c.indexed}, sets: map[string][]byte{}}
			u := &txUpsert{tssID: "t", txID: "tx", req: TxRequest{State: c.state, ClientID: c.client}, head: c.head}
			next := &txHead{Number: 5, State: c.state}
			if c.head != nil {
				u.wasClient, u.wasState = c.head.ClientID, c.head.State
				next.ClientID = c.head.ClientID
			}
			u.indexes(w, next)
			var sets, dels []string
			for k, v := range w.sets {
				sets = append(sets, k)
				if strings.HasPrefix(k, "tx-num/") || strings.HasPrefix(k, "tx-end/") || strings.HasPrefix(k, "tx-client/") {
					if string(v) != "tx" {
						t.Errorf("%q points to %q", k, v)
					}
				}
			}
			for _, k := range w.dels {
				dels = append(dels, string(k))
			}
			slices.Sort(sets)
			slices.Sort(dels)
			slices.Sort(c.want.sets)
			slices.Sort(c.want.dels)
			if !slices.Equal(sets, c.want.sets) || !slices.Equal(dels, c.want.dels) {
				t.Fatalf("sets %q dels %q, want %q %q", sets, dels, c.want.sets, c.want.dels)
			}
			if len(w.counts) != len(c.want.counts) {
				t.Fatalf("counts %v, want %v", w.counts, c.want.counts)
			}
			for k, n := range c.want.counts {
				if w.counts[k] != n {
					t.Fatalf("counts %v, want %v", w.counts, c.want.counts)
				}
			}
		})
	}
}

func TestReplayed(t *testing.T) {
	stored := &txRevision{V: 1, RequestHash: "h1", View: TxView{ID: "tx", Revision: 2, LatestRevision: 2, State: TxActive}}
	u := &txUpsert{hash: "h1", head: &txHead{LatestRevision: 5}, replay: stored}
	v, err := u.replayed()
	if err != nil || v.Revision != 2 || v.LatestRevision != 5 || stored.View.LatestRevision != 2 {
		t.Fatalf("same request: %+v %v (stored answer must stay as signed)", v, err)
	}
	u.hash = "h2"
	if v, err := u.replayed(); v != nil || !errors.Is(err, ErrTxConflict) || !strings.Contains(err.Error(), "latest_revision is 5") {
		t.Fatalf("other request: %v %v", v, err)
	}
	if v, err := (&txUpsert{}).replayed(); v != nil || err != nil {
		t.Fatalf("no repeat: %v %v", v, err)
	}
}

func TestNewTxUpsertValidates(t *testing.T) {
	cases := []struct {
		req   TxRequest
		field string
	}{
		{TxRequest{State: "OPEN", ClientID: "c"}, "state"},
		{TxRequest{State: TxActive}, "client_id"},
		{TxRequest{State: TxActive, ClientID: "c", Schema: []byte(`{"standard_v1":`)}, "schema"},
		{TxRequest{State: TxActive, ClientID: "c", Metadata: map[string]string{strings.Repeat("k", 41): "v"}}, "metadata"},
	}
	for _, c := range cases {
		_, err := newTxUpsert("t", "tx", 1, c.req)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, c.field) {
			t.Errorf("%+v: %v, want a validation error on %s", c.req, err, c.field)
		}
	}
	// Whitespace in the schema does not change the request's identity.
	a, err := newTxUpsert("t", "tx", 1, TxRequest{State: TxActive, ClientID: "c", Schema: receipt("1.00")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := newTxUpsert("t", "tx", 1, TxRequest{State: TxActive, ClientID: "c", Schema: append([]byte("  "), receipt("1.00")...)})
	if err != nil || a.hash != b.hash || a.pType != tse.TypeReceipt {
		t.Fatalf("hashes %s %s, type %q, %v", a.hash, b.hash, a.pType, err)
	}
	c, _ := newTxUpsert("t", "tx", 1, TxRequest{State: TxActive, ClientID: "c", Schema: receipt("2.00")})
	if c.hash == a.hash {
		t.Fatal("different schemas hash alike")
	}
}

func TestUpsertOnTheMemoryStore(t *testing.T) {
	f := newFixture(t)
	const tssID, tx = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	f.initialized(tssID)
	f.client(tssID, "c1", "kasse-1")
	f.client(tssID, "c2", "kasse-2")
	before := f.counters(tssID)

	start, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 1, TxRequest{State: TxActive, ClientID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if start.Number != 1 || start.Revision != 1 || start.Signature.Counter != before.Sig+1 || start.Log.Operation != "Start" || start.QRCodeData != "" {
		t.Fatalf("start %+v", start)
	}
	if l := f.log(tssID, start.Signature.Counter); !l.Type.Equal(tse.OIDTransactionLog) {
		t.Fatalf("start log type %v", l.Type)
	}
	// A repeat answers the stored revision and signs nothing.
	again, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 1, TxRequest{State: TxActive, ClientID: "c1"})
	if err != nil || again.Signature != start.Signature || f.counters(tssID).Sig != start.Signature.Counter {
		t.Fatalf("repeat %+v %v", again, err)
	}
	if _, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 1, TxRequest{State: TxActive, ClientID: "c2"}); !errors.Is(err, ErrTxConflict) {
		t.Fatalf("revision 1 with another request: %v", err)
	}
	// Revision 2 moves the transaction to client c2.
	upd, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 2, TxRequest{State: TxActive, ClientID: "c2", Schema: receipt("12.97")})
	if err != nil || upd.Log.Operation != "Update" || upd.ClientSerialNumber != "kasse-2" {
		t.Fatalf("update %+v %v", upd, err)
	}
	fin, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 3, TxRequest{State: TxFinished, ClientID: "c2", Schema: receipt("12.97")})
	if err != nil {
		t.Fatal(err)
	}
	if fin.State != TxFinished || fin.Log.Operation != "Finish" || fin.QRCodeData == "" || fin.TimeEnd != f.now.Unix() {
		t.Fatalf("finish %+v", fin)
	}
	f.log(tssID, fin.Signature.Counter)
	ctr := f.counters(tssID)
	if ctr.Tx != 1 || ctr.Active != 0 || ctr.Sig != before.Sig+3 {
		t.Fatalf("counters %+v (before %+v)", ctr, before)
	}
	// The indexes and counts a list reads.
	if !f.exists(store.TxEndKey(tssID, TxFinished, 1)) || f.exists(store.TxActiveKey(tssID, tx)) ||
		!f.exists(store.TxClientKey(tssID, "c2", 1)) || f.exists(store.TxClientKey(tssID, "c1", 1)) {
		t.Fatal("indexes after the finish")
	}
	for _, c := range []struct {
		client, state string
		n             uint64
	}{{"c1", TxActive, 0}, {"c2", TxActive, 0}, {"c2", TxFinished, 1}} {
		if got := f.u64(store.TxCountKey(tssID, c.client, c.state)); got != c.n {
			t.Errorf("tx-count %s %s = %d, want %d", c.client, c.state, got, c.n)
		}
	}
	// A retried finish without revision answers again; a further revision is refused.
	if v, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 0, TxRequest{State: TxFinished, ClientID: "c2", Schema: receipt("12.97")}); err != nil || v.Signature != fin.Signature {
		t.Fatalf("retried finish %+v %v", v, err)
	}
	var ue *UpsertError
	if _, err := f.svc.Upsert(f.ctx, f.c, tssID, tx, 4, TxRequest{State: TxActive, ClientID: "c2"}); !errors.As(err, &ue) {
		t.Fatalf("revision after the finish: %v", err)
	}
	// The stored revisions read back as answered.
	got, err := f.svc.GetTx(f.c, tssID, "1", 2)
	if err != nil || got.Signature != upd.Signature || got.LatestRevision != 3 {
		t.Fatalf("revision 2 by number: %+v %v", got, err)
	}
}

func TestUpsertRefusals(t *testing.T) {
	f := newFixture(t)
	const tssID, other = "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"
	f.initialized(tssID)
	f.initialized(other)
	f.client(tssID, "c1", "kasse-1")
	f.client(other, "c9", "kasse-9")
	cases := []struct {
		name string
		tss  string
		req  TxRequest
		want error
	}{
		{"unknown client", tssID, TxRequest{State: TxActive, ClientID: "nope"}, ErrClientNotFound},
		{"client of another TSS", tssID, TxRequest{State: TxActive, ClientID: "c9"}, ErrClientNotFound},
		{"unknown TSS", "55555555-5555-4555-8555-555555555555", TxRequest{State: TxActive, ClientID: "c1"}, ErrTSSNotFound},
	}
	for _, c := range cases {
		if _, err := f.svc.Upsert(f.ctx, f.c, c.tss, "tx-1", 1, c.req); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	before := f.counters(tssID)
	if _, err := f.svc.UpdateClient(f.ctx, f.c, tssID, "c1", ClientDeregistered, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Upsert(f.ctx, f.c, tssID, "tx-1", 1, TxRequest{State: TxActive, ClientID: "c1"}); !errors.Is(err, ErrClientDeregistered) {
		t.Fatalf("deregistered client: %v", err)
	}
	if after := f.counters(tssID); after.Tx != before.Tx || after.Active != before.Active {
		t.Fatalf("a refused start moved the counters: %+v → %+v", before, after)
	}
}

// The revision stored around the answer's encoding is byte for byte what
// encoding the record would give: the stored format did not change.
func TestRevisionJSONEqualsMarshal(t *testing.T) {
	v := TxView{ID: "tx", Type: "TRANSACTION", Env: "TEST", State: TxFinished, Number: 7, Revision: 2, LatestRevision: 2,
		Schema: json.RawMessage(`{"standard_v1":{"receipt":{"receipt_type":"RECEIPT"}}}`), Metadata: map[string]string{"a": "<b>"},
		QRCodeData: "V0;Kasse;Kassenbeleg-V1;Beleg^0.00_0.00_0.00_0.00_0.00^;7;8;2026-12-01T10:00:00.000Z;…",
		Signature:  TxSignature{Value: "c2ln", Algorithm: "ecdsa-plain-SHA256", Counter: 8, PublicKey: "cHVi"}}
	vb, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(txRevision{V: 1, View: v, RequestHash: "ab12", LogCounter: 8})
	if err != nil {
		t.Fatal(err)
	}
	if got := revisionJSON(vb, "ab12", 8); string(got) != string(want) {
		t.Fatalf("revisionJSON\n%s\nwant\n%s", got, want)
	}
}

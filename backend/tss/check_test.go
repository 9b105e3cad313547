package tss

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// CheckStore (fiskaldesk doctor) on a healthy TSS and on one damaged in
// each way it names, the seeding of receipts, and the small lookups
// around a TSS (OrgOf, SyncedBy, CheckSealer).

var errRollback = errors.New("rollback")

// checkTSS makes an indexed TSS with two clients (one deregistered) and
// transactions in every state.
func (f *fixture) checkTSS(id string) {
	f.t.Helper()
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	f.client(id, "c2", "kasse-2")
	for i, end := range []string{TxFinished, TxCancelled, "", TxFinished} {
		tx := fmt.Sprint("tx-", i)
		if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 1, TxRequest{State: TxActive, ClientID: "c1"}); err != nil {
			f.t.Fatal(err)
		}
		if end != "" {
			if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 2, TxRequest{State: end, ClientID: "c1", Schema: receipt("1.00")}); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c2", ClientDeregistered, nil); err != nil {
		f.t.Fatal(err)
	}
}

func TestCheckStoreFindsEachDamage(t *testing.T) {
	f := newFixture(t)
	const id = "91000000-0000-4000-8000-000000000000"
	f.checkTSS(id)
	ctr := f.counters(id)
	var number = func(tx string) uint64 {
		v, err := f.svc.GetTx(f.c, id, tx, 0)
		if err != nil {
			t.Fatal(err)
		}
		return v.Number
	}
	n0, n2 := number("tx-0"), number("tx-2")
	// Healthy: no problem, and the summary counts what is there.
	var problems []string
	err := f.st.View(func(txn store.Tx) error {
		sum, err := CheckStore(txn, func(p string) { problems = append(problems, p) })
		if sum.TSS != 1 || sum.Logs != ctr.Sig || sum.Transactions != 4 {
			t.Errorf("summary %+v, counters %+v", sum, ctr)
		}
		return err
	})
	if err != nil || len(problems) != 0 {
		t.Fatalf("healthy TSS: %v %q", err, problems)
	}
	cases := []struct {
		name   string
		damage func(txn store.Tx) error
		want   []string // parts of the problems reported, in order
	}{
		{"a log in the middle gone", func(txn store.Tx) error { return txn.Delete(store.LogKey(id, 3)) },
			[]string{"log 4 follows log 2: 1 missing"}},
		{"the last log gone", func(txn store.Tx) error { return txn.Delete(store.LogKey(id, ctr.Sig)) },
			[]string{fmt.Sprintf("signature counter %d, last log %d", ctr.Sig, ctr.Sig-1)}},
		{"the signature counter behind", func(txn store.Tx) error {
			c := ctr
			c.Sig--
			return store.PutTSSCounters(txn, id, c)
		}, []string{fmt.Sprintf("signature counter %d, last log %d", ctr.Sig-1, ctr.Sig)}},
		{"a transaction number gone", func(txn store.Tx) error { return txn.Delete(store.TxNumKey(id, n0)) },
			[]string{"transaction number 2 follows 0", "(number 1) is not under its number"}},
		{"a revision gone", func(txn store.Tx) error { return txn.Delete(store.TxRevKey(id, "tx-0", 2)) },
			[]string{"transaction tx-0 lacks revision 2 of 2"}},
		{"an ACTIVE transaction not indexed", func(txn store.Tx) error { return txn.Delete(store.TxActiveKey(id, "tx-2")) },
			[]string{"transaction tx-2 is ACTIVE but not in the ACTIVE index"}},
		{"a finished transaction in the ACTIVE index", func(txn store.Tx) error { return txn.Set(store.TxActiveKey(id, "tx-0"), nil) },
			[]string{"transaction tx-0 is FINISHED but in the ACTIVE index"}},
		{"the ACTIVE counter off", func(txn store.Tx) error {
			c := ctr
			c.Active = 0
			return store.PutTSSCounters(txn, id, c)
		}, []string{"0 ACTIVE transactions counted, 1 there"}},
		{"a transaction gone", func(txn store.Tx) error { return txn.Delete(store.TxKey(id, "tx-3")) },
			[]string{"transaction counter 4, 3 transactions", "count of client c1 in FINISHED: 2, there are 1"}},
		{"missing from the state index", func(txn store.Tx) error { return txn.Delete(store.TxEndKey(id, TxFinished, n0)) },
			[]string{fmt.Sprintf("transaction %d is missing from the FINISHED index", n0)}},
		{"missing from the client index", func(txn store.Tx) error { return txn.Delete(store.TxClientKey(id, "c1", n2)) },
			[]string{fmt.Sprintf("transaction %d is missing from its client's index", n2)}},
		{"a wrong per-client count", func(txn store.Tx) error { return store.PutU64(txn, store.TxCountKey(id, "c1", TxFinished), 5) },
			[]string{"count of client c1 in FINISHED: 5, there are 2"}},
		{"a client record gone", func(txn store.Tx) error { return txn.Delete(store.ClientKey("c2")) },
			[]string{"client c2 of the index is gone"}},
		{"a client counted twice", func(txn store.Tx) error {
			c := ctr
			c.Client++
			return store.PutTSSCounters(txn, id, c)
		}, []string{"2 registered clients counted, 1 there"}},
		{"not in its organization's index", func(txn store.Tx) error { return txn.Delete(store.OrgTSSKey(f.org, id)) },
			[]string{"missing from the index of organization " + f.org}},
		{"its organization's index out of step", func(txn store.Tx) error { return store.PutOrgTSS(txn, f.org, id, "LIVE", StateDisabled) },
			[]string{"the index of organization " + f.org + " says LIVE DISABLED, the record TEST INITIALIZED"}},
		// An index written before store format 4 (by a peer of that age) says nothing: no problem.
		{"an index from before format 4", func(txn store.Tx) error { return txn.Set(store.OrgTSSKey(f.org, id), nil) }, nil},
	}
	for _, c := range cases {
		var got []string
		err := f.st.Update(f.ctx, func(txn store.Tx) error {
			if err := c.damage(txn); err != nil {
				return err
			}
			if _, err := CheckStore(txn, func(p string) { got = append(got, p) }); err != nil {
				return err
			}
			return errRollback // the damage never reaches the store
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(got[i], "TSS "+id+": ") || !strings.Contains(got[i], w) {
				t.Errorf("%s: problem %d %q, want %q", c.name, i, got[i], w)
			}
		}
	}
	// Every damage was rolled back.
	problems = nil
	_ = f.st.View(func(txn store.Tx) error {
		_, err := CheckStore(txn, func(p string) { problems = append(problems, p) })
		return err
	})
	if len(problems) != 0 {
		t.Fatalf("after the rollbacks: %q", problems)
	}
}

func TestSeedWritesWhatTheAPIWould(t *testing.T) {
	f := newFixture(t)
	const id = "92000000-0000-4000-8000-000000000000"
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	api := f.svc
	if _, err := api.Upsert(f.ctx, f.c, id, "api-tx", 1, TxRequest{State: TxActive, ClientID: "c1"}); err != nil {
		t.Fatal(err)
	}
	apiFin, err := api.Upsert(f.ctx, f.c, id, "api-tx", 2, TxRequest{State: TxFinished, ClientID: "c1", Schema: seedReceipt})
	if err != nil {
		t.Fatal(err)
	}
	before := f.counters(id)
	var progress []int
	if err := f.svc.Seed(f.ctx, f.c, id, "c1", 2*SeedBatch+50, func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, []int{SeedBatch, 2 * SeedBatch, 2*SeedBatch + 50}) {
		t.Fatalf("progress %v", progress)
	}
	after := f.counters(id)
	if after.Tx != before.Tx+450 || after.Sig != before.Sig+900 || after.Active != before.Active {
		t.Fatalf("counters %+v → %+v", before, after)
	}
	// The store is consistent, indexes and per-client counts included.
	var problems []string
	if err := f.st.View(func(txn store.Tx) error {
		_, err := CheckStore(txn, func(p string) { problems = append(problems, p) })
		return err
	}); err != nil || len(problems) != 0 {
		t.Fatalf("%v %q", err, problems)
	}
	// A seeded receipt reads like the API's: same shape, own signature,
	// logs that verify with the certificate's key.
	last, err := f.svc.GetTx(f.c, id, fmt.Sprint(after.Tx), 0)
	if err != nil {
		t.Fatal(err)
	}
	if last.State != TxFinished || last.Revision != 2 || last.ClientSerialNumber != "kasse-1" || last.Type != apiFin.Type || last.Signature.Algorithm != apiFin.Signature.Algorithm ||
		last.Signature.PublicKey != apiFin.Signature.PublicKey || last.Signature.Counter != after.Sig || !bytes.Equal(last.Schema, apiFin.Schema) {
		t.Fatalf("seeded %+v\napi %+v", last, apiFin)
	}
	qs, _ := tse.SplitQRCodeData(last.QRCodeData)
	qa, _ := tse.SplitQRCodeData(apiFin.QRCodeData)
	if len(qs) != 12 || qs[2] != qa[2] || qs[3] != qa[3] || qs[4] != fmt.Sprint(after.Tx) {
		t.Fatalf("QR %q vs %q", qs, qa)
	}
	fin := f.log(id, last.Signature.Counter)
	start := f.log(id, last.Signature.Counter-1)
	if string(fin.Field(0)) != tse.OpFinish || string(start.Field(0)) != tse.OpStart || fin.TxNumber().Uint64() != after.Tx || string(fin.Field(2)) != qa[3] {
		t.Fatalf("logs %q %q", start.Field(0), fin.Field(0))
	}
	list, n, err := f.svc.ListTx(f.ctx, f.c, id, TxFilter{ListFilter: ListFilter{States: []string{TxFinished}, Limit: 5, Desc: true}, ClientID: "c1"})
	if err != nil || n != 451 || len(list) != 5 || list[0].Number != after.Tx {
		t.Fatalf("list %d %v", n, err)
	}
	// Refusals: nothing written.
	if err := f.svc.Seed(f.ctx, f.c, id, "nope", 3, nil); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	created := f.tssIn(StateCreated, 93)
	if err := f.svc.Seed(f.ctx, f.c, created, "c1", 3, nil); !errors.Is(err, ErrTSSNotInitialized) {
		t.Fatalf("CREATED TSS: %v", err)
	}
	if err := f.svc.Seed(f.ctx, f.c, id, "c1", 0, func(int) { t.Fatal("progress for nothing") }); err != nil {
		t.Fatal(err)
	}
	if f.counters(id) != after {
		t.Fatal("a refused seed wrote")
	}
}

func TestOrgOfSyncedByAndSealer(t *testing.T) {
	f := newFixture(t)
	if sealed, err := f.svc.CheckSealer(); sealed || err != nil {
		t.Fatalf("fresh store: %v %v", sealed, err)
	}
	const id = "94000000-0000-4000-8000-000000000000"
	f.initialized(id)
	for _, c := range []struct{ likely, want string }{{f.org, f.org}, {"", f.org}, {"another-org", f.org}} {
		if got, err := f.svc.OrgOf(id, c.likely); err != nil || got != c.want {
			t.Errorf("OrgOf(%q) = %q %v", c.likely, got, err)
		}
	}
	if got, err := f.svc.OrgOf("94000000-0000-4000-8000-0000000000ff", f.org); err != nil || got != "" {
		t.Fatalf("unknown TSS: %q %v", got, err)
	}
	// The sealer that made the CA opens it; another does not.
	if sealed, err := f.svc.CheckSealer(); !sealed || err != nil {
		t.Fatalf("own sealer: %v %v", sealed, err)
	}
	other, err := secret.NewSealer(bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if sealed, err := NewService(f.st, f.svc.orgs, other).CheckSealer(); !sealed || !errors.Is(err, ErrSealer) {
		t.Fatalf("foreign sealer: %v %v", sealed, err)
	}
	// SyncedBy lists the TSS a workstation signs, with its counters.
	if got, err := f.svc.SyncedBy("aa"); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("no synced TSS: %v %v", got, err)
	}
	f.client(id, "c1", "kasse-1")
	instance := []byte{0xaa, 0xbb}
	if err := f.st.Update(f.ctx, func(txn store.Tx) error { return txn.Set(store.SyncOwnerKey(id), instance) }); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.SyncedBy(hex.EncodeToString(instance))
	ctr := f.counters(id)
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].OrganizationName != "Test GmbH" || got[0].OrganizationID != f.org ||
		got[0].Signatures != ctr.Sig || got[0].Clients != 1 || got[0].State != StateInitialized || got[0].Signer != "aabb" {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := f.svc.SyncedBy("aabc"); len(got) != 0 {
		t.Fatalf("another instance sees %+v", got)
	}
}

package tss

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// txFact is what the test knows of a transaction it made.
type txFact struct {
	number uint64
	state  string
	client string
}

// listTSS makes a TSS with two clients and 40 transactions in every
// state, some moved between clients, and returns what it made.
func listTSS(t *testing.T, f *fixture, id string) []txFact {
	t.Helper()
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	f.client(id, "c2", "kasse-2")
	var facts []txFact
	for i := range 40 {
		tx := fmt.Sprintf("tx-%02d", i)
		client := []string{"c1", "c2"}[i%2]
		if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 1, TxRequest{State: TxActive, ClientID: client}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 { // moved to the other client by its second revision
			client = map[string]string{"c1": "c2", "c2": "c1"}[client]
			if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 2, TxRequest{State: TxActive, ClientID: client}); err != nil {
				t.Fatal(err)
			}
		}
		state := []string{TxFinished, TxFinished, TxCancelled, TxActive}[i%4]
		if state != TxActive {
			if _, err := f.svc.Upsert(f.ctx, f.c, id, tx, 0, TxRequest{State: state, ClientID: client, Schema: receipt("1.00")}); err != nil {
				t.Fatal(err)
			}
		}
		facts = append(facts, txFact{number: uint64(i + 1), state: state, client: client})
	}
	return facts
}

// TestListTxIndexesAgreeWithTheFacts compares every list path — by
// number, by state, by client, and the general scan of a TSS without the
// indexes — with what the test wrote, over a table of filters and pages.
func TestListTxIndexesAgreeWithTheFacts(t *testing.T) {
	f := newFixture(t)
	const id = "66666666-6666-4666-8666-666666666666"
	facts := listTSS(t, f, id)
	filters := []TxFilter{
		{},
		{ListFilter: ListFilter{States: []string{TxFinished}}},
		{ListFilter: ListFilter{States: []string{TxCancelled}}},
		{ListFilter: ListFilter{States: []string{TxActive}}},
		{ListFilter: ListFilter{States: []string{TxActive, TxCancelled}}},
		{ListFilter: ListFilter{States: []string{TxFinished, TxCancelled, TxActive}}},
		{ClientID: "c1"},
		{ClientID: "c2", ListFilter: ListFilter{States: []string{TxFinished}}},
		{ClientID: "c1", ListFilter: ListFilter{States: []string{TxActive, TxFinished}}},
	}
	pages := []struct{ limit, offset int }{{100, 0}, {7, 0}, {7, 7}, {5, 13}, {3, 38}, {10, 100}}
	check := func(t *testing.T, label string) {
		for _, base := range filters {
			for _, desc := range []bool{false, true} {
				for _, p := range pages {
					flt := base
					flt.Desc, flt.Limit, flt.Offset = desc, p.limit, p.offset
					got, total, err := f.svc.ListTx(context.Background(), f.c, id, flt)
					if err != nil {
						t.Fatalf("%s %+v: %v", label, flt, err)
					}
					var want []uint64
					for _, x := range facts {
						if (len(flt.States) == 0 || slices.Contains(flt.States, x.state)) && (flt.ClientID == "" || flt.ClientID == x.client) {
							want = append(want, x.number)
						}
					}
					if desc {
						slices.Reverse(want)
					}
					n := len(want)
					want = want[min(p.offset, n):min(p.offset+p.limit, n)]
					var nums []uint64
					for _, v := range got {
						nums = append(nums, v.Number)
						fact := facts[v.Number-1]
						if v.State != fact.state || v.ClientID != fact.client {
							t.Fatalf("%s %+v: tx %d shows %s/%s, is %s/%s", label, flt, v.Number, v.State, v.ClientID, fact.state, fact.client)
						}
					}
					if total != n || !slices.Equal(nums, want) {
						t.Fatalf("%s %+v: total %d %v, want %d %v", label, flt, total, nums, n, want)
					}
				}
			}
		}
	}
	t.Run("indexed", func(t *testing.T) { check(t, "indexed") })
	// The same TSS as one made before the indexes: the general path.
	err := f.st.Update(f.ctx, func(txn store.Tx) error {
		tss, err := store.GetJSON[TSS](txn, store.TSSKey(id))
		if err != nil {
			return err
		}
		tss.Indexed = false
		return store.PutJSON(txn, store.TSSKey(id), tss)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("scan", func(t *testing.T) { check(t, "scan") })
}

func TestListTxOtherOrdersAndScope(t *testing.T) {
	f := newFixture(t)
	const a, b = "77777777-7777-4777-8777-777777777777", "88888888-8888-4888-8888-888888888888"
	facts := listTSS(t, f, a)
	f.initialized(b)
	f.client(b, "cb", "kasse-b")
	if _, err := f.svc.Upsert(f.ctx, f.c, b, "tx-b", 1, TxRequest{State: TxActive, ClientID: "cb"}); err != nil {
		t.Fatal(err)
	}
	// Every TSS of the org: both TSS' transactions.
	all, total, err := f.svc.ListTx(f.ctx, f.c, "", TxFilter{ListFilter: ListFilter{Limit: 1000}})
	if err != nil || total != len(facts)+1 || len(all) != total {
		t.Fatalf("org-wide: %d of %d, %v", len(all), total, err)
	}
	// By state name, then number within the same state, TSS by TSS.
	byState, _, err := f.svc.ListTx(f.ctx, f.c, a, TxFilter{ListFilter: ListFilter{OrderBy: "state", Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(byState, func(x, y *TxView) int {
		if x.State != y.State {
			return map[bool]int{true: -1, false: 1}[x.State < y.State]
		}
		return int(x.Number) - int(y.Number)
	}) {
		t.Fatal("order_by=state not sorted by state, then number")
	}
	// A client of another TSS is not found; an unknown TSS neither.
	if _, _, err := f.svc.ListTx(f.ctx, f.c, a, TxFilter{ClientID: "cb", ListFilter: ListFilter{Limit: 10}}); err == nil {
		t.Fatal("client of another TSS accepted as filter")
	}
	if _, _, err := f.svc.ListTx(f.ctx, f.c, "99999999-9999-4999-8999-999999999999", TxFilter{ListFilter: ListFilter{Limit: 10}}); err == nil {
		t.Fatal("unknown TSS listed")
	}
	// Another org's caller sees nothing of these.
	other := f.c
	other.Viewer.Roots = map[string]org.Role{}
	if _, _, err := f.svc.ListTx(f.ctx, other, a, TxFilter{ListFilter: ListFilter{Limit: 10}}); err == nil {
		t.Fatal("a caller without the org listed its transactions")
	}
}

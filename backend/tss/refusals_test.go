package tss

import (
	"errors"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// What a TSS in each state, and a TSS synced from another instance,
// refuses — and that a refusal leaves the counters where they were.
func TestSigningRefusedByTSSState(t *testing.T) {
	f := newFixture(t)
	f.svc.TestTSSLimit = 0
	cases := []struct {
		state  string
		want   error
		upsert error // a TSS without clients answers for the client first
	}{
		{StateCreated, ErrTSSNotInitialized, ErrClientNotFound},
		{StateUninitialized, ErrTSSNotInitialized, ErrClientNotFound},
		{StateDisabled, ErrTSSDisabled, ErrTSSDisabled},
	}
	for i, c := range cases {
		id := f.tssIn(c.state, 102+i)
		client := "none"
		if c.state == StateDisabled { // registered while it was INITIALIZED
			id = f.tssIn(StateInitialized, 102+i+10)
			client = "c-disabled"
			f.client(id, client, "kasse-d")
			if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-open", 1, TxRequest{State: TxActive, ClientID: client}); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
				t.Fatal(err)
			}
			f.must(f.svc.Patch(f.ctx, f.c, id, StateDisabled, "", false, nil))
		}
		before := f.counters(id)
		if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-1", 1, TxRequest{State: TxActive, ClientID: client}); !errors.Is(err, c.upsert) {
			t.Errorf("%s: upsert %v, want %v", c.state, err, c.upsert)
		}
		if c.state == StateDisabled {
			// A repeat of a signed revision is still answered from the store.
			if v, err := f.svc.Upsert(f.ctx, f.c, id, "tx-open", 1, TxRequest{State: TxActive, ClientID: client}); err != nil || v.Revision != 1 {
				t.Errorf("replay on a disabled TSS: %+v %v", v, err)
			}
			// Not even an open transaction can be finished.
			if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-open", 2, TxRequest{State: TxFinished, ClientID: client, Schema: receipt("1.00")}); !errors.Is(err, ErrTSSDisabled) {
				t.Errorf("finish on a disabled TSS: %v", err)
			}
		}
		if _, err := f.svc.CreateClient(f.ctx, f.c, id, "c-"+c.state, "kasse-x", nil); !errors.Is(err, c.want) {
			t.Errorf("%s: client %v, want %v", c.state, err, c.want)
		}
		if after := f.counters(id); after != before {
			t.Errorf("%s: counters moved %+v → %+v", c.state, before, after)
		}
	}
	// A state a TSS cannot go to from where it is.
	for _, c := range []struct{ from, to string }{
		{StateCreated, StateInitialized}, {StateInitialized, StateUninitialized}, {StateDisabled, StateInitialized}, {StateInitialized, "BROKEN"},
	} {
		id := f.tssIn(c.from, 110+len(c.from)+len(c.to))
		if _, err := f.svc.Patch(f.ctx, f.c, id, c.to, "", false, nil); !errors.Is(err, ErrIllegalStateChange) {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
		}
	}
}

func TestSyncedTSSRefusesChanges(t *testing.T) {
	f := newFixture(t)
	const id = "a5000000-0000-4000-8000-000000000000"
	if _, err := f.svc.Create(f.ctx, f.c, id, nil); err != nil {
		t.Fatal(err)
	}
	// As sync leaves a TSS signed by a workstation on the central.
	if err := f.st.Update(f.ctx, func(txn store.Tx) error { return txn.Set(store.SyncOwnerKey(id), make([]byte, 16)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, f.c, id, nil); !errors.Is(err, ErrTSSForeign) {
		t.Fatalf("create again: %v", err)
	}
	if _, err := f.svc.Patch(f.ctx, f.c, id, StateUninitialized, "", false, nil); !errors.Is(err, ErrTSSForeign) {
		t.Fatalf("deploy: %v", err)
	}
	if _, err := f.svc.MergeMetadata(f.ctx, f.c, id, map[string]string{"a": "b"}); !errors.Is(err, ErrTSSForeign) {
		t.Fatalf("metadata: %v", err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); !errors.Is(err, ErrTSSForeign) {
		t.Fatalf("admin login: %v", err)
	}
	// Reading it is fine.
	if v, err := f.svc.Get(f.c, id); err != nil || v.State != StateCreated {
		t.Fatalf("read: %+v %v", v, err)
	}
	if c := f.counters(id); c.Sig != 0 {
		t.Fatalf("a foreign TSS was signed: %+v", c)
	}
}

package tss

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// tssIn makes a TSS in state, numbered n so that ids differ.
func (f *fixture) tssIn(state string, n int) string {
	f.t.Helper()
	id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", n)
	switch state {
	case StateCreated:
		if _, err := f.svc.Create(f.ctx, f.c, id, nil); err != nil {
			f.t.Fatal(err)
		}
	case StateUninitialized:
		v, err := f.svc.Create(f.ctx, f.c, id, nil)
		if err != nil {
			f.t.Fatal(err)
		}
		f.must(f.svc.Patch(f.ctx, f.c, id, StateUninitialized, "", false, nil))
		if err := f.svc.ChangePIN(f.ctx, f.c, id, v.AdminPUK, testPIN); err != nil {
			f.t.Fatal(err)
		}
	case StateInitialized:
		f.initialized(id)
	case StateDisabled:
		f.initialized(id)
		f.must(f.svc.Patch(f.ctx, f.c, id, StateDisabled, "", false, nil))
	}
	return id
}

func TestLifecycleTransitions(t *testing.T) {
	f := newFixture(t)
	f.svc.TestTSSLimit = 0
	states := []string{StateCreated, StateUninitialized, StateInitialized, StateDisabled}
	allowed := map[[2]string]bool{
		{StateCreated, StateUninitialized}:     true,
		{StateUninitialized, StateInitialized}: true,
		{StateUninitialized, StateDisabled}:    true,
		{StateInitialized, StateDisabled}:      true,
	}
	needsAdmin := map[string]bool{StateInitialized: true, StateDisabled: true}
	n := 0
	for _, from := range states {
		for _, to := range states {
			for _, admin := range []bool{false, true} {
				n++
				name := fmt.Sprintf("%s→%s admin=%v", from, to, admin)
				id := f.tssIn(from, n)
				c := f.c
				c.TokenID = "other-token" // not logged in as admin
				if admin {
					if from == StateCreated || from == StateDisabled {
						continue // no admin login possible there
					}
					if err := f.svc.AdminAuth(f.ctx, c, id, testPIN); err != nil {
						t.Fatalf("%s: login %v", name, err)
					}
				}
				before := f.counters(id)
				v, err := f.svc.Patch(f.ctx, c, id, to, "", false, nil)
				after := f.counters(id)
				switch {
				case from == to:
					if err != nil || v.State != from || after.Sig != before.Sig {
						t.Errorf("%s: same state must be a no-op: %v, signatures %d→%d", name, err, before.Sig, after.Sig)
					}
				case !allowed[[2]string{from, to}]:
					if !errors.Is(err, ErrIllegalStateChange) || after != before {
						t.Errorf("%s: %v, want ErrIllegalStateChange and nothing signed", name, err)
					}
				case needsAdmin[to] && !admin:
					if !errors.Is(err, ErrAdminRequired) || after != before {
						t.Errorf("%s: %v, want ErrAdminRequired and nothing signed", name, err)
					}
				default:
					if err != nil || v.State != to {
						t.Errorf("%s: %v %+v", name, err, v)
						continue
					}
					// A change signs its system log (with the audit logs the
					// cloud writes beside it), each one verifiable.
					if after.Sig <= before.Sig {
						t.Errorf("%s: nothing signed", name)
					}
					system := false
					for c := before.Sig + 1; c <= after.Sig; c++ {
						switch l := f.log(id, c); {
						case l.Type.Equal(tse.OIDSystemLog):
							system = true
						case !l.Type.Equal(tse.OIDAuditLog):
							t.Errorf("%s: log %d of type %v", name, c, l.Type)
						}
					}
					if !system {
						t.Errorf("%s: no system log signed", name)
					}
				}
			}
		}
	}
}

func TestCreateIsIdempotentWhileCreatedAndLimitsTEST(t *testing.T) {
	f := newFixture(t)
	f.svc.TestTSSLimit = 2
	const id = "10000000-0000-4000-8000-000000000000"
	first, err := f.svc.Create(f.ctx, f.c, id, map[string]string{"k": "v"})
	if err != nil || first.AdminPUK == "" || first.State != StateCreated {
		t.Fatalf("%+v %v", first, err)
	}
	again, err := f.svc.Create(f.ctx, f.c, id, nil)
	if err != nil || again.AdminPUK != first.AdminPUK || again.SerialNumber != first.SerialNumber {
		t.Fatalf("repeat while CREATED: %+v %v", again, err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, id, StateUninitialized, "", false, nil))
	if _, err := f.svc.Create(f.ctx, f.c, id, nil); !errors.Is(err, ErrTSSConflict) {
		t.Fatalf("repeat after deploy: %v", err)
	}
	second := f.tssIn(StateInitialized, 2)
	if _, err := f.svc.Create(f.ctx, f.c, "30000000-0000-4000-8000-000000000000", nil); !errors.Is(err, ErrTSSLimit) {
		t.Fatalf("third TEST TSS: %v", err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, second, StateDisabled, "", false, nil))
	if _, err := f.svc.Create(f.ctx, f.c, "30000000-0000-4000-8000-000000000000", nil); err != nil {
		t.Fatalf("a DISABLED TSS does not count: %v", err)
	}
}

func TestAdminPINAndPUK(t *testing.T) {
	f := newFixture(t)
	id := f.tssIn(StateUninitialized, 1)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, "wrong-puk", "654321"); !errors.Is(err, ErrPUKWrong) {
		t.Fatalf("wrong PUK: %v", err)
	}
	// The failed unblock is signed too.
	if l := f.log(id, f.counters(id).Sig); !l.Type.Equal(tse.OIDSystemLog) {
		t.Fatalf("failed unblock not logged: %v", l.Type)
	}
	var ve *ValidationError
	if err := f.svc.ChangePIN(f.ctx, f.c, id, "x", "123"); !errors.As(err, &ve) {
		t.Fatalf("short PIN: %v", err)
	}
	for i := 1; i < MaxPINFailures; i++ {
		if err := f.svc.AdminAuth(f.ctx, f.c, id, "000000"); !errors.Is(err, ErrPINWrong) {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, "000000"); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("fifth wrong PIN: %v", err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); !errors.Is(err, ErrPINBlocked) {
		t.Fatalf("right PIN after the block: %v", err)
	}
}

func TestClients(t *testing.T) {
	f := newFixture(t)
	a := f.tssIn(StateInitialized, 1)
	b := f.tssIn(StateInitialized, 2)
	cl, err := f.svc.CreateClient(f.ctx, f.c, a, "c1", "kasse-1", map[string]string{"filiale": "1"})
	if err != nil || cl.State != ClientRegistered || cl.SerialNumber != "kasse-1" {
		t.Fatalf("%+v %v", cl, err)
	}
	sig := f.counters(a).Sig
	if again, err := f.svc.CreateClient(f.ctx, f.c, a, "c1", "kasse-1", nil); err != nil || again.ID != "c1" || f.counters(a).Sig != sig {
		t.Fatalf("identical repeat must sign nothing: %+v %v", again, err)
	}
	refused := []struct {
		name           string
		tss, id, seria string
		want           error
	}{
		{"same id, other serial", a, "c1", "kasse-9", ErrClientConflict},
		{"same id on another TSS", b, "c1", "kasse-1", ErrClientConflict},
		{"serial taken in the TSS", a, "c2", "kasse-1", ErrClientSerialTaken},
		{"illegal serial", a, "c3", " leading space", ErrIllegalClientSerial},
		{"illegal serial characters", a, "c3", "kasse/1", ErrIllegalClientSerial},
	}
	for _, r := range refused {
		if _, err := f.svc.CreateClient(f.ctx, f.c, r.tss, r.id, r.seria, nil); !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}
	// The same serial on another TSS is fine.
	if _, err := f.svc.CreateClient(f.ctx, f.c, b, "c9", "kasse-1", nil); err != nil {
		t.Fatalf("serial on another TSS: %v", err)
	}
	if n := f.counters(a).Client; n != 1 {
		t.Fatalf("registered clients %d", n)
	}
	up, err := f.svc.UpdateClient(f.ctx, f.c, a, "c1", ClientDeregistered, map[string]string{"grund": "defekt"})
	if err != nil || up.State != ClientDeregistered || up.Metadata["filiale"] != "1" || up.Metadata["grund"] != "defekt" {
		t.Fatalf("deregister %+v %v", up, err)
	}
	if n := f.counters(a).Client; n != 0 {
		t.Fatalf("after deregistering %d", n)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, a, "c1", ClientRegistered, nil); err != nil || f.counters(a).Client != 1 {
		t.Fatalf("register again: %v, %d", err, f.counters(a).Client)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, b, "c1", ClientDeregistered, nil); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("client of another TSS: %v", err)
	}
	list, n, err := f.svc.ListClients(f.c, a, ClientFilter{ListFilter: ListFilter{Limit: 10}})
	if err != nil || n != 1 || len(list) != 1 || list[0].ID != "c1" {
		t.Fatalf("list %+v %d %v", list, n, err)
	}
}

func TestClientLimit(t *testing.T) {
	f := newFixture(t)
	id := f.tssIn(StateInitialized, 1)
	for i := range MaxClients {
		if _, err := f.svc.CreateClient(f.ctx, f.c, id, fmt.Sprintf("c%03d", i), fmt.Sprintf("kasse-%03d", i), nil); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	before := f.counters(id)
	if _, err := f.svc.CreateClient(f.ctx, f.c, id, "one-too-many", "kasse-x", nil); !errors.Is(err, ErrClientLimit) {
		t.Fatalf("client %d: %v", MaxClients+1, err)
	}
	// Deregistering frees a place; registering it again while full is refused.
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c000", ClientDeregistered, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateClient(f.ctx, f.c, id, "one-more", "kasse-y", nil); err != nil {
		t.Fatalf("after freeing a place: %v", err)
	}
	full := f.counters(id)
	if full.Client != MaxClients || full.Sig <= before.Sig {
		t.Fatalf("counters %+v → %+v", before, full)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c000", ClientRegistered, nil); !errors.Is(err, ErrClientLimit) {
		t.Fatalf("re-register while full: %v", err)
	}
	if after := f.counters(id); after != full {
		t.Fatalf("a refused registration changed the counters: %+v → %+v", full, after)
	}
}

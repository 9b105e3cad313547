package tss

import (
	"errors"
	"strconv"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Who sees and changes a TSS: the org's admins and those of the org that
// manages it, in the TSS's env; everyone else finds no TSS at all — not a
// conflict that would confirm its id.

func (f *fixture) newOrg(name, parent string) string {
	f.t.Helper()
	str := func(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }
	in := org.Input{Name: str(name), AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")}
	v := org.Viewer{Actor: audit.System}
	if parent != "" {
		in.ManagedBy = str(parent)
		v.Roots = map[string]org.Role{parent: org.RoleOwner}
	}
	var o *org.Organization
	if err := f.st.Update(f.ctx, func(txn store.Tx) (err error) { o, err = f.svc.orgs.CreateTx(txn, v, in); return err }); err != nil {
		f.t.Fatal(err)
	}
	return o.ID
}

// as runs fn with c as the fixture's caller.
func (f *fixture) as(c Caller, fn func()) {
	saved := f.c
	f.c = c
	defer func() { f.c = saved }()
	fn()
}

func TestTSSAccessAcrossOrganizations(t *testing.T) {
	f := newFixture(t)
	f.svc.TestTSSLimit = 0
	child := f.newOrg("Filiale", f.org)
	stranger := f.newOrg("Fremd GmbH", "")
	// The parent's admin acts for its managed org.
	forChild := f.c
	forChild.ActingOrg = child
	const childTSS, ownTSS = "b1000000-0000-4000-8000-000000000000", "b2000000-0000-4000-8000-000000000000"
	f.as(forChild, func() {
		f.initialized(childTSS)
		f.client(childTSS, "shared-id", "kasse-1")
	})
	if v, err := f.svc.Get(forChild, childTSS); err != nil || v.OrganizationID != child {
		t.Fatalf("parent admin for the child: %+v %v", v, err)
	}
	// The child's own admin sees it; it does not see the parent's TSS.
	f.initialized(ownTSS)
	childAdmin := Caller{Viewer: org.Viewer{Roots: map[string]org.Role{child: org.RoleAdmin}, Actor: audit.System}, Env: org.EnvTest,
		ActingOrg: child, TokenID: "child-token", TokenExp: f.c.TokenExp}
	if _, err := f.svc.Get(childAdmin, childTSS); err != nil {
		t.Fatalf("child admin: %v", err)
	}
	if _, err := f.svc.Get(childAdmin, ownTSS); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("child admin on the parent's TSS: %v", err)
	}
	// A stranger, and the right org in the other env, find nothing.
	out := Caller{Viewer: org.Viewer{Roots: map[string]org.Role{stranger: org.RoleOwner}, Actor: audit.System}, Env: org.EnvTest,
		ActingOrg: stranger, TokenID: "stranger-token", TokenExp: f.c.TokenExp}
	live := forChild
	live.Env = org.EnvLive
	for name, c := range map[string]Caller{"stranger": out, "LIVE": live} {
		if _, err := f.svc.Get(c, childTSS); !errors.Is(err, ErrTSSNotFound) {
			t.Errorf("%s get: %v", name, err)
		}
		if _, err := f.svc.Upsert(f.ctx, c, childTSS, "tx-1", 1, TxRequest{State: TxActive, ClientID: "shared-id"}); !errors.Is(err, ErrTSSNotFound) {
			t.Errorf("%s upsert: %v", name, err)
		}
		if _, err := f.svc.GetClient(c, childTSS, "shared-id"); !errors.Is(err, ErrTSSNotFound) {
			t.Errorf("%s client: %v", name, err)
		}
		if _, err := f.svc.MergeMetadata(f.ctx, c, childTSS, map[string]string{"x": "y"}); !errors.Is(err, ErrTSSNotFound) {
			t.Errorf("%s metadata: %v", name, err)
		}
		if _, _, err := f.svc.ListTx(f.ctx, c, childTSS, TxFilter{ListFilter: ListFilter{Limit: 10}}); !errors.Is(err, ErrTSSNotFound) {
			t.Errorf("%s list: %v", name, err)
		}
	}
	// Creating a TSS under a taken id: 404 for the stranger, 409 for who sees it.
	if _, err := f.svc.Create(f.ctx, out, childTSS, nil); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("stranger creates a taken id: %v", err)
	}
	if _, err := f.svc.Create(f.ctx, forChild, childTSS, nil); !errors.Is(err, ErrTSSConflict) {
		t.Fatalf("owner creates its initialized TSS again: %v", err)
	}
	// A client id taken on a TSS the caller cannot see is "not found".
	const strangerTSS = "b3000000-0000-4000-8000-000000000000"
	f.as(out, func() { f.initialized(strangerTSS) })
	if _, err := f.svc.CreateClient(f.ctx, out, strangerTSS, "shared-id", "kasse-9", nil); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("client id of another tenant: %v", err)
	}
	if _, err := f.svc.CreateClient(f.ctx, f.c, ownTSS, "shared-id", "kasse-9", nil); !errors.Is(err, ErrClientConflict) {
		t.Fatalf("client id of a TSS the caller sees: %v", err)
	}
	// The org-wide lists stay in their org.
	if list, n, err := f.svc.List(out, ListFilter{Limit: 10}); err != nil || n != 1 || list[0].ID != strangerTSS {
		t.Fatalf("stranger's list %d %v", n, err)
	}
	if list, n, err := f.svc.List(forChild, ListFilter{Limit: 10}); err != nil || n != 1 || list[0].ID != childTSS {
		t.Fatalf("child's list %d %v", n, err)
	}
}

func TestViewShowsCountersOnceDeployed(t *testing.T) {
	f := newFixture(t)
	created := f.tssIn(StateCreated, 120)
	v, err := f.svc.Get(f.c, created)
	if err != nil {
		t.Fatal(err)
	}
	if v.SignatureCounter != "" || v.TransactionCounter != "" || v.NumberRegisteredClnts != nil || v.NumberActiveTx != nil || v.Metadata == nil ||
		v.MaxRegisteredClients != MaxClients || v.MaxActiveTx != MaxActiveTransactions || v.Type != "TSS" || v.SignatureAlgorithm != "ecdsa-plain-SHA256" {
		t.Fatalf("CREATED view %+v", v)
	}
	id := f.tssIn(StateInitialized, 121)
	f.client(id, "c1", "kasse-1")
	if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-1", 1, TxRequest{State: TxActive, ClientID: "c1"}); err != nil {
		t.Fatal(err)
	}
	v, _ = f.svc.Get(f.c, id)
	ctr := f.counters(id)
	if v.SignatureCounter != strconv.FormatUint(ctr.Sig, 10) || v.TransactionCounter != "1" || *v.NumberRegisteredClnts != 1 || *v.NumberActiveTx != 1 ||
		v.TimeInit == 0 || v.TimeUninit == 0 || v.AdminPUK != "" {
		t.Fatalf("INITIALIZED view %+v", v)
	}
}

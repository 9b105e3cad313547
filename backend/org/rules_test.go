package org

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Who may create which organization, moving between parents, deletion
// and what it takes with it, acting in LIVE, and the doctor's index check.

// keyViewer is an API key of org in env.
func keyViewer(o *Organization, env string) Viewer {
	return Viewer{Roots: map[string]Role{o.ID: RoleAdmin}, Env: env, KeyOrgType: o.Type,
		Actor: audit.Actor{Type: "api_key", ID: "key-" + o.ID, OrganizationID: o.ID}}
}

// liveOrg creates a main org that has gone LIVE.
func (e *orgEnv) liveOrg(name string) *Organization {
	e.t.Helper()
	in := input(name)
	in.VatID = set("DE123456789")
	in.BillingAddressID = set("6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")
	o := e.mustCreate(system(), in)
	if err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, EnvLive); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestWhoCreatesMainOrganizations(t *testing.T) {
	e := newOrgEnv(t)
	reseller := e.mustCreate(system(), input("Reseller"))
	live := e.liveOrg("Live-Reseller")
	branch := e.managed(reseller, "Filiale")
	user := Viewer{Roots: map[string]Role{reseller.ID: RoleOwner}, Actor: audit.Actor{Type: "user", ID: "u-1"}}
	installAdmin := user
	installAdmin.InstallAdmin = true
	billTo := func(in Input, id string) Input {
		in.BillingOptions = Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: id}}
		return in
	}
	cases := []struct {
		name    string
		v       Viewer
		in      Input
		err     error
		field   string   // a ValidationError on this field
		admin   string   // AdministeredBy of the new org
		envs    []string // of the new org
		ownerOf string   // the user who becomes owner
	}{
		{name: "a dashboard user without the installation role", v: user, in: input("Neu"), err: ErrMainOrgByUser},
		{name: "an installation administrator", v: installAdmin, in: input("Neu"), envs: []string{EnvTest}, ownerOf: "u-1"},
		{name: "a TEST key of a main org administers what it creates", v: keyViewer(reseller, EnvTest), in: input("Holding"), admin: reseller.ID, envs: []string{EnvTest}},
		{name: "a key of a managed org", v: keyViewer(branch, EnvTest), in: input("Neu"), err: ErrForbidden},
		{name: "a LIVE key of an org that is not live", v: keyViewer(reseller, EnvLive), in: billTo(input("Neu"), reseller.ID), err: ErrEnvNotEnabled},
		{name: "a LIVE key without bill_to", v: keyViewer(live, EnvLive), in: input("Neu"), err: ErrLivePrecondition},
		{name: "a LIVE key billing to itself", v: keyViewer(live, EnvLive), in: billTo(input("Live-Kunde"), live.ID), admin: live.ID, envs: []string{EnvTest, EnvLive}},
		{name: "bill_to an unknown org", v: keyViewer(reseller, EnvTest), in: billTo(input("Neu"), "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f"), field: "billing_options.bill_to_organization"},
		{name: "bill_to an org the key cannot see", v: keyViewer(reseller, EnvTest), in: billTo(input("Neu"), live.ID), field: "billing_options.bill_to_organization"},
	}
	for _, c := range cases {
		before := e.storedOrgs()
		o, err := e.create(c.v, c.in)
		var ve *ValidationError
		switch {
		case c.err != nil || c.field != "":
			if (c.err != nil && !errors.Is(err, c.err)) || (c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field)) {
				t.Errorf("%s: %v, want %v%s", c.name, err, c.err, c.field)
			}
			if after := e.storedOrgs(); after != before {
				t.Errorf("%s: refused, but %d → %d organizations", c.name, before, after)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if o.Type != TypeOrganization || o.AdministeredBy != c.admin || !slices.Equal(o.Envs, c.envs) {
			t.Errorf("%s: %+v", c.name, o)
		}
		if c.ownerOf != "" {
			var m membership
			err := e.st.View(func(tx store.Tx) (err error) {
				m, err = store.GetJSON[membership](tx, store.MemberKey(o.ID, c.ownerOf))
				return err
			})
			if err != nil || m.Role != RoleOwner {
				t.Errorf("%s: creator's membership %+v %v", c.name, m, err)
			}
		} else if ids, _ := e.memberIDs(o.ID); len(ids) != 0 {
			t.Errorf("%s: an org created with a key has members %q", c.name, ids)
		}
		if c.admin != "" {
			// The administrator's log records the creation too.
			entries, _, err := e.s.Audit(system(c.admin), c.admin, 100, 0)
			if err != nil || !slices.ContainsFunc(entries, func(a audit.Entry) bool { return a.Action == "organization.create" && a.TargetID == o.ID }) {
				t.Errorf("%s: administrator's log lacks the creation: %v", c.name, err)
			}
		}
	}
}

func (e *orgEnv) memberIDs(orgID string) (ids []string, err error) {
	err = e.st.View(func(tx store.Tx) (err error) { ids, err = store.IDs(tx, store.MemberPrefix(orgID)); return err })
	return ids, err
}

func TestMovingBetweenParents(t *testing.T) {
	e := newOrgEnv(t)
	a := e.mustCreate(system(), input("Reseller A"))
	b := e.mustCreate(system(), input("Reseller B"))
	branch := e.managed(a, "Filiale")
	other := e.managed(b, "Filiale B")
	holding := e.mustCreate(keyViewer(a, EnvTest), input("Holding"))
	both := system(a.ID, b.ID)
	move := func(v Viewer, id, parent string) (*Organization, error) {
		return e.s.Patch(e.ctx, v, id, Input{ManagedBy: set(parent)})
	}
	// A managed org's own users and keys cannot detach it or move it.
	for _, parent := range []string{"", b.ID} {
		if _, err := move(Viewer{Roots: map[string]Role{branch.ID: RoleOwner, b.ID: RoleOwner}}, branch.ID, parent); !errors.Is(err, ErrParentChange) {
			t.Errorf("the branch itself moving to %q: %v", parent, err)
		}
	}
	if _, err := move(both, branch.ID, other.ID); !errors.Is(err, ErrNestedManaged) {
		t.Errorf("below a managed org: %v", err)
	}
	if _, err := move(system(a.ID), branch.ID, b.ID); !errors.Is(err, ErrParentNotFound) {
		t.Errorf("to a parent the viewer cannot see: %v", err)
	}
	if _, err := move(Viewer{Roots: map[string]Role{a.ID: RoleOwner, b.ID: RoleMember}}, branch.ID, b.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("to a parent the viewer is only a member of: %v", err)
	}
	// Same parent again: nothing to do.
	if got, err := move(system(a.ID), branch.ID, a.ID); err != nil || got.ManagedBy != a.ID {
		t.Errorf("same parent: %+v %v", got, err)
	}
	// An administered main org moved below a parent is no longer
	// administered: its former administrator loses it.
	moved, err := move(both, holding.ID, b.ID)
	if err != nil || moved.Type != TypeManaged || moved.ManagedBy != b.ID || moved.AdministeredBy != "" {
		t.Fatalf("holding below B: %+v %v", moved, err)
	}
	if _, _, err := e.s.Get(system(a.ID), holding.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the former administrator still sees the moved org: %v", err)
	}
	if got := e.visible(system(b.ID)); !slices.Equal(got, []string{"Filiale B", "Holding", "Reseller B"}) {
		t.Errorf("B sees %q", got)
	}
	e.checkClean()
}

// checkClean runs the doctor's index check and wants no problem.
func (e *orgEnv) checkClean() CheckSummary {
	e.t.Helper()
	var problems []string
	var sum CheckSummary
	err := e.st.View(func(tx store.Tx) (err error) {
		sum, err = CheckStore(tx, func(p string) { problems = append(problems, p) })
		return err
	})
	if err != nil || len(problems) > 0 {
		e.t.Fatalf("index check: %v %q", err, problems)
	}
	return sum
}

func TestDeleteTakesEverythingOfTheOrgWithIt(t *testing.T) {
	e := newOrgEnv(t)
	owner, main, err := e.s.Setup(e.ctx, NewUser{Email: "chef@example.com", Password: "lang-genug-123"}, input("Main"))
	if err != nil {
		t.Fatal(err)
	}
	ov := userViewer(e, owner.ID)
	ov.InstallAdmin = true
	victim := e.mustCreate(ov, input("Zu löschen"))
	administered := e.mustCreate(keyViewer(victim, EnvTest), input("Verwaltet"))
	_, token, err := e.s.Invite(e.ctx, userViewer(e, owner.ID), victim.ID, "neu@example.com", "", "", RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SetLogo(e.ctx, system(victim.ID), victim.ID, pngOf(t, 4, 4)); err != nil {
		t.Fatal(err)
	}
	var hooked []string
	failHook := false
	e.s.OnDelete(func(tx store.Tx, id string) error {
		if failHook {
			return errors.New("hook refuses")
		}
		hooked = append(hooked, id)
		return nil
	})
	// A failing hook aborts the whole deletion.
	failHook = true
	if err := e.s.Delete(e.ctx, system(victim.ID), victim.ID); err == nil || err.Error() != "hook refuses" {
		t.Fatalf("failing hook: %v", err)
	}
	if _, _, err := e.s.Get(system(victim.ID), victim.ID); err != nil {
		t.Fatalf("the org is gone after an aborted delete: %v", err)
	}
	failHook = false
	// A member may not delete.
	if err := e.s.Delete(e.ctx, Viewer{Roots: map[string]Role{victim.ID: RoleMember}}, victim.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("member deleting: %v", err)
	}
	if err := e.s.Delete(e.ctx, userViewer(e, owner.ID), victim.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hooked, []string{victim.ID}) {
		t.Fatalf("delete hooks ran for %q", hooked)
	}
	if v := userViewer(e, owner.ID); len(v.Roots) != 1 || v.Roots[main.ID] != RoleOwner {
		t.Fatalf("the owner's memberships after the delete: %v", v.Roots)
	}
	if _, err := e.s.Invitation(token); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("an invitation into the deleted org: %v", err)
	}
	_ = e.st.View(func(tx store.Tx) error {
		for _, k := range [][]byte{store.OrgKey(victim.ID), store.OrgLogoKey(victim.ID), store.MemberKey(victim.ID, owner.ID), store.UserOrgKey(owner.ID, victim.ID), store.OrgAdminKey(victim.ID, administered.ID)} {
			if ok, err := store.Exists(tx, k); err != nil || ok {
				t.Errorf("%q left behind (%v)", k, err)
			}
		}
		return nil
	})
	// The org it administered is on its own now.
	got, _, err := e.s.Get(system(administered.ID), administered.ID)
	if err != nil || got.AdministeredBy != "" {
		t.Fatalf("administered org after its administrator's delete: %+v %v", got, err)
	}
	if err := e.s.Delete(e.ctx, userViewer(e, owner.ID), victim.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	// A managed org's deletion is in its parent's log.
	branch := e.managed(main, "Filiale")
	if err := e.s.Delete(e.ctx, system(main.ID), branch.ID); err != nil {
		t.Fatal(err)
	}
	entries, _, _ := e.s.Audit(system(main.ID), main.ID, 1, 0)
	if len(entries) != 1 || entries[0].Action != "organization.delete" || entries[0].TargetID != branch.ID {
		t.Fatalf("parent's log: %+v", entries)
	}
	e.checkClean()
}

func TestOnSaveRunsInTheTransactionAndCanRefuse(t *testing.T) {
	e := newOrgEnv(t)
	var seen [][2]string // old name, new name
	e.s.OnSave(func(tx store.Tx, v Viewer, old, o *Organization) error {
		oldName := "<new>"
		if old != nil {
			oldName = old.Name
		}
		seen = append(seen, [2]string{oldName, o.Name})
		if o.Name == "Verboten" {
			return errors.New("refused by hook")
		}
		return nil
	})
	o := e.mustCreate(system(), input("Erlaubt"))
	if _, err := e.create(system(), input("Verboten")); err == nil {
		t.Fatal("hook refusal ignored on create")
	}
	if _, err := e.s.Patch(e.ctx, system(o.ID), o.ID, Input{Name: set("Verboten")}); err == nil {
		t.Fatal("hook refusal ignored on patch")
	}
	if got, _, _ := e.s.Get(system(o.ID), o.ID); got.Name != "Erlaubt" {
		t.Fatalf("refused patch stored: %q", got.Name)
	}
	if e.storedOrgs() != 1 {
		t.Fatal("refused create stored")
	}
	want := [][2]string{{"<new>", "Erlaubt"}, {"<new>", "Verboten"}, {"Erlaubt", "Verboten"}}
	if !slices.Equal(seen, want) {
		t.Fatalf("hook saw %q", seen)
	}
}

func TestActForLiveAndWrites(t *testing.T) {
	e := newOrgEnv(t)
	live := e.liveOrg("Live")
	liveBranch := e.managed(live, "Live-Filiale")
	testOrg := e.mustCreate(system(), input("Test"))
	testBranch := e.managed(testOrg, "Test-Filiale")
	member := Viewer{Roots: map[string]Role{live.ID: RoleMember, testOrg.ID: RoleOwner}}
	cases := []struct {
		v        Viewer
		id, env  string
		role     Role
		err      error
		scenario string
	}{
		{member, live.ID, EnvLive, RoleMember, nil, "a live org in LIVE"},
		{member, liveBranch.ID, EnvLive, RoleMember, nil, "a managed org of a live parent works in LIVE"},
		{member, testBranch.ID, EnvLive, "", ErrEnvNotEnabled, "a managed org of a TEST parent"},
		{member, testOrg.ID, EnvLive, "", ErrEnvNotEnabled, "a TEST main org"},
		{member, testOrg.ID, EnvTest, RoleOwner, nil, "TEST is always there"},
		{member, testBranch.ID, "", RoleOwner, nil, "no env"},
		{system(testBranch.ID), live.ID, EnvTest, "", ErrNotFound, "an org the viewer cannot see"},
	}
	for _, c := range cases {
		role, err := e.s.ActFor(c.v, c.id, c.env)
		if !errors.Is(err, c.err) || (c.err == nil && role != c.role) {
			t.Errorf("%s: %q %v, want %q %v", c.scenario, role, err, c.role, c.err)
		}
	}
	for v, want := range map[*Viewer]bool{
		{Roots: map[string]Role{"a": RoleMember}}:                     false,
		{Roots: map[string]Role{"a": RoleMember, "b": RoleAdmin}}:     true,
		{Roots: map[string]Role{"a": RoleOwner}}:                      true,
		{}:                                                            false,
		{Roots: map[string]Role{"a": Role("superuser")}}:              false,
		{Roots: map[string]Role{"a": RoleMember}, InstallAdmin: true}: false,
	} {
		if got := v.WritesSomewhere(); got != want {
			t.Errorf("WritesSomewhere(%v) = %v", v.Roots, got)
		}
	}
}

func TestEnableEnvAndHandOverEdges(t *testing.T) {
	e := newOrgEnv(t)
	o := e.mustCreate(system(), input("Firma"))
	var ve *ValidationError
	if err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, "live"); !errors.As(err, &ve) || ve.Field != "env" {
		t.Fatalf("lower-case env: %v", err)
	}
	if err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, EnvTest); err != nil {
		t.Fatalf("TEST is always enabled: %v", err)
	}
	if err := e.s.EnableEnv(e.ctx, Viewer{Roots: map[string]Role{o.ID: RoleMember}}, o.ID, EnvLive); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member going live: %v", err)
	}
	// A German tax number of the wrong form is named in the refusal.
	if _, err := e.s.Patch(e.ctx, system(o.ID), o.ID, Input{TaxNumber: set("12345"), BillingAddressID: set("6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")}); err != nil {
		t.Fatal(err)
	}
	err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, EnvLive)
	if !errors.Is(err, ErrLivePrecondition) || !strings.Contains(err.Error(), `"12345"`) || strings.Contains(err.Error(), "billing_address_id") {
		t.Fatalf("wrong tax number form: %v", err)
	}
	if _, err := e.s.Patch(e.ctx, system(o.ID), o.ID, Input{TaxNumber: set("21/815/08150")}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, EnvLive); err != nil {
		t.Fatal(err)
	}
	// Again: nothing changes, no second audit entry.
	if err := e.s.EnableEnv(e.ctx, system(o.ID), o.ID, EnvLive); err != nil {
		t.Fatal(err)
	}
	entries, _, _ := e.s.Audit(system(o.ID), o.ID, 100, 0)
	n := 0
	for _, a := range entries {
		if a.Action == "organization.enable_env" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d enable_env entries", n)
	}
	if err := e.s.HandOver(e.ctx, system(o.ID), o.ID); !errors.As(err, &ve) {
		t.Fatalf("hand-over of an org nobody else administers: %v", err)
	}
}

// TestCheckStoreNamesEachBrokenIndex breaks one index at a time behind
// the service's back, as a damaged store would have it.
func TestCheckStoreNamesEachBrokenIndex(t *testing.T) {
	e := newOrgEnv(t)
	owner, main, err := e.s.Setup(e.ctx, NewUser{Email: "chef@example.com", Password: "lang-genug-123"}, input("Main"))
	if err != nil {
		t.Fatal(err)
	}
	branch := e.managed(main, "Filiale")
	held := e.mustCreate(keyViewer(main, EnvTest), input("Holding"))
	if sum := e.checkClean(); sum != (CheckSummary{Organizations: 3, Users: 1, InstallAdmins: 1}) {
		t.Fatalf("summary %+v", sum)
	}
	cases := []struct {
		name   string
		break_ func(tx store.Tx) error
		want   string
	}{
		{"child index missing", func(tx store.Tx) error { return tx.Delete(store.OrgChildKey(main.ID, branch.ID)) }, "missing from the index of its managing organization"},
		{"child index of a stranger", func(tx store.Tx) error { return tx.Set(store.OrgChildKey(main.ID, held.ID), nil) }, "which it does not manage"},
		{"administrator index missing", func(tx store.Tx) error { return tx.Delete(store.OrgAdminKey(main.ID, held.ID)) }, "missing from the index of its administrator"},
		{"parent gone", func(tx store.Tx) error { return tx.Delete(store.OrgKey(main.ID)) }, "which does not exist"},
		{"e-mail index missing", func(tx store.Tx) error { return tx.Delete(store.UserEmailKey("chef@example.com")) }, "not found under its e-mail address"},
		{"membership without reverse", func(tx store.Tx) error { return tx.Delete(store.UserOrgKey(owner.ID, main.ID)) }, "has no user or no reverse index"},
		{"reverse without membership", func(tx store.Tx) error { return tx.Set(store.UserOrgKey(owner.ID, branch.ID), nil) }, "without a membership there"},
		{"installation admin not a user", func(tx store.Tx) error { return tx.Set(store.InstallAdminKey("ghost"), []byte(`{}`)) }, "installation administrator ghost is not a user"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case on its own copy: break, check, roll back by failing the transaction.
			var problems []string
			errRollback := errors.New("rollback")
			err := e.st.Update(e.ctx, func(tx store.Tx) error {
				if err := c.break_(tx); err != nil {
					return err
				}
				if _, err := CheckStore(tx, func(p string) { problems = append(problems, p) }); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Fatalf("problems %q lack %q", problems, c.want)
			}
		})
	}
	e.checkClean()
}

func TestListOrdersByEachField(t *testing.T) {
	e := newOrgEnv(t)
	r := e.mustCreate(system(), input("Reseller"))
	clock := time.Unix(1_800_000_000, 0)
	e.s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	mk := func(name, zip, town string) *Organization {
		in := input(name)
		in.ManagedBy, in.Zip, in.Town = set(r.ID), set(zip), set(town)
		return e.mustCreate(system(r.ID), in)
	}
	first := mk("b-Zweite", "20000", "Aachen")
	second := mk("A-Erste", "30000", "Celle")
	third := mk("c-Dritte", "10000", "Bonn")
	ids := func(f ListFilter) []string {
		f.ManagedBy, f.Limit = r.ID, 10
		list, _, err := e.s.List(system(r.ID), f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range list {
			out = append(out, o.ID)
		}
		return out
	}
	cases := []struct {
		f    ListFilter
		want []*Organization
	}{
		{ListFilter{}, []*Organization{first, second, third}}, // created_at by default
		{ListFilter{OrderBy: "created_at", Desc: true}, []*Organization{third, second, first}},
		{ListFilter{OrderBy: "name"}, []*Organization{second, first, third}}, // case-insensitive
		{ListFilter{OrderBy: "zip"}, []*Organization{third, first, second}},
		{ListFilter{OrderBy: "town", Desc: true}, []*Organization{second, third, first}},
		{ListFilter{OrderBy: "name", Limit: 1, Offset: 2}, []*Organization{third}},
	}
	for _, c := range cases {
		var want []string
		for _, o := range c.want {
			want = append(want, o.ID)
		}
		f := c.f
		limit, offset := f.Limit, f.Offset
		got := ids(f)
		if limit > 0 {
			// ids() overrides the limit; cut the page the same way List does.
			f.Limit, f.Offset = limit, offset
			list, n, err := e.s.List(system(r.ID), ListFilter{ManagedBy: r.ID, OrderBy: f.OrderBy, Limit: limit, Offset: offset})
			if err != nil || n != 3 {
				t.Fatalf("%+v: %d %v", f, n, err)
			}
			got = nil
			for _, o := range list {
				got = append(got, o.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: %v, want %v", c.f, got, want)
		}
	}
}

// TestEveryOrderFieldSortsByItsField: for each order_by value the
// three orgs' values of that field are in their own order, different
// from the fields it is likely to be confused with (name and
// display_name, address lines, zip and town, the tax ids).
func TestEveryOrderFieldSortsByItsField(t *testing.T) {
	e := newOrgEnv(t)
	r := e.mustCreate(system(), input("Reseller"))
	clock := time.Unix(1_800_000_000, 0)
	e.s.now = func() time.Time { clock = clock.Add(-time.Second); return clock } // created_at: Org 3 oldest
	// order[field] lists the orgs (0 = "Org 1") from the smallest value up.
	order := map[string][3]int{
		"name": {0, 1, 2}, "created_at": {2, 1, 0},
		"display_name": {0, 2, 1}, "zip": {0, 2, 1},
		"vat_id": {1, 0, 2}, "town": {1, 0, 2},
		"tax_number": {1, 2, 0}, "address_line1": {1, 2, 0},
		"economy_id": {2, 0, 1}, "address_line2": {2, 0, 1}, "state": {2, 0, 1},
	}
	value := func(field string, rank int) string {
		d := fmt.Sprint(rank + 1)
		switch field {
		case "display_name":
			return []string{"aa", "Bb", "cc"}[rank] // case-insensitive
		case "vat_id", "economy_id":
			return "DE11111111" + d
		case "tax_number":
			return "111111111" + d
		case "address_line1":
			return "Weg " + d
		case "address_line2":
			return "Hof " + d
		case "zip":
			return d + "0000"
		case "town":
			return []string{"Aachen", "Bonn", "Celle"}[rank]
		case "state":
			return []string{"Bayern", "Hessen", "Sachsen"}[rank]
		}
		return ""
	}
	ins := make([]Input, 3)
	for i := range ins {
		ins[i] = input(fmt.Sprint("Org ", i+1))
		ins[i].ManagedBy = set(r.ID)
	}
	for field, ord := range order {
		for rank, i := range ord {
			v := set(value(field, rank))
			switch field {
			case "display_name":
				ins[i].DisplayName = v
			case "vat_id":
				ins[i].VatID = v
			case "economy_id":
				ins[i].EconomyID = v
			case "tax_number":
				ins[i].TaxNumber = v
			case "address_line1":
				ins[i].AddressLine1 = v
			case "address_line2":
				ins[i].AddressLine2 = v
			case "zip":
				ins[i].Zip = v
			case "town":
				ins[i].Town = v
			case "state":
				ins[i].State = v
			}
		}
	}
	var made []*Organization
	for _, in := range ins {
		made = append(made, e.mustCreate(system(r.ID), in))
	}
	for _, field := range OrderFields {
		var want []string
		if field == "id" {
			byID := slices.Clone(made)
			slices.SortFunc(byID, func(a, b *Organization) int { return strings.Compare(a.ID, b.ID) })
			for _, o := range byID {
				want = append(want, o.Name)
			}
		} else {
			ord, ok := order[field]
			if !ok {
				t.Fatalf("no order for field %s", field)
			}
			for _, i := range ord {
				want = append(want, made[i].Name)
			}
		}
		list, _, err := e.s.List(system(r.ID), ListFilter{ManagedBy: r.ID, OrderBy: field, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range list {
			got = append(got, o.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("order_by %s: %q, want %q", field, got, want)
		}
	}
}

// TestTheStrongestRoleCounts: a viewer reaching an org through several
// roots acts with its strongest role there, and only there.
func TestTheStrongestRoleCounts(t *testing.T) {
	e := newOrgEnv(t)
	reseller := e.mustCreate(system(), input("Reseller"))
	branch := e.managed(reseller, "Filiale")
	holding := e.mustCreate(keyViewer(reseller, EnvTest), input("Holding"))
	holdingBranch := e.managed(holding, "Holding-Filiale")
	v := Viewer{Roots: map[string]Role{reseller.ID: RoleMember, branch.ID: RoleAdmin, holding.ID: RoleOwner}}
	cases := []struct {
		id   string
		want Role
	}{
		{reseller.ID, RoleMember},
		{branch.ID, RoleAdmin},        // admin of the branch beats member of its parent
		{holding.ID, RoleOwner},       // owner of the holding beats member of its administrator
		{holdingBranch.ID, RoleOwner}, // through the holding
	}
	for _, c := range cases {
		_, role, err := e.s.Get(v, c.id)
		if err != nil || role != c.want {
			t.Errorf("%s: %q %v, want %q", c.id, role, err, c.want)
		}
	}
	// What the role allows follows: the member cannot patch the reseller,
	// the branch admin can patch the branch.
	if _, err := e.s.Patch(e.ctx, v, reseller.ID, Input{Town: set("Köln")}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("member patching: %v", err)
	}
	if _, err := e.s.Patch(e.ctx, v, branch.ID, Input{Town: set("Köln")}); err != nil {
		t.Fatalf("branch admin patching: %v", err)
	}
	// After the hand-over the reseller's membership no longer reaches the holding.
	if err := e.s.HandOver(e.ctx, system(reseller.ID, holding.ID), holding.ID); err != nil {
		t.Fatal(err)
	}
	if _, role, _ := e.s.Get(Viewer{Roots: map[string]Role{reseller.ID: RoleOwner}}, holdingBranch.ID); role != "" {
		t.Fatalf("the former administrator still has %q on the holding's branch", role)
	}
	// Both sides' logs have the hand-over.
	for _, id := range []string{holding.ID, reseller.ID} {
		entries, _, _ := e.s.Audit(system(id), id, 1, 0)
		if len(entries) != 1 || entries[0].Action != "organization.hand_over" || entries[0].TargetID != holding.ID {
			t.Errorf("log of %s: %+v", id, entries)
		}
	}
	e.checkClean()
}

// TestAnOrgBilledToADeletedOrgCanStillBeChanged: bill_to is checked when
// it is set, not on every later change; once the org it names is gone
// the org must still be editable (and can then name another).
func TestAnOrgBilledToADeletedOrgCanStillBeChanged(t *testing.T) {
	e := newOrgEnv(t)
	payer := e.mustCreate(system(), input("Zahler"))
	in := input("Kunde")
	in.BillingOptions = Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: payer.ID}}
	cust := e.mustCreate(system(payer.ID), in)
	if err := e.s.Delete(e.ctx, system(payer.ID), payer.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.Patch(e.ctx, system(cust.ID), cust.ID, Input{Town: set("Hamburg")})
	if err != nil || got.Town != "Hamburg" {
		t.Fatalf("changing the town of an org billed to a deleted org: %+v %v", got, err)
	}
	// The whole billing_options sent again (as the dashboard does) with the
	// same bill_to is no new choice; naming another unknown org is refused.
	if _, err := e.s.Patch(e.ctx, system(cust.ID), cust.ID, Input{BillingOptions: Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: payer.ID, GLN: "9012345000004"}}}); err != nil {
		t.Fatalf("billing_options with the bill_to unchanged: %v", err)
	}
	var ve *ValidationError
	_, err = e.s.Patch(e.ctx, system(cust.ID), cust.ID, Input{BillingOptions: Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f"}}})
	if !errors.As(err, &ve) || ve.Field != "billing_options.bill_to_organization" {
		t.Fatalf("setting bill_to to an unknown org: %v", err)
	}
	if _, err := e.s.Patch(e.ctx, system(cust.ID), cust.ID, Input{BillingOptions: Field[BillingOptions]{Set: true, V: BillingOptions{}}}); err != nil {
		t.Fatalf("clearing bill_to: %v", err)
	}
	// The common case: an org created with a reseller's key and billed to
	// the reseller (as creating it in LIVE requires) is changed with its
	// own key, which cannot see the reseller.
	reseller := e.mustCreate(system(), input("Reseller"))
	in = input("Kunde 2")
	in.BillingOptions = Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: reseller.ID}}
	cust2 := e.mustCreate(keyViewer(reseller, EnvTest), in)
	if err := e.s.HandOver(e.ctx, keyViewer(reseller, EnvTest), cust2.ID); err != nil {
		t.Fatal(err)
	}
	own := keyViewer(cust2, EnvTest)
	if got, err := e.s.Patch(e.ctx, own, cust2.ID, Input{Zip: set("20095")}); err != nil || got.BillingOptions.BillToOrganization != reseller.ID {
		t.Fatalf("the org's own key changing its zip: %+v %v", got, err)
	}
}

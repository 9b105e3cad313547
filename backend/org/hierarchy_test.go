package org

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// The hierarchy and visibility rules of the organization service, on the
// in-memory store.

type orgEnv struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	s   *Service
}

func newOrgEnv(t *testing.T) *orgEnv {
	t.Helper()
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &orgEnv{t: t, ctx: context.Background(), st: st, s: NewService(st)}
}

func input(name string) Input {
	return Input{Name: set(name), AddressLine1: set("Weg 1"), Zip: set("10115"), Town: set("Berlin"), CountryCode: set("DEU")}
}

// system is the installation acting with roots (owner of each).
func system(roots ...string) Viewer {
	v := Viewer{Actor: audit.System, Roots: map[string]Role{}}
	for _, r := range roots {
		v.Roots[r] = RoleOwner
	}
	return v
}

func (e *orgEnv) create(v Viewer, in Input) (*Organization, error) {
	return e.s.Create(e.ctx, v, in)
}

func (e *orgEnv) mustCreate(v Viewer, in Input) *Organization {
	e.t.Helper()
	o, err := e.create(v, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *orgEnv) managed(parent *Organization, name string) *Organization {
	e.t.Helper()
	in := input(name)
	in.ManagedBy = set(parent.ID)
	return e.mustCreate(system(parent.ID), in)
}

func (e *orgEnv) visible(v Viewer) []string {
	e.t.Helper()
	list, n, err := e.s.List(v, ListFilter{Limit: 1000, OrderBy: "name"})
	if err != nil || n != len(list) {
		e.t.Fatalf("list %d of %d: %v", len(list), n, err)
	}
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	return names
}

func TestManagedOrgsAreOneLevelDeep(t *testing.T) {
	e := newOrgEnv(t)
	reseller := e.mustCreate(system(), input("Reseller"))
	branch := e.managed(reseller, "Filiale")
	if branch.Type != TypeManaged || branch.ManagedBy != reseller.ID {
		t.Fatalf("%+v", branch)
	}
	in := input("Unterfiliale")
	in.ManagedBy = set(branch.ID)
	if _, err := e.create(system(reseller.ID), in); !errors.Is(err, ErrNestedManaged) {
		t.Fatalf("managed by a managed org: %v", err)
	}
	in.ManagedBy = set("00000000-0000-4000-8000-000000000000")
	if _, err := e.create(system(reseller.ID), in); !errors.Is(err, ErrParentNotFound) {
		t.Fatalf("unknown parent: %v", err)
	}
	// A parent the viewer cannot see is "not found", not "forbidden".
	stranger := e.mustCreate(system(), input("Fremd"))
	in.ManagedBy = set(stranger.ID)
	if _, err := e.create(system(reseller.ID), in); !errors.Is(err, ErrParentNotFound) {
		t.Fatalf("invisible parent: %v", err)
	}
	// A member may not create below the org.
	member := Viewer{Actor: audit.System, Roots: map[string]Role{reseller.ID: RoleMember}}
	in.ManagedBy = set(reseller.ID)
	if _, err := e.create(member, in); !errors.Is(err, ErrForbidden) {
		t.Fatalf("member creating a managed org: %v", err)
	}
	// Moving: an org with managed orgs cannot become managed; no org manages itself.
	other := e.mustCreate(system(), input("Andere"))
	move := Input{ManagedBy: set(other.ID)}
	if _, err := e.s.Patch(e.ctx, system(reseller.ID, other.ID), reseller.ID, move); !errors.Is(err, ErrHasManaged) {
		t.Fatalf("moving a parent below another: %v", err)
	}
	if _, err := e.s.Patch(e.ctx, system(other.ID), other.ID, Input{ManagedBy: set(other.ID)}); !errors.Is(err, ErrSelfManaged) {
		t.Fatalf("self-managed: %v", err)
	}
	// The branch moves to the other org; then it becomes a main org the
	// former parent still administers.
	moved, err := e.s.Patch(e.ctx, system(reseller.ID, other.ID), branch.ID, move)
	if err != nil || moved.ManagedBy != other.ID || moved.Type != TypeManaged {
		t.Fatalf("move %+v %v", moved, err)
	}
	freed, err := e.s.Patch(e.ctx, system(other.ID), branch.ID, Input{ManagedBy: set("")})
	if err != nil || freed.Type != TypeOrganization || freed.ManagedBy != "" || freed.AdministeredBy != other.ID {
		t.Fatalf("to main org %+v %v", freed, err)
	}
	// Delete: refused while it manages orgs.
	e.managed(other, "Neu")
	if err := e.s.Delete(e.ctx, system(other.ID), other.ID); !errors.Is(err, ErrHasManaged) {
		t.Fatalf("delete a parent: %v", err)
	}
}

func TestVisibility(t *testing.T) {
	e := newOrgEnv(t)
	reseller := e.mustCreate(system(), input("Reseller"))
	a := e.managed(reseller, "Filiale A")
	e.managed(reseller, "Filiale B")
	// An org created with the reseller's key is administered by it.
	keyViewer := Viewer{Actor: audit.System, Roots: map[string]Role{reseller.ID: RoleAdmin}, KeyOrgType: TypeOrganization}
	holding := e.mustCreate(keyViewer, input("Holding"))
	if holding.AdministeredBy != reseller.ID || holding.Type != TypeOrganization {
		t.Fatalf("holding %+v", holding)
	}
	hb := e.managed(holding, "Holding-Filiale")
	e.mustCreate(system(), input("Fremd"))

	cases := []struct {
		name string
		v    Viewer
		want []string
	}{
		{"reseller sees its managed, administered and theirs", system(reseller.ID), []string{"Filiale A", "Filiale B", "Holding", "Holding-Filiale", "Reseller"}},
		{"a managed org sees only itself", system(a.ID), []string{"Filiale A"}},
		{"the holding sees itself and its branch", system(holding.ID), []string{"Holding", "Holding-Filiale"}},
		{"nobody", system(), nil},
		{"a deleted root is skipped", system("00000000-0000-4000-8000-000000000000", hb.ID), []string{"Holding-Filiale"}},
	}
	for _, c := range cases {
		if got := e.visible(c.v); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if _, _, err := e.s.Get(system(a.ID), reseller.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a branch reading its parent: %v", err)
	}
	// After handing over, the reseller no longer sees the holding.
	if err := e.s.HandOver(e.ctx, system(holding.ID), holding.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("hand-over by the holding alone: %v", err)
	}
	if err := e.s.HandOver(e.ctx, system(reseller.ID), holding.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.visible(system(reseller.ID)); slices.Contains(got, "Holding") || slices.Contains(got, "Holding-Filiale") {
		t.Fatalf("after hand-over the reseller sees %q", got)
	}
	if err := e.s.HandOver(e.ctx, system(holding.ID), holding.ID); err == nil {
		t.Fatal("second hand-over accepted")
	}
}

func TestListFiltersAndOrder(t *testing.T) {
	e := newOrgEnv(t)
	r := e.mustCreate(system(), input("reseller"))
	e.managed(r, "Zeta")
	e.managed(r, "alpha")
	in := input("Beta")
	in.ManagedBy = set(r.ID)
	in.VatID = set("DE123456789")
	beta := e.mustCreate(system(r.ID), in)
	if err := e.s.EnableEnv(e.ctx, system(r.ID), beta.ID, EnvLive); err != nil {
		t.Fatal(err)
	}
	list := func(f ListFilter) []string {
		f.Limit = 100
		os, _, err := e.s.List(system(r.ID), f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range os {
			names = append(names, o.Name)
		}
		return names
	}
	cases := []struct {
		f    ListFilter
		want []string
	}{
		{ListFilter{OrderBy: "name"}, []string{"alpha", "Beta", "reseller", "Zeta"}},
		{ListFilter{OrderBy: "name", Desc: true}, []string{"Zeta", "reseller", "Beta", "alpha"}},
		{ListFilter{OrderBy: "name", Type: TypeManaged}, []string{"alpha", "Beta", "Zeta"}},
		{ListFilter{OrderBy: "name", Type: TypeOrganization}, []string{"reseller"}},
		{ListFilter{OrderBy: "name", ManagedBy: r.ID}, []string{"alpha", "Beta", "Zeta"}},
		{ListFilter{OrderBy: "name", Env: EnvLive}, []string{"Beta"}},
	}
	for _, c := range cases {
		if got := list(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
	page, n, err := e.s.List(system(r.ID), ListFilter{OrderBy: "name", Limit: 2, Offset: 1})
	if err != nil || n != 4 || len(page) != 2 || page[0].Name != "Beta" {
		t.Fatalf("page %d of %d %v", len(page), n, err)
	}
}

func TestGoingLive(t *testing.T) {
	e := newOrgEnv(t)
	main := e.mustCreate(system(), input("Main"))
	err := e.s.EnableEnv(e.ctx, system(main.ID), main.ID, EnvLive)
	if !errors.Is(err, ErrLivePrecondition) {
		t.Fatalf("without tax id and billing: %v", err)
	}
	for _, want := range []string{"vat_id or tax_number", "billing_address_id or billing_options.bill_to_organization"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := e.s.EnableEnv(e.ctx, system(main.ID), main.ID, "PROD"); err == nil {
		t.Fatal("unknown env accepted")
	}
	// A managed org is billed through its parent: a tax id suffices.
	in := input("Kunde")
	in.ManagedBy = set(main.ID)
	in.TaxNumber = set("1121081508150")
	cust := e.mustCreate(system(main.ID), in)
	if missing := LiveRequirements(cust); len(missing) != 0 {
		t.Fatalf("missing %v", missing)
	}
	if err := e.s.EnableEnv(e.ctx, system(main.ID), cust.ID, EnvLive); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.s.Get(system(main.ID), cust.ID)
	if err != nil || !got.HasEnv(EnvLive) || !got.HasEnv(EnvTest) {
		t.Fatalf("%+v %v", got, err)
	}
	// A LIVE key of a parent that is not live cannot create LIVE managed orgs.
	live := system(main.ID)
	live.Env = EnvLive
	in = input("Live-Filiale")
	in.ManagedBy = set(main.ID)
	if _, err := e.create(live, in); !errors.Is(err, ErrEnvNotEnabled) {
		t.Fatalf("LIVE managed org under a TEST parent: %v", err)
	}
	// Below a managed org, even a live one, nothing can be created.
	in.ManagedBy = set(cust.ID)
	if _, err := e.create(live, in); !errors.Is(err, ErrNestedManaged) {
		t.Fatalf("below a managed org: %v", err)
	}
}

func TestAuditRecordsBothSides(t *testing.T) {
	e := newOrgEnv(t)
	r := e.mustCreate(system(), input("Reseller"))
	b := e.managed(r, "Filiale")
	if _, err := e.s.Patch(e.ctx, system(r.ID), b.ID, Input{Town: set("Hamburg")}); err != nil {
		t.Fatal(err)
	}
	own, n, err := e.s.Audit(system(r.ID), b.ID, 10, 0)
	if err != nil || n != 2 || own[0].Action != "organization.update" || own[1].Action != "organization.create" {
		t.Fatalf("branch log %+v %d %v", own, n, err)
	}
	up, _, err := e.s.Audit(system(r.ID), r.ID, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range up {
		actions = append(actions, a.Action)
	}
	if !slices.Contains(actions, "organization.update") {
		t.Fatalf("the parent's log lacks the branch's change: %v", actions)
	}
	if _, _, err := e.s.Audit(system(b.ID), r.ID, 10, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a branch reading its parent's log: %v", err)
	}
}

package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Key creation, listing and patching rules, bootstrap refusals and the
// doctor's key index check.

// goLive takes the env's main org LIVE.
func (e *authEnv) goLive() {
	e.t.Helper()
	if _, err := e.orgs.Patch(e.ctx, e.v, e.main.ID, org.Input{VatID: str("DE123456789"), BillingAddressID: str("6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.orgs.EnableEnv(e.ctx, e.v, e.main.ID, org.EnvLive); err != nil {
		e.t.Fatal(err)
	}
}

func TestCreateKeyRules(t *testing.T) {
	e := newAuthEnv(t)
	in := orgInput("Filiale")
	in.ManagedBy = str(e.main.ID)
	branch, err := e.orgs.Create(e.ctx, e.v, in)
	if err != nil {
		t.Fatal(err)
	}
	e.goLive()
	liveToken := e.v
	liveToken.Env = org.EnvLive
	meta := func(n int) org.Field[map[string]string] {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprint("k", i)] = "v"
		}
		return org.Field[map[string]string]{Set: true, V: m}
	}
	cases := []struct {
		name   string
		v      org.Viewer
		orgID  string
		in     KeyInput
		field  string // validation error on this field
		err    error
		env    string
		status string
	}{
		{name: "name required", v: e.v, orgID: e.main.ID, in: KeyInput{}, field: "name"},
		{name: "name null", v: e.v, orgID: e.main.ID, in: KeyInput{Name: org.Field[string]{Set: true, Null: true}}, field: "name"},
		{name: "unknown status", v: e.v, orgID: e.main.ID, in: KeyInput{Name: str("pos-key"), Status: str("paused")}, field: "status"},
		{name: "unknown env", v: e.v, orgID: e.main.ID, in: KeyInput{Name: str("pos-key"), Env: str("PROD")}, field: "env"},
		{name: "41 metadata keys", v: e.v, orgID: e.main.ID, in: KeyInput{Name: str("pos-key"), Metadata: meta(41)}, field: "metadata"},
		{name: "managed_by of another org", v: e.v, orgID: branch.ID, in: KeyInput{Name: str("pos-key"), ManagedBy: str(branch.ID)}, field: "managed_by_organization_id"},
		{name: "managed_by of its parent", v: e.v, orgID: branch.ID, in: KeyInput{Name: str("pos-key"), ManagedBy: str(e.main.ID)}, env: org.EnvTest, status: StatusEnabled},
		{name: "dashboard picks LIVE", v: e.v, orgID: e.main.ID, in: KeyInput{Name: str("live-key"), Env: str(org.EnvLive)}, env: org.EnvLive, status: StatusEnabled},
		{name: "a LIVE token creates LIVE keys", v: liveToken, orgID: e.main.ID, in: KeyInput{Name: str("live-key-2")}, env: org.EnvLive, status: StatusEnabled},
		{name: "a LIVE token asked for TEST", v: liveToken, orgID: e.main.ID, in: KeyInput{Name: str("test-key"), Env: str(org.EnvTest)}, field: "env"},
		{name: "LIVE key of a managed org of a live parent", v: liveToken, orgID: branch.ID, in: KeyInput{Name: str("branch-live")}, env: org.EnvLive, status: StatusEnabled},
		{name: "created disabled", v: e.v, orgID: e.main.ID, in: KeyInput{Name: str("spare-key"), Status: str(StatusDisabled)}, env: org.EnvTest, status: StatusDisabled},
		{name: "unknown org", v: e.v, orgID: "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f", in: KeyInput{Name: str("pos-key")}, err: org.ErrNotFound},
	}
	for _, c := range cases {
		before := countKeys(t, e)
		k, err := e.s.CreateKey(e.ctx, c.v, c.orgID, c.in)
		var ve *org.ValidationError
		switch {
		case c.field != "" || c.err != nil:
			if (c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field)) || (c.err != nil && !errors.Is(err, c.err)) {
				t.Errorf("%s: %v", c.name, err)
			}
			if countKeys(t, e) != before {
				t.Errorf("%s: a refused key was stored", c.name)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if k.Env() != c.env || k.Status != c.status || !strings.HasPrefix(k.Key, strings.ToLower(c.env)+"_") || k.Metadata == nil {
			t.Errorf("%s: %+v", c.name, k)
		}
		_, aerr := e.s.Authenticate(k.Key, k.Secret)
		if (c.status == StatusEnabled) != (aerr == nil) {
			t.Errorf("%s: authenticate %v", c.name, aerr)
		}
	}
}

func TestListKeysFiltersAndOrders(t *testing.T) {
	e := newAuthEnv(t)
	e.goLive()
	clock := time.Unix(1_800_000_000, 0)
	e.s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	mk := func(name, env, status string) string {
		k, err := e.s.CreateKey(e.ctx, e.v, e.main.ID, KeyInput{Name: str(name), Env: str(env), Status: str(status)})
		if err != nil {
			t.Fatal(err)
		}
		return k.Name
	}
	mk("charlie", org.EnvTest, StatusEnabled)
	mk("Alpha", org.EnvLive, StatusDisabled)
	mk("bravo", org.EnvTest, StatusDisabled)
	mk("delta", org.EnvLive, StatusEnabled)
	cases := []struct {
		f     KeyFilter
		want  []string
		count int
	}{
		{KeyFilter{}, []string{"charlie", "Alpha", "bravo", "delta"}, 4}, // oldest first
		{KeyFilter{Desc: true}, []string{"delta", "bravo", "Alpha", "charlie"}, 4},
		{KeyFilter{OrderBy: "name"}, []string{"Alpha", "bravo", "charlie", "delta"}, 4},
		{KeyFilter{OrderBy: "kind"}, []string{"Alpha", "delta", "charlie", "bravo"}, 4}, // LIVE < TEST, then by age
		{KeyFilter{OrderBy: "status", Desc: true}, []string{"delta", "charlie", "bravo", "Alpha"}, 4},
		{KeyFilter{Status: []string{StatusDisabled}}, []string{"Alpha", "bravo"}, 2},
		{KeyFilter{Status: []string{StatusDisabled, StatusEnabled}, Kind: "live"}, []string{"Alpha", "delta"}, 2},
		{KeyFilter{Kind: "TEST", OrderBy: "name", Desc: true}, []string{"charlie", "bravo"}, 2},
		{KeyFilter{OrderBy: "name", Limit: 2, Offset: 1}, []string{"bravo", "charlie"}, 4},
	}
	for _, c := range cases {
		if c.f.Limit == 0 {
			c.f.Limit = 100
		}
		list, n, err := e.s.ListKeys(e.v, e.main.ID, c.f)
		var names []string
		for _, k := range list {
			names = append(names, k.Name)
			if k.Secret != "" {
				t.Errorf("%+v: a listed key carries its secret", c.f)
			}
		}
		if err != nil || n != c.count || !slices.Equal(names, c.want) {
			t.Errorf("%+v: %q (%d) %v, want %q (%d)", c.f, names, n, err, c.want, c.count)
		}
	}
	stranger := org.Viewer{Roots: map[string]org.Role{"6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f": org.RoleOwner}}
	if _, _, err := e.s.ListKeys(stranger, e.main.ID, KeyFilter{Limit: 10}); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("a stranger listing: %v", err)
	}
}

func TestPatchAndReadKeyRules(t *testing.T) {
	e := newAuthEnv(t)
	in := orgInput("Filiale")
	in.ManagedBy = str(e.main.ID)
	branch, err := e.orgs.Create(e.ctx, e.v, in)
	if err != nil {
		t.Fatal(err)
	}
	k := e.key(e.main.ID, "pos-key")
	bk := e.key(branch.ID, "branch-key")
	member := org.Viewer{Roots: map[string]org.Role{e.main.ID: org.RoleMember}}
	if got, err := e.s.GetKey(member, e.main.ID, k.ID); err != nil || got.ID != k.ID || got.Secret != "" {
		t.Fatalf("members read keys: %+v %v", got, err)
	}
	if _, err := e.s.PatchKey(e.ctx, member, e.main.ID, k.ID, KeyInput{Name: str("renamed")}); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("a member patching: %v", err)
	}
	if err := e.s.DeleteKey(e.ctx, member, e.main.ID, k.ID); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("a member deleting: %v", err)
	}
	// A key is found only under its own organization.
	if _, err := e.s.GetKey(e.v, branch.ID, k.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("a key under another org: %v", err)
	}
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, bk.ID, KeyInput{Status: str(StatusDisabled)}); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("patching a branch key under the parent: %v", err)
	}
	if _, err := e.s.GetKey(org.Viewer{Roots: map[string]org.Role{branch.ID: org.RoleOwner}}, e.main.ID, k.ID); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("the branch reading the parent's key: %v", err)
	}
	var ve *org.ValidationError
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Name: str("x")}); !errors.As(err, &ve) || ve.Field != "name" {
		t.Fatalf("short name: %v", err)
	}
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Metadata: org.Field[map[string]string]{Set: true, V: map[string]string{"pos": "7"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Name: str("renamed"), Metadata: org.Field[map[string]string]{Set: true, Null: true}})
	if err != nil || got.Name != "renamed" || got.Metadata == nil || len(got.Metadata) != 0 || got.Key != k.Key || got.Status != StatusEnabled {
		t.Fatalf("patched %+v %v", got, err)
	}
	// The key string does not follow the name; the secret still works.
	if _, err := e.s.Authenticate(k.Key, k.Secret); err != nil {
		t.Fatalf("after rename: %v", err)
	}
	if err := e.s.DeleteKey(e.ctx, e.v, e.main.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteKey(e.ctx, e.v, e.main.ID, k.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	entries, _, err := e.orgs.Audit(e.v, e.main.ID, 3, 0)
	if err != nil || len(entries) != 3 || entries[0].Action != "api_key.delete" || !slices.Equal(entries[1].Fields, []string{"name", "metadata"}) {
		t.Fatalf("audit %+v %v", entries, err)
	}
	e.keysClean(1)
}

// keysClean runs the doctor's key check and wants n keys and no problem.
func (e *authEnv) keysClean(n int) {
	e.t.Helper()
	var problems []string
	var got int
	err := e.st.View(func(tx store.Tx) (err error) {
		got, err = CheckStore(tx, func(p string) { problems = append(problems, p) })
		return err
	})
	if err != nil || got != n || len(problems) > 0 {
		e.t.Fatalf("key check: %d keys %v %q", got, err, problems)
	}
}

func TestCheckStoreNamesBrokenKeyIndexes(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	e.keysClean(1)
	cases := []struct {
		name string
		brk  func(store.Tx) error
		want string
	}{
		{"by-key index missing", func(tx store.Tx) error { return tx.Delete(store.APIKeyByKeyKey(k.Key)) }, "not found by its key string"},
		{"by-key index of another key", func(tx store.Tx) error { return tx.Set(store.APIKeyByKeyKey(k.Key), []byte("other")) }, "not found by its key string"},
		{"org index missing", func(tx store.Tx) error { return tx.Delete(store.OrgAPIKeyKey(e.main.ID, k.ID)) }, "missing from the keys of organization"},
		{"organization gone", func(tx store.Tx) error { return tx.Delete(store.OrgKey(e.main.ID)) }, "does not exist"},
	}
	for _, c := range cases {
		var problems []string
		rollback := errors.New("rollback")
		err := e.st.Update(e.ctx, func(tx store.Tx) error {
			if err := c.brk(tx); err != nil {
				return err
			}
			if _, err := CheckStore(tx, func(p string) { problems = append(problems, p) }); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || len(problems) != 1 || !strings.Contains(problems[0], c.want) || !strings.Contains(problems[0], k.ID) {
			t.Errorf("%s: %q %v", c.name, problems, err)
		}
	}
	e.keysClean(1)
}

func TestBootstrapRefusals(t *testing.T) {
	e := newAuthEnv(t)
	for _, c := range [][2]string{{"short", "ci-secret-0123456789"}, {"test_ci_bootstrap", "too-short"}} {
		if created, err := e.s.Bootstrap(e.ctx, c[0], c[1], ""); err == nil || created {
			t.Errorf("%q/%q: %v %v", c[0], c[1], created, err)
		}
	}
	if created, err := e.s.Bootstrap(e.ctx, "test_ci_bootstrap", "ci-secret-0123456789", ""); err != nil || !created {
		t.Fatal(created, err)
	}
	k, err := e.s.Authenticate("test_ci_bootstrap", "ci-secret-0123456789")
	if err != nil || k.ID != uuidFor("test_ci_bootstrap") || k.Name != "bootstrap" {
		t.Fatalf("%+v %v", k, err)
	}
	// The org is named by default and carries the placeholders the owner is to replace.
	var o *org.Organization
	_ = e.st.View(func(tx store.Tx) (err error) { o, err = e.orgs.Raw(tx, k.OrganizationID); return err })
	if o == nil || o.Name != "fiskaldesk" || o.AddressLine1 != org.PlaceholderText || o.Zip != org.PlaceholderZip || len(o.MasterDataGaps()) != 4 {
		t.Fatalf("bootstrap org %+v", o)
	}
	// The same key with another secret is refused and left as it was.
	if _, err := e.s.Bootstrap(e.ctx, "test_ci_bootstrap", "another-secret-0123456", ""); err == nil || !strings.Contains(err.Error(), "another secret") {
		t.Fatalf("other secret: %v", err)
	}
	if _, err := e.s.Authenticate("test_ci_bootstrap", "ci-secret-0123456789"); err != nil {
		t.Fatalf("the original secret after the refusal: %v", err)
	}
	e.keysClean(1)
}

func TestLimiterForgetsIdleIdentitiesWhenFull(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := range maxTracked {
		l.fails[fmt.Sprint("id-", i)] = []time.Time{now}
	}
	l.Fail("recent")
	if len(l.fails) != maxTracked+1 {
		t.Fatalf("identities with recent failures were dropped: %d", len(l.fails))
	}
	now = now.Add(2 * time.Minute)
	l.Fail("new")
	if len(l.fails) != 1 || len(l.fails["new"]) != 1 {
		t.Fatalf("%d identities kept after the window", len(l.fails))
	}
	// The delay doubles per failure beyond the free ones, from the last one.
	for range 3 {
		l.Fail("new")
	}
	if _, wait := l.Locked("new"); wait != 2*LoginBaseDelay {
		t.Fatalf("after 4 failures: %v", wait)
	}
	l.Fail("new")
	if _, wait := l.Locked("new"); wait != 4*LoginBaseDelay {
		t.Fatalf("after 5 failures: %v", wait)
	}
}

// TestGeneratedKeysTakeTheCreatorsEnv: the key generated with a new org
// is of the creating token's env and of the new org's type.
func TestGeneratedKeysTakeTheCreatorsEnv(t *testing.T) {
	e := newAuthEnv(t)
	e.goLive()
	gen := func(v org.Viewer, in org.Input) (*org.Organization, *APIKey) {
		t.Helper()
		in.GenerateAPIKey = org.Field[bool]{Set: true, V: true}
		o, k, err := e.s.CreateOrganization(e.ctx, v, in)
		if err != nil {
			t.Fatal(err)
		}
		return o, k
	}
	liveKey := e.v
	liveKey.Env, liveKey.KeyOrgType = org.EnvLive, org.TypeOrganization
	managed := orgInput("Live-Filiale")
	managed.ManagedBy = str(e.main.ID)
	o, k := gen(liveKey, managed)
	if k.Env() != org.EnvLive || k.Type != TypeManagedAPIKey || k.ManagedBy != e.main.ID || !strings.HasPrefix(k.Key, "live_") || !o.HasEnv(org.EnvLive) {
		t.Fatalf("managed org of a LIVE key: %+v %+v", o, k)
	}
	testKey := e.v
	testKey.Env, testKey.KeyOrgType = org.EnvTest, org.TypeOrganization
	o, k = gen(testKey, orgInput("Holding"))
	if k.Env() != org.EnvTest || k.Type != TypeAPIKey || k.ManagedBy != "" || o.AdministeredBy != e.main.ID {
		t.Fatalf("main org of a TEST key: %+v %+v", o, k)
	}
	// The generated key acts for its own org only.
	p, err := e.s.Authenticate(k.Key, k.Secret)
	if err != nil {
		t.Fatal(err)
	}
	v := e.s.KeyViewer(p)
	if _, _, err := e.orgs.Get(v, e.main.ID); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("the holding's key reading its administrator: %v", err)
	}
}

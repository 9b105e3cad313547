package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// API keys and tokens on the in-memory store.

type authEnv struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	orgs *org.Service
	s    *Service
	main *org.Organization
	v    org.Viewer // owner of main
}

func str(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }

func orgInput(name string) org.Input {
	return org.Input{Name: str(name), AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")}
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &authEnv{t: t, ctx: context.Background(), st: st, orgs: org.NewService(st)}
	sealer, _ := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if e.s, err = NewService(e.ctx, st, e.orgs, sealer); err != nil {
		t.Fatal(err)
	}
	if e.main, err = e.orgs.Create(e.ctx, org.Viewer{Actor: audit.System}, orgInput("Reseller")); err != nil {
		t.Fatal(err)
	}
	e.v = org.Viewer{Actor: audit.System, Roots: map[string]org.Role{e.main.ID: org.RoleOwner}}
	return e
}

func (e *authEnv) key(orgID, name string) *APIKey {
	e.t.Helper()
	k, err := e.s.CreateKey(e.ctx, e.v, orgID, KeyInput{Name: str(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

func TestKeyAuthenticatesOnlyWithItsSecretWhileEnabled(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	if k.Secret == "" || !strings.HasPrefix(k.Key, "test_") || k.Status != StatusEnabled || k.Type != TypeAPIKey {
		t.Fatalf("%+v", k)
	}
	// Only the hash is stored.
	_ = e.st.View(func(tx store.Tx) error {
		raw, err := tx.Get(store.APIKeyKey(k.ID))
		if err != nil || strings.Contains(string(raw), k.Secret) {
			t.Errorf("stored key %s %v", raw, err)
		}
		return nil
	})
	got, err := e.s.Authenticate(k.Key, k.Secret)
	if err != nil || got.ID != k.ID || got.Secret != "" {
		t.Fatalf("right secret: %+v %v", got, err)
	}
	for name, c := range map[string][2]string{
		"wrong secret": {k.Key, k.Secret + "x"},
		"unknown key":  {"test_nope", k.Secret},
		"empty":        {"", ""},
	} {
		if _, err := e.s.Authenticate(c[0], c[1]); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A token works until the key is disabled, at once.
	resp, err := e.s.IssueForKey(got)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.s.Resolve(resp.AccessToken)
	if err != nil || p.Kind != "key" || p.Key.ID != k.ID || p.Viewer.Env != org.EnvTest || p.Viewer.KeyOrgType != org.TypeOrganization {
		t.Fatalf("resolve %+v %v", p, err)
	}
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Status: str(StatusDisabled)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Resolve(resp.AccessToken); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("token of a disabled key: %v", err)
	}
	if _, err := e.s.Authenticate(k.Key, k.Secret); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("disabled key: %v", err)
	}
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Status: str(StatusEnabled)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Resolve(resp.AccessToken); err != nil {
		t.Fatalf("re-enabled: %v", err)
	}
	if err := e.s.DeleteKey(e.ctx, e.v, e.main.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Resolve(resp.AccessToken); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("deleted key: %v", err)
	}
	if _, err := e.s.Authenticate(k.Key, k.Secret); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("deleted key authenticates: %v", err)
	}
}

func TestTokens(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	resp, err := e.s.IssueForKey(k)
	if err != nil {
		t.Fatal(err)
	}
	// A refresh token is no access token, and the other way round.
	if _, err := e.s.Resolve(resp.RefreshToken); err == nil {
		t.Fatal("refresh token accepted as access token")
	}
	if _, err := e.s.Refresh(resp.AccessToken); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("access token used to refresh: %v", err)
	}
	fresh, err := e.s.Refresh(resp.RefreshToken)
	if err != nil || fresh.AccessToken == "" {
		t.Fatalf("refresh %+v %v", fresh, err)
	}
	var pe *ParseError
	for _, bad := range []string{"", "abc", resp.AccessToken + "x", strings.Replace(resp.AccessToken, ".", "x.", 1)} {
		if _, err := e.s.Resolve(bad); !errors.As(err, &pe) {
			t.Errorf("token %.20q…: %v", bad, err)
		}
	}
	// Expired: issued with a clock far in the past.
	e.s.now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	old, err := e.s.IssueForKey(k)
	if err != nil {
		t.Fatal(err)
	}
	e.s.now = time.Now
	if _, err := e.s.Resolve(old.AccessToken); err == nil {
		t.Fatal("expired token accepted")
	}
	// A token of another installation (another signing key) is refused.
	other := newAuthEnv(t)
	if _, err := other.s.Resolve(resp.AccessToken); err == nil {
		t.Fatal("token signed with another key accepted")
	}
}

func TestKeysOfManagedOrgsAndLIVE(t *testing.T) {
	e := newAuthEnv(t)
	in := orgInput("Filiale")
	in.ManagedBy = str(e.main.ID)
	branch, err := e.orgs.Create(e.ctx, e.v, in)
	if err != nil {
		t.Fatal(err)
	}
	mk := e.key(branch.ID, "branch-key")
	if mk.Type != TypeManagedAPIKey || mk.ManagedBy != e.main.ID || mk.OrganizationID != branch.ID {
		t.Fatalf("managed key %+v", mk)
	}
	// The branch cannot see or use the parent's keys.
	bv := org.Viewer{Roots: map[string]org.Role{branch.ID: org.RoleOwner}}
	if _, err := e.s.CreateKey(e.ctx, bv, e.main.ID, KeyInput{Name: str("sneaky")}); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("branch creating a parent key: %v", err)
	}
	// LIVE keys only for live orgs.
	if _, err := e.s.CreateKey(e.ctx, e.v, e.main.ID, KeyInput{Name: str("live-key"), Env: str(org.EnvLive)}); !errors.Is(err, org.ErrEnvNotEnabled) {
		t.Fatalf("LIVE key of a TEST org: %v", err)
	}
	// A TEST token creates TEST keys only.
	tv := e.v
	tv.Env = org.EnvTest
	var ve *org.ValidationError
	if _, err := e.s.CreateKey(e.ctx, tv, e.main.ID, KeyInput{Name: str("live-key"), Env: str(org.EnvLive)}); !errors.As(err, &ve) {
		t.Fatalf("LIVE key with a TEST token: %v", err)
	}
	// A member may not create keys.
	member := org.Viewer{Roots: map[string]org.Role{e.main.ID: org.RoleMember}}
	if _, err := e.s.CreateKey(e.ctx, member, e.main.ID, KeyInput{Name: str("member-key")}); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("member: %v", err)
	}
	list, n, err := e.s.ListKeys(e.v, branch.ID, KeyFilter{Limit: 10})
	if err != nil || n != 1 || list[0].ID != mk.ID || list[0].Secret != "" {
		t.Fatalf("list %+v %d %v", list, n, err)
	}
	// Deleting the organization deletes its keys (OnDelete hook).
	if err := e.orgs.Delete(e.ctx, e.v, branch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(mk.Key, mk.Secret); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("key of a deleted org: %v", err)
	}
	_ = e.st.View(func(tx store.Tx) error {
		for _, k := range [][]byte{store.APIKeyKey(mk.ID), store.APIKeyByKeyKey(mk.Key), store.OrgAPIKeyKey(branch.ID, mk.ID)} {
			if ok, err := store.Exists(tx, k); err != nil || ok {
				t.Errorf("%s left behind (%v)", k, err)
			}
		}
		return nil
	})
}

// TestCreateOrganizationWithItsKey: the org and its generated key are one
// transaction — both or neither.
func TestCreateOrganizationWithItsKey(t *testing.T) {
	e := newAuthEnv(t)
	in := orgInput("Kunde")
	in.ManagedBy = str(e.main.ID)
	in.GenerateAPIKey = org.Field[bool]{Set: true, V: true}
	o, k, err := e.s.CreateOrganization(e.ctx, e.v, in)
	if err != nil || k == nil || k.OrganizationID != o.ID || k.Secret == "" || k.Name != "generated-key" {
		t.Fatalf("%+v %+v %v", o, k, err)
	}
	if _, err := e.s.Authenticate(k.Key, k.Secret); err != nil {
		t.Fatalf("generated key: %v", err)
	}
	// Without the flag: no key.
	o2, k2, err := e.s.CreateOrganization(e.ctx, e.v, orgInput("Ohne Schlüssel"))
	if err != nil || k2 != nil || o2 == nil {
		t.Fatalf("%+v %+v %v", o2, k2, err)
	}
	// A LIVE key viewer whose org is not live: the org is refused and no
	// key exists afterwards.
	live := e.v
	live.Env = org.EnvLive
	bad := orgInput("Live-Kunde")
	bad.ManagedBy = str(e.main.ID)
	bad.GenerateAPIKey = org.Field[bool]{Set: true, V: true}
	before := countKeys(t, e)
	if _, _, err := e.s.CreateOrganization(e.ctx, live, bad); err == nil {
		t.Fatal("LIVE managed org under a TEST parent created")
	}
	if after := countKeys(t, e); after != before {
		t.Fatalf("keys %d → %d after a refused create", before, after)
	}
}

func countKeys(t *testing.T, e *authEnv) int {
	t.Helper()
	n := 0
	err := e.st.View(func(tx store.Tx) error {
		return store.ScanKeys(tx, []byte("apikey/"), func([]byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBootstrapIsIdempotent(t *testing.T) {
	e := newAuthEnv(t)
	created, err := e.s.Bootstrap(e.ctx, "test_ci_bootstrap", "ci-secret-0123456789", "CI GmbH")
	if err != nil || !created {
		t.Fatalf("%v %v", created, err)
	}
	again, err := e.s.Bootstrap(e.ctx, "test_ci_bootstrap", "ci-secret-0123456789", "CI GmbH")
	if err != nil || again {
		t.Fatalf("second bootstrap: %v %v", again, err)
	}
	k, err := e.s.Authenticate("test_ci_bootstrap", "ci-secret-0123456789")
	if err != nil || k.Env() != org.EnvTest {
		t.Fatalf("%+v %v", k, err)
	}
}

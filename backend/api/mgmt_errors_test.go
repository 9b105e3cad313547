package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// vendorApp is a set-up app with a vendor org, its owner session and a key.
func vendorApp(t testing.TB) (*testApp, cred, string, cred, [2]string) {
	a := newTestApp(t)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	k, s, _ := a.newKey(owner, vendor, nil)
	return a, owner, vendor, cred{bearer: a.token(k, s)}, [2]string{k, s}
}

func TestErrorBodiesMatchTheCloud(t *testing.T) {
	a, _, vendor, v, key := vendorApp(t)
	exact := func(r resp, want string) {
		t.Helper()
		if got := strings.TrimSpace(string(r.body)); got != want {
			t.Fatalf("body %s\nwant %s", got, want)
		}
	}
	exact(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": key[0], "api_secret": "wrong"}),
		`{"status_code":401,"error":"Unauthorized","message":"Invalid credentials"}`)
	exact(a.do(cred{}, "POST", "/api/v2/auth", map[string]string{"api_key": key[0], "api_secret": "wrong"}),
		`{"status_code":401,"error":"Unauthorized","message":"Unauthorized"}`)
	exact(a.do(v, "POST", "/api/v0/organizations/7a3bd4c4-0e4f-4a34-8b1f-1f0d8b3c9e11/api-keys", map[string]any{"name": "x-key", "status": "enabled"}),
		`{"status_code":404,"error":"Not Found","code":"E_ORGANIZATION_NOT_FOUND","message":"Organization not found."}`)
	exact(a.do(v, "POST", "/api/v0/organizations", orgBody("Orphan", "7a3bd4c4-0e4f-4a34-8b1f-1f0d8b3c9e11")),
		`{"status_code":404,"error":"Not Found","message":"Not Found"}`)
	exact(a.do(cred{bearer: "garbage"}, "GET", "/api/v0/organizations", nil),
		`{"status_code":401,"error":"Unauthorized","message":"could not parse jwt: 'garbage'"}`)

	schema := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"country_code": "XYZ"}, "country_code: \"XYZ\" is not an ISO 3166-1 alpha-3"},
		{map[string]any{"country_code": "DE"}, "country_code"},
		{map[string]any{"name": 123}, "name: must be of type string"},
		{map[string]any{"vat_id": "DE12"}, "vat_id"},
		{map[string]any{"tax_number": strings.Repeat("1", 21)}, "tax_number"}, // any form on create (issue 15), but at most 20 characters
		{map[string]any{"economy_id": "XX123"}, "economy_id"},
		{map[string]any{"zip": nil}, "zip: is required"},
		{map[string]any{"billing_options": map[string]any{"gln": "12"}}, "billing_options.gln"},
		{map[string]any{"metadata": manyKeys(41)}, "metadata: at most 40 keys"},
		{map[string]any{"metadata": map[string]string{strings.Repeat("k", 41): "v"}}, "metadata: key"},
		{map[string]any{"metadata": map[string]string{"k": strings.Repeat("v", 501)}}, "exceeds 500"},
	}
	for _, s := range schema {
		body := orgBody("Valid Name", "")
		for k, v := range s.body {
			body[k] = v
		}
		r := a.must(a.do(v, "POST", "/api/v0/organizations", body), 400)
		if r.str("code") != "E_FAILED_SCHEMA_VALIDATION" || !strings.Contains(r.str("message"), s.field) {
			t.Fatalf("%v: %s", s.body, r.body)
		}
	}
	a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Valid", "")), 200) // the base body is fine
	if r := a.must(a.do(v, "POST", "/api/v0/organizations", "{not json"), 400); r.str("code") != "E_PARSER" {
		t.Fatalf("bad json: %s", r.body)
	}
	if r := a.must(a.do(v, "GET", "/api/v0/organizations?limit=0", nil), 400); !strings.Contains(r.str("message"), "limit") {
		t.Fatalf("limit: %s", r.body)
	}
	if r := a.must(a.do(v, "GET", "/api/v0/organizations/not-a-uuid", nil), 400); !strings.Contains(r.str("message"), "organization_id") {
		t.Fatalf("bad id: %s", r.body)
	}
	_ = vendor
}

func manyKeys(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	return m
}

func TestHierarchyStaysOneLevel(t *testing.T) {
	a, _, vendor, v, _ := vendorApp(t)
	child := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Child", vendor)), 200).str("_id")
	other := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Other Main", "")), 200).str("_id")

	cases := []struct {
		name, path string
		body       map[string]any
		code       string
	}{
		{"self", "/api/v0/organizations/" + other, map[string]any{"managed_by_organization_id": other}, "E_ORGANIZATION_SELF_MANAGED"},
		{"org with managed orgs becomes managed", "/api/v0/organizations/" + vendor, map[string]any{"managed_by_organization_id": other}, "E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS"},
		{"under a managed org", "/api/v0/organizations/" + other, map[string]any{"managed_by_organization_id": child}, "E_MANAGED_ORGANIZATION_NESTING"},
	}
	for _, c := range cases {
		if r := a.must(a.do(v, "PATCH", c.path, c.body), 400); r.str("code") != c.code {
			t.Fatalf("%s: %s", c.name, r.body)
		}
	}
	if r := a.must(a.do(v, "DELETE", "/api/v0/organizations/"+vendor, nil), 400); r.str("code") != "E_ORGANIZATION_HAS_MANAGED_ORGANIZATIONS" {
		t.Fatalf("delete parent: %s", r.body)
	}
	// A main org without children may become managed, and back.
	r := a.must(a.do(v, "PATCH", "/api/v0/organizations/"+other, map[string]any{"managed_by_organization_id": vendor}), 200).obj()
	if r["_type"] != "MANAGED_ORGANIZATION" {
		t.Fatalf("%v", r)
	}
	r = a.must(a.do(v, "PATCH", "/api/v0/organizations/"+other, map[string]any{"managed_by_organization_id": nil}), 200).obj()
	if r["_type"] != "ORGANIZATION" || r["administered_by_organization_id"] != vendor {
		t.Fatalf("%v", r)
	}
}

func TestKeyLifecycleRevokesTokensAtOnce(t *testing.T) {
	a, _, vendor, v, _ := vendorApp(t)
	cafe := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Café", vendor)), 200).str("_id")
	k, s, kid := a.newKey(v, cafe, nil)
	tok := a.token(k, s)
	c := cred{bearer: tok}
	keyPath := "/api/v0/organizations/" + cafe + "/api-keys/" + kid

	a.must(a.do(c, "GET", "/api/v0/organizations/"+cafe, nil), 200)
	a.must(a.do(v, "PATCH", keyPath, map[string]string{"status": "disabled"}), 200)
	if r := a.must(a.do(c, "GET", "/api/v0/organizations/"+cafe, nil), 401); !strings.Contains(r.str("message"), "disabled or deleted") {
		t.Fatalf("disabled key's token: %s", r.body)
	}
	a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": k, "api_secret": s}), 401)
	a.must(a.do(v, "PATCH", keyPath, map[string]string{"status": "enabled"}), 200)
	a.must(a.do(c, "GET", "/api/v0/organizations/"+cafe, nil), 200)

	// Refresh works while the key is enabled.
	rt := a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": k, "api_secret": s}), 200).str("refresh_token")
	a.must(a.do(cred{}, "POST", "/api/v1/auth", map[string]string{"refresh_token": rt}), 200)
	a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"refresh_token": tok}), 401) // an access token is no refresh token

	// An org deleted with a token of its own key: its keys go with it.
	a.must(a.do(c, "DELETE", "/api/v0/organizations/"+cafe, `{"ignored":"body"}`), 200)
	a.must(a.do(c, "GET", "/api/v0/organizations", nil), 401)
	a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"refresh_token": rt}), 401)
	a.must(a.do(v, "GET", "/api/v0/organizations/"+cafe, nil), 404)
}

func TestAuthAcceptsSloppyClients(t *testing.T) {
	a, _, _, _, key := vendorApp(t)
	// An empty "Authorization: Bearer" on /auth is ignored.
	req := map[string]string{"api_key": key[0], "api_secret": key[1]}
	r := a.must(a.do(cred{bearer: " "}, "POST", "/api/v2/auth", req), 200).obj()
	for _, f := range []string{"access_token", "refresh_token", "access_token_expires_in", "access_token_expires_at", "refresh_token_expires_in", "refresh_token_expires_at"} {
		if r[f] == nil {
			t.Fatalf("auth response lacks %s: %v", f, r)
		}
	}
	if r["access_token_expires_in"].(float64) != 86400 || r["refresh_token_expires_at"].(float64)-r["access_token_expires_at"].(float64) != 86400 {
		t.Fatalf("lifetimes: %v", r)
	}
	// Tokens from any /auth work on the management API and its alias.
	tok := cred{bearer: r["access_token"].(string)}
	a.must(a.do(tok, "GET", "/management/api/v0/organizations", `{"json":"on a GET"}`), 200)
	a.must(a.do(tok, "GET", "/sign-de/api/v0/organizations", nil), 200)
}

func TestExpiredTokenIsRefused(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	// Mint an expired token with the store's signing key, independently
	// of the code under test.
	key := tokenKey(t, a)
	var claims map[string]any
	parts := strings.Split(v.bearer, ".")
	b, _ := jwt.NewParser().DecodeSegment(parts[1])
	_ = json.Unmarshal(b, &claims)
	claims["exp"] = time.Now().Add(-time.Minute).Unix()
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if r := a.must(a.do(cred{bearer: expired}, "GET", "/api/v0/organizations", nil), 401); r.str("message") != "Token expired" {
		t.Fatalf("%s", r.body)
	}
	// The same claims signed with another key are not ours.
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString([]byte("not-the-key"))
	a.must(a.do(cred{bearer: forged}, "GET", "/api/v0/organizations", nil), 401)
}

func TestFailedLoginsAreRateLimited(t *testing.T) {
	a, _, _, _, key := vendorApp(t)
	for range 5 {
		a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": key[0], "api_secret": "wrong"}), 401)
	}
	r := a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": key[0], "api_secret": key[1]}), 429)
	if r.hdr.Get("Retry-After") == "" || r.str("code") != "E_TOO_MANY_REQUESTS" || r.obj()["status_code"].(float64) != 429 {
		t.Fatalf("429: %v %s", r.hdr, r.body)
	}
	for range 5 {
		a.must(a.do(cred{}, "POST", "/api/dashboard/login", map[string]string{"email": "owner@vendor.example", "password": "nope"}), 401)
	}
	a.must(a.do(cred{}, "POST", "/api/dashboard/login", map[string]string{"email": "OWNER@vendor.example", "password": pw}), 429)
}

func TestDashboardSessionsAndCSRF(t *testing.T) {
	a := newTestApp(t)
	if !a.must(a.do(cred{}, "GET", "/api/dashboard/setup", nil), 200).obj()["required"].(bool) {
		t.Fatal("a new store needs setup")
	}
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	a.must(a.do(cred{}, "POST", "/api/dashboard/setup", map[string]any{"email": "x@y.example", "password": pw, "organization": orgBody("Second", "")}), 409)

	me := a.must(a.do(owner, "GET", "/api/dashboard/me", nil), 200).obj()
	orgs := me["organizations"].([]any)
	if len(orgs) != 1 || orgs[0].(map[string]any)["role"] != "owner" {
		t.Fatalf("me: %v", me)
	}
	// Changes need the CSRF token with the cookie.
	noCSRF := cred{session: owner.session}
	if r := a.must(a.do(noCSRF, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"display_name": "V"}), 403); r.str("code") != "E_CSRF" {
		t.Fatalf("%s", r.body)
	}
	a.must(a.do(cred{session: owner.session, csrf: "wrong"}, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"display_name": "V"}), 403)
	a.must(a.do(noCSRF, "GET", "/api/v0/organizations/"+vendor, nil), 200)
	a.must(a.do(owner, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"display_name": "V"}), 200)

	// Login sets an HttpOnly, SameSite=Strict cookie.
	r := a.must(a.do(cred{}, "POST", "/api/dashboard/login", map[string]string{"email": "Owner@Vendor.example", "password": pw}), 200)
	sc := r.hdr.Values("Set-Cookie")
	if len(sc) != 2 || !strings.Contains(sc[0], "HttpOnly") || !strings.Contains(sc[0], "SameSite=Strict") || strings.Contains(sc[1], "HttpOnly") {
		t.Fatalf("cookies: %v", sc)
	}
	second := sessionFrom(t, r)

	// A password change ends the other sessions and keeps this one.
	r = a.must(a.do(owner, "POST", "/api/dashboard/password", map[string]string{"current_password": pw, "new_password": "a much newer password"}), 200)
	renewed := sessionFrom(t, r)
	a.must(a.do(second, "GET", "/api/dashboard/me", nil), 401)
	a.must(a.do(renewed, "GET", "/api/dashboard/me", nil), 200)
	a.must(a.do(cred{}, "POST", "/api/dashboard/login", map[string]string{"email": "owner@vendor.example", "password": pw}), 401)
	a.must(a.do(renewed, "POST", "/api/dashboard/password", map[string]string{"current_password": "wrong password", "new_password": "another new password"}), 401)
	a.must(a.do(renewed, "POST", "/api/dashboard/password", map[string]string{"current_password": "a much newer password", "new_password": "short"}), 400)
}

func TestInvitationsAndRoles(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	inv := a.must(a.do(owner, "POST", "/api/v0/organizations/"+vendor+"/users", map[string]any{"email": "Mia@Vendor.example", "first_name": "Mia", "role": "member"}), 200).obj()
	link := inv["accept_url"].(string)
	token := strings.TrimPrefix(link, "/invite/")
	info := a.must(a.do(cred{}, "GET", "/api/dashboard/invitations/"+token, nil), 200).obj()
	if info["email"] != "mia@vendor.example" || info["organization_name"] != "POS Vendor GmbH" || info["user_exists"] != false {
		t.Fatalf("invitation info: %v", info)
	}
	users := a.must(a.do(v, "GET", "/api/v0/organizations/"+vendor+"/users", nil), 200)
	if !strings.Contains(string(users.body), `"status":"invited"`) {
		t.Fatalf("users: %s", users.body)
	}
	mia := sessionFrom(t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+token+"/accept", map[string]string{"password": "mias own password"}), 200))
	a.must(a.do(cred{}, "GET", "/api/dashboard/invitations/"+token, nil), 404) // used up

	// A member reads but does not write.
	a.must(a.do(mia, "GET", "/api/v0/organizations/"+vendor, nil), 200)
	a.must(a.do(mia, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"display_name": "Mia was here"}), 403)
	a.must(a.do(mia, "POST", "/api/v0/organizations/"+vendor+"/api-keys", map[string]any{"name": "mias-key"}), 403)

	// Only owners change roles; the last owner stays.
	miaID := a.must(a.do(mia, "GET", "/api/dashboard/me", nil), 200).obj()["user"].(map[string]any)["_id"].(string)
	ownerID := a.must(a.do(owner, "GET", "/api/dashboard/me", nil), 200).obj()["user"].(map[string]any)["_id"].(string)
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor+"/users/"+miaID, map[string]string{"role": "admin"}), 403)
	a.must(a.do(owner, "PATCH", "/api/v0/organizations/"+vendor+"/users/"+miaID, map[string]string{"role": "admin"}), 200)
	a.must(a.do(mia, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"display_name": "Now allowed"}), 200)
	if r := a.must(a.do(owner, "DELETE", "/api/v0/organizations/"+vendor+"/users/"+ownerID, nil), 400); r.str("code") != "E_LAST_OWNER" {
		t.Fatalf("%s", r.body)
	}
	a.must(a.do(owner, "DELETE", "/api/v0/organizations/"+vendor+"/users/"+miaID, nil), 200)
	a.must(a.do(mia, "GET", "/api/v0/organizations/"+vendor, nil), 404)
}

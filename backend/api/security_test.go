package api

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The findings of the security review (issue 14), each reproduced through
// HTTP against the real router and a real store, and now failing safe.
// The Host, setup-token and CSRF rules are also tested through the real
// binary (security_bin_test.go in the module root).

// accept makes a user of an invitation link.
func (a *testApp) accept(link, password string) cred {
	a.t.Helper()
	return sessionFrom(a.t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+strings.TrimPrefix(link, "/invite/")+"/accept", map[string]string{"password": password}), 200))
}

// invite makes a new user with role in orgID, invited by c.
func (a *testApp) invite(c cred, orgID, email string, role string) cred {
	a.t.Helper()
	link := a.must(a.do(c, "POST", "/api/v0/organizations/"+orgID+"/users", map[string]any{"email": email, "role": role}), 200).str("accept_url")
	return a.accept(link, "a good password "+role)
}

// Finding 1: installation powers came from organization roles. The owner
// of a white-label partner's main organization (created with the
// reseller's key) and a second owner of the setup organization could
// restore a backup over every tenant, pair sync with their own server and
// change the price list. Only the installation role opens these now.
func TestFindingInstallationPowersNeedTheInstallationRole(t *testing.T) {
	a := newTestApp(t)
	root, vendor := a.setup("root@vendor.example", pw, "Reseller GmbH")
	vk, vs, _ := a.newKey(root, vendor, nil)
	v := cred{bearer: a.token(vk, vs)}
	partner := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("White Label AG", "")), 200).str("_id")
	partnerOwner := a.invite(root, partner, "boss@whitelabel.example", "owner")
	coOwner := a.invite(root, vendor, "co@vendor.example", "owner")

	installationRoutes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/dashboard/restore", []byte("not a backup")},
		{"POST", "/api/dashboard/sync/connect", map[string]string{"url": "https://attacker.example", "credential": "fdsync_a_b"}},
		{"POST", "/api/dashboard/sync/run", map[string]any{}},
		{"POST", "/api/dashboard/sync/workstations", map[string]string{"name": "exfil"}},
		{"GET", "/api/dashboard/sync/conflicts", nil},
		{"GET", "/api/dashboard/sync", nil},
		{"PUT", "/api/v0/billing/price-list", map[string]any{"tss_per_month": 0}},
		{"POST", "/api/v0/invoices/generate", map[string]string{"month": "2026-01"}},
		{"GET", "/api/dashboard/installation/users", nil},
	}
	for name, c := range map[string]cred{"partner owner": partnerOwner, "second owner of the setup org": coOwner, "reseller key": v} {
		for _, rt := range installationRoutes {
			if r := a.do(c, rt.method, rt.path, rt.body); r.status != 403 || r.str("code") != "E_ACCESS_DENIED" {
				t.Errorf("%s: %s %s answered %d %s", name, rt.method, rt.path, r.status, r.body)
			}
		}
		if a.must(a.do(c, "GET", "/api/dashboard/me", nil), 200).obj()["installation_admin"] != false {
			t.Errorf("%s shown as installation admin", name)
		}
	}
	if a.must(a.do(root, "GET", "/api/dashboard/me", nil), 200).obj()["installation_admin"] != true {
		t.Fatal("the setup user is the installation admin")
	}
	wantCode(t, a.do(root, "POST", "/api/dashboard/restore", []byte("not a backup")), 400, "E_NOT_A_BACKUP")

	// The installation admin grants the role to the co-owner, who then
	// may; revoking takes it away at once; the last admin stays.
	coID := userID(a, coOwner)
	a.must(a.do(root, "PUT", "/api/dashboard/installation/admins/"+coID, nil), 200)
	a.must(a.do(coOwner, "GET", "/api/dashboard/sync", nil), 200)
	users := a.must(a.do(coOwner, "GET", "/api/dashboard/installation/users", nil), 200)
	if n := strings.Count(string(users.body), `"installation_admin":true`); n != 2 {
		t.Fatalf("%d admins listed: %s", n, users.body)
	}
	rootID := userID(a, root)
	a.must(a.do(coOwner, "DELETE", "/api/dashboard/installation/admins/"+rootID, nil), 200)
	a.must(a.do(root, "GET", "/api/dashboard/sync", nil), 403)
	wantCode(t, a.do(coOwner, "DELETE", "/api/dashboard/installation/admins/"+coID, nil), 400, "E_LAST_INSTALLATION_ADMIN")
	// An organization role, however strong, does not grant it.
	a.must(a.do(partnerOwner, "PUT", "/api/dashboard/installation/admins/"+userID(a, partnerOwner), nil), 403)

	// A new main organization is a new tenant: not from an org role.
	wantCode(t, a.do(partnerOwner, "POST", "/api/v0/organizations", orgBody("Own Tenant", "")), 403, "E_ACCESS_DENIED")
	a.must(a.do(coOwner, "POST", "/api/v0/organizations", orgBody("New Tenant", "")), 200)
}

// Finding 2: a repeated PUT of a CREATED TSS answered its PUK when the
// TSS's organization equalled the acting one, and the acting one came from
// X-Organization-ID before any visibility check: any key of another tenant
// got the victim's PUK.
func TestFindingNoPUKForAnotherTenant(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	tssID := uuid.NewString()
	puk := a.must(a.do(v, "PUT", "/api/v2/tss/"+tssID, map[string]any{}), 200).str("admin_puk")
	if puk == "" {
		t.Fatal("no PUK")
	}
	other, otherOwner := a.tenant(owner, "Attacker GmbH", "attacker@evil.example")
	ak, as, _ := a.newKey(otherOwner, other, nil)
	attacker := cred{bearer: a.token(ak, as)}
	for _, hdr := range []map[string]string{{"X-Organization-ID": vendor}, nil} {
		r := a.doH(attacker, "PUT", "/api/v2/tss/"+tssID, map[string]any{}, hdr)
		if r.status != 404 || strings.Contains(string(r.body), puk) {
			t.Fatalf("another tenant's PUT with %v: %d %s", hdr, r.status, r.body)
		}
	}
	// The same through a session of the other tenant.
	r := a.doH(otherOwner, "PUT", "/api/v2/tss/"+tssID, map[string]any{}, map[string]string{"X-Organization-ID": vendor})
	if r.status != 404 || strings.Contains(string(r.body), puk) {
		t.Fatalf("session: %d %s", r.status, r.body)
	}
	// The vendor itself still gets it again while CREATED.
	if a.must(a.do(v, "PUT", "/api/v2/tss/"+tssID, map[string]any{}), 200).str("admin_puk") != puk {
		t.Fatal("repeat for the owner lost the PUK")
	}
}

// Finding 3 (in the router; the binary test covers the real listener):
// setup accepted text/plain, foreign origins, any Host, and needed nothing
// but the request.
func TestFindingSetupNeedsTokenJSONAndOurHost(t *testing.T) {
	a := newTestApp(t)
	body := map[string]any{"email": "evil@attacker.example", "password": "attacker password", "organization": orgBody("Evil", "")}
	tok := map[string]string{SetupTokenHeader: a.setupToken}
	wantCode(t, a.do(cred{}, "POST", "/api/dashboard/setup", body), 403, "E_SETUP_TOKEN")
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/setup", body, map[string]string{SetupTokenHeader: "guess"}), 403, "E_SETUP_TOKEN")
	plain := map[string]string{SetupTokenHeader: a.setupToken, "Content-Type": "text/plain"}
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/setup", `{"email":"evil@attacker.example"}`, plain), 415, "E_UNSUPPORTED_MEDIA_TYPE")
	foreign := map[string]string{SetupTokenHeader: a.setupToken, "Origin": "http://attacker.example"}
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/setup", body, foreign), 403, "E_CROSS_ORIGIN")
	rebound := map[string]string{SetupTokenHeader: a.setupToken, "Host": "attacker.example:8280"}
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/setup", body, rebound), 421, "E_MISDIRECTED_REQUEST")
	wantCode(t, a.doH(cred{}, "GET", "/api/v0/organizations", nil, map[string]string{"Host": "attacker.example"}), 421, "E_MISDIRECTED_REQUEST")
	if s := a.must(a.do(cred{}, "GET", "/api/dashboard/setup", nil), 200).obj(); s["required"] != true || s["token_valid"] != false {
		t.Fatalf("setup status %v", s)
	}
	if s := a.must(a.doH(cred{}, "GET", "/api/dashboard/setup", nil, tok), 200).obj(); s["token_valid"] != true {
		t.Fatalf("setup status with the token %v", s)
	}
	// Same origin, JSON, the token: the first start works once.
	same := map[string]string{SetupTokenHeader: a.setupToken, "Origin": "http://" + testHost}
	a.must(a.doH(cred{}, "POST", "/api/dashboard/setup", map[string]any{"email": "owner@vendor.example", "password": pw, "organization": orgBody("Vendor", "")}, same), 200)
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/setup", body, tok), 409, "E_SETUP_DONE")
	if a.must(a.do(cred{}, "GET", "/api/dashboard/setup", nil), 200).obj()["required"] != false {
		t.Fatal("setup still open")
	}
	// Cookie routes take JSON only; the CSRF header stays required.
	owner := sessionFrom(t, a.must(a.do(cred{}, "POST", "/api/dashboard/login", map[string]string{"email": "owner@vendor.example", "password": pw}), 200))
	me := a.must(a.do(owner, "GET", "/api/dashboard/me", nil), 200).obj()
	orgID := me["organizations"].([]any)[0].(map[string]any)["_id"].(string)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	wantCode(t, a.doH(owner, "POST", "/api/v0/organizations/"+orgID+"/api-keys", "name=stolen", form), 415, "E_UNSUPPORTED_MEDIA_TYPE")
	wantCode(t, a.doH(cred{}, "POST", "/api/dashboard/login", "email=a&password=b", form), 415, "E_UNSUPPORTED_MEDIA_TYPE")
	// A POS with a bearer token stays free to send what it likes.
	k, s, _ := a.newKey(owner, orgID, nil)
	a.must(a.doH(cred{}, "POST", "/api/v2/auth", `{"api_key":"`+k+`","api_secret":"`+s+`"}`, map[string]string{"Content-Type": "text/plain"}), 200)
}

// Finding 4: members wrote; sessions reached LIVE in TEST-only orgs; a
// managed org's own key detached it from its parent; another tenant's TSS
// id answered 409.
func TestFindingRolesHoldOnEveryAPI(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	member := a.invite(owner, vendor, "mia@vendor.example", "member")
	scope := map[string]string{"X-Organization-ID": vendor}
	wantCode(t, a.doH(member, "PUT", "/api/v2/tss/"+uuid.NewString(), map[string]any{}, scope), 403, "E_ACCESS_DENIED")
	wantCode(t, a.doH(member, "POST", "/api/v2/sandbox/failures", map[string]any{"kind": "error", "status": 423}, scope), 403, "E_ACCESS_DENIED")
	wantCode(t, a.doH(member, "PUT", "/api/v1/purchaser_agencies/"+uuid.NewString(), map[string]any{"name": "x"}, scope), 403, "E_ACCESS_DENIED")
	a.must(a.doH(member, "GET", "/api/v2/tss", nil, scope), 200) // reading is what members do
	// A rule the vendor's admin adds cannot be lifted by the member either.
	rule := a.must(a.doH(owner, "POST", "/api/v2/sandbox/failures", map[string]any{"kind": "latency", "latency_ms": 1}, scope), 200).str("_id")
	a.must(a.doH(member, "DELETE", "/api/v2/sandbox/failures/"+rule, nil, scope), 403)

	// LIVE needs a live organization for sessions as for keys.
	live := map[string]string{"X-Organization-ID": vendor, "X-Env": "LIVE"}
	wantCode(t, a.doH(owner, "PUT", "/api/v2/tss/"+uuid.NewString(), map[string]any{}, live), 400, "E_ENV_NOT_ENABLED")
	wantCode(t, a.doH(owner, "GET", "/api/v2/tss", nil, live), 400, "E_ENV_NOT_ENABLED")

	// A managed org cannot change who manages it.
	cafe := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Cafe", vendor)), 200).str("_id")
	ck, cs, _ := a.newKey(v, cafe, nil)
	cafeKey := cred{bearer: a.token(ck, cs)}
	wantCode(t, a.do(cafeKey, "PATCH", "/api/v0/organizations/"+cafe, map[string]any{"managed_by_organization_id": nil}), 403, "E_ACCESS_DENIED")
	if got := a.must(a.do(v, "GET", "/api/v0/organizations/"+cafe, nil), 200).obj(); got["managed_by_organization_id"] != vendor || got["_type"] != "MANAGED_ORGANIZATION" {
		t.Fatalf("cafe after the attempt: %v", got)
	}
	// Its parent still can.
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+cafe, map[string]any{"managed_by_organization_id": nil}), 200)

	// Another tenant's TSS id: 404, never a 409 that confirms it.
	tssID := uuid.NewString()
	a.must(a.do(v, "PUT", "/api/v2/tss/"+tssID, map[string]any{}), 200)
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+tssID, map[string]string{"state": "UNINITIALIZED"}), 200)
	other, otherOwner := a.tenant(owner, "Other GmbH", "other@other.example")
	ok, os, _ := a.newKey(otherOwner, other, nil)
	stranger := cred{bearer: a.token(ok, os)}
	wantCode(t, a.do(stranger, "PUT", "/api/v2/tss/"+tssID, map[string]any{}), 404, "E_TSS_NOT_FOUND")
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+tssID, map[string]any{}), 409, "E_TSS_CONFLICT") // its own tenant: 409
	// The same for a client id, unique system-wide.
	_, clients := posSetup(t, a, v, 1)
	tssB, _ := posSetup(t, a, stranger, 0)
	wantCode(t, a.do(stranger, "PUT", "/api/v2/tss/"+tssB+"/client/"+clients[0], map[string]string{"serial_number": "Till 1"}), 404, "E_CLIENT_NOT_FOUND")
}

// Finding 7: wrong PUKs were never locked out and each signed a log; PINs
// could be anything; answers carried no security headers.
func TestFindingPUKLockoutPINRulesAndHeaders(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	id := uuid.NewString()
	puk := a.must(a.do(v, "PUT", "/api/v2/tss/"+id, map[string]any{}), 200).str("admin_puk")
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+id, map[string]string{"state": "UNINITIALIZED"}), 200)
	for _, pin := range []string{"12345", "123\x00456", "pin with space", "päss-wört", strings.Repeat("9", 65)} {
		wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": pin}), 400, CodeSchema)
	}
	counter := func() string { return a.must(a.do(v, "GET", "/api/v2/tss/"+id, nil), 200).str("signature_counter") }
	for range 5 {
		wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": "0000000001", "new_admin_pin": "123456"}), 401, "E_ADMIN_LOGIN_FAILED")
	}
	before := counter()
	for range 20 {
		r := a.do(v, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": "0000000001", "new_admin_pin": "123456"})
		wantCode(t, r, 423, "E_ADMIN_PUK_BLOCKED")
		if r.hdr.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	}
	// Blocked attempts are neither checked nor signed: no log flood. Even
	// the right PUK waits for the back-off.
	wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": "123456"}), 423, "E_ADMIN_PUK_BLOCKED")
	if after := counter(); after != before {
		t.Fatalf("signature counter %s → %s while the PUK was blocked", before, after)
	}

	// Security headers: API answers and the dashboard.
	for path, want := range map[string]string{"/api/v2/tss/" + id: "default-src 'none'", "/": "style-src 'self' 'nonce-"} {
		r := a.do(v, "GET", path, nil)
		h := r.hdr
		if !strings.Contains(h.Get("Content-Security-Policy"), want) || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("%s headers: %v", path, h)
		}
		if strings.HasPrefix(path, "/api/") && h.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s Cache-Control %q", path, h.Get("Cache-Control"))
		}
	}
}

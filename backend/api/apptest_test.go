package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/jobs"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// testApp is the real router on a real Badger store in a temp dir, with a
// small HTTP client around it.
type testApp struct {
	t    testing.TB
	h    http.Handler
	st   *store.Store
	dir  string
	orgs *org.Service
	auth *auth.Service
	tss  *tss.Service
	jobs *jobs.Runner
	// setupToken is the first-start token the server would print.
	setupToken string
}

// testHost is the Host httptest gives requests; the test servers answer
// to it as a real one answers to its --allowed-hosts.
const testHost = "example.com"

func newTestApp(t testing.TB) *testApp { return newTestAppLimits(t, false) }

// newTestAppLimits builds the app with the cloud's rate limits on or off;
// most tests poll faster than the limits allow and run with them off.
func newTestAppLimits(t testing.TB, withLimits bool) *testApp {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	orgs := org.NewService(st)
	bill := billing.NewService(st, orgs)
	sealer := testSealer()
	keys, err := auth.NewService(context.Background(), st, orgs, sealer)
	if err != nil {
		t.Fatal(err)
	}
	signer := tss.NewService(st, orgs, sealer)
	runner, err := jobs.New(st, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.StartExports(t.Context(), runner, t.TempDir(), 2, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	dk := dsfinvk.NewService(st, orgs, signer)
	if err := dk.Start(t.Context(), runner, t.TempDir(), zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runner.Stop) // before the store closes
	syncSvc := sync.NewService(st, sealer, zerolog.Nop())
	setup := NewSetupToken()
	h := NewRouter(Deps{Store: st, Log: zerolog.Nop(), Version: "test", SPA: testSPA, Orgs: orgs, Auth: keys, TSS: signer, DSFinVK: dk,
		Billing: bill, Sync: syncSvc, NoRateLimits: !withLimits, AllowedHosts: []string{testHost}, Setup: setup,
		// Like server.StageRestore it takes only backups, but keeps nothing.
		StageRestore: func(r io.Reader) error {
			if _, _, err := store.ReadBackupHeader(bufio.NewReader(r)); err != nil {
				return err
			}
			_, err := io.Copy(io.Discard, r)
			return err
		}})
	return &testApp{t: t, h: h, st: st, dir: dir, orgs: orgs, auth: keys, tss: signer, jobs: runner, setupToken: setup.Value()}
}

// cred is how a request authenticates: a bearer token, or a dashboard
// session (cookie + CSRF token), or nothing.
type cred struct {
	bearer  string
	session string
	csrf    string
}

type resp struct {
	status int
	body   []byte
	hdr    http.Header
}

func (r resp) obj() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m
}

func (r resp) str(key string) string {
	v, _ := r.obj()[key].(string)
	return v
}

func (a *testApp) do(c cred, method, path string, body any) resp {
	a.t.Helper()
	return a.doH(c, method, path, body, nil)
}

// doH is do with extra request headers.
func (a *testApp) doH(c cred, method, path string, body any, hdr map[string]string) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		// What the dashboard and POS clients send; tests of other types set it.
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.session})
		if c.csrf != "" {
			req.Header.Set(csrfHeader, c.csrf)
		}
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	// Every answer the tests see must match the OpenAPI document.
	if c, err := contractFor(a.h); err != nil {
		a.t.Fatalf("OpenAPI contract: %v", err)
	} else if err := c.check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		a.t.Errorf("%v", err)
	}
	return resp{rec.Code, rec.Body.Bytes(), rec.Header()}
}

// must fails the test unless r has the wanted status.
func (a *testApp) must(r resp, status int) resp {
	a.t.Helper()
	if r.status != status {
		a.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// token authenticates a key pair through POST /api/v0/auth.
func (a *testApp) token(key, secret string) string {
	a.t.Helper()
	r := a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": key, "api_secret": secret}), 200)
	return r.str("access_token")
}

// setup runs the first start and returns the owner's session.
func (a *testApp) setup(email, password, orgName string) (cred, string) {
	a.t.Helper()
	r := a.must(a.doH(cred{}, "POST", "/api/dashboard/setup", map[string]any{
		"email": email, "password": password, "first_name": "Olga", "last_name": "Owner",
		"organization": orgBody(orgName, ""),
	}, map[string]string{SetupTokenHeader: a.setupToken}), 200)
	return sessionFrom(a.t, r), r.obj()["organization"].(map[string]any)["_id"].(string)
}

// tenant makes an unrelated main organization the way an installation
// administrator provisions one: admin creates it, invites its owner, and
// leaves it. It returns the organization and the new owner's session.
func (a *testApp) tenant(admin cred, name, email string) (string, cred) {
	a.t.Helper()
	id := a.must(a.do(admin, "POST", "/api/v0/organizations", orgBody(name, "")), 200).str("_id")
	link := a.must(a.do(admin, "POST", "/api/v0/organizations/"+id+"/users", map[string]any{"email": email, "role": "owner"}), 200).str("accept_url")
	owner := sessionFrom(a.t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+strings.TrimPrefix(link, "/invite/")+"/accept",
		map[string]string{"password": "tenant owner password"}), 200))
	adminID := a.must(a.do(admin, "GET", "/api/dashboard/me", nil), 200).obj()["user"].(map[string]any)["_id"].(string)
	a.must(a.do(owner, "DELETE", "/api/v0/organizations/"+id+"/users/"+adminID, nil), 200)
	return id, owner
}

func sessionFrom(t testing.TB, r resp) cred {
	t.Helper()
	var c cred
	for _, ck := range (&http.Response{Header: r.hdr}).Cookies() {
		if ck.Name == sessionCookie {
			c.session = ck.Value
		}
	}
	c.csrf = r.str("csrf_token")
	if c.session == "" || c.csrf == "" {
		t.Fatalf("no session in response: %v %s", r.hdr, r.body)
	}
	return c
}

func orgBody(name, parent string) map[string]any {
	b := map[string]any{"name": name, "address_line1": "Hauptstraße 1", "zip": "10115", "town": "Berlin", "country_code": "DEU"}
	if parent != "" {
		b["managed_by_organization_id"] = parent
	}
	return b
}

// newKey creates a key for orgID and returns (key, secret, id).
func (a *testApp) newKey(c cred, orgID string, extra map[string]any) (string, string, string) {
	a.t.Helper()
	body := map[string]any{"name": "pos-key", "status": "enabled"}
	for k, v := range extra {
		body[k] = v
	}
	r := a.must(a.do(c, "POST", "/api/v0/organizations/"+orgID+"/api-keys", body), 200)
	return r.str("key"), r.str("secret"), r.str("_id")
}

// ids returns the _id of every element of a list response.
func ids(r resp) []string {
	var l struct {
		Data []struct {
			ID string `json:"_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(r.body, &l)
	out := make([]string, len(l.Data))
	for i, d := range l.Data {
		out[i] = d.ID
	}
	return out
}

// principalOf resolves a bearer credential the way the router does.
func principalOf(t *testing.T, a *testApp, c cred) *auth.Principal {
	t.Helper()
	p, err := a.auth.Resolve(c.bearer)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func jsonRaw(v any) ([]byte, error) { return json.Marshal(v) }

// testSealer seals under the test apps' data key.
func testSealer() *secret.Sealer {
	s, _ := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	return s
}

// tokenKey is the token signing key, unsealed from the store with the
// data key, for tests that mint tokens independently of the code under
// test. It is never in the store in clear.
func tokenKey(t testing.TB, a *testApp) []byte {
	t.Helper()
	var box []byte
	if err := a.st.View(func(txn store.Tx) (err error) { box, err = txn.Get(store.KeyTokenKey); return err }); err != nil {
		t.Fatal(err)
	}
	key, err := testSealer().Open(box, []byte("token-key"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// billingAddress creates a billing address for orgID and returns its id.
func billingAddress(t *testing.T, a *testApp, c cred, orgID string) string {
	t.Helper()
	return a.must(a.do(c, "POST", "/api/v0/billing-addresses", map[string]any{"organization_id": orgID, "company_name": "Rechnung GmbH",
		"address_line1": "Zahlweg 1", "zip": "10115", "town": "Berlin", "country_code": "DEU", "invoice_email": "rechnung@example.com"}), 200).str("_id")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// with returns the app bound to t, for fuzz targets whose iterations have
// their own *testing.T.
func (a *testApp) with(t testing.TB) *testApp {
	c := *a
	c.t = t
	return &c
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/store/pgtest"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

const testToken = "local-test-token"

var testSPA = fstest.MapFS{
	"index.html":         {Data: []byte("<!doctype html><title>spa index</title>")},
	"favicon.svg":        {Data: []byte("<svg/>")},
	"assets/app-1234.js": {Data: []byte("console.log('app')")},
}

// newTestRouter builds the real router on a real Badger store in a temp dir.
func newTestRouter(t *testing.T, logs io.Writer) (http.Handler, *store.Store) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return newTestRouterOn(t, st, logs), st
}

// newTestRouterOn builds the router over st, which it closes at the end.
func newTestRouterOn(t *testing.T, st *store.Store, logs io.Writer) http.Handler {
	t.Helper()
	t.Cleanup(func() { _ = st.Close() })
	if logs == nil {
		logs = io.Discard
	}
	orgs := org.NewService(st)
	sealer := testSealer()
	keys, err := auth.NewService(context.Background(), st, orgs, sealer)
	if err != nil {
		t.Fatal(err)
	}
	h := NewRouter(Deps{Store: st, Log: zerolog.New(logs), Version: "1.2.3-test", SPA: testSPA, LocalToken: testToken, Orgs: orgs, Auth: keys, TSS: tss.NewService(st, orgs, sealer),
		AllowedHosts: []string{testHost}})
	return h
}

func errBody(status int, code, msg string) string {
	b, _ := json.Marshal(errorBody{status, http.StatusText(status), code, msg})
	return string(b)
}

type scenario struct {
	name        string
	method, url string
	headers     map[string]string
	body        io.Reader
	wantStatus  int
	wantBody    string // exact JSON when it starts with '{', else a substring
	wantHeaders map[string]string
}

func TestRouterScenarios(t *testing.T) {
	h, _ := newTestRouter(t, nil)
	tooLarge := errBody(413, CodeBodyTooLarge, "Request body exceeds 1 MB (1048576 bytes)")
	notFound := errBody(404, CodeRouteNotFound, "Route not found")
	scenarios := []scenario{
		{name: "health", method: "GET", url: "/healthz", wantStatus: 200,
			wantBody: fmt.Sprintf(`{"status":"ok","version":"1.2.3-test","store_format":%d}`, store.FormatVersion)},
		{name: "health with json body on GET is ignored", method: "GET", url: "/healthz", body: strings.NewReader(`{"x":1}`), wantStatus: 200,
			wantBody: fmt.Sprintf(`{"status":"ok","version":"1.2.3-test","store_format":%d}`, store.FormatVersion)},
		{name: "unknown api route", method: "GET", url: "/api/x", wantStatus: 404, wantBody: notFound},
		{name: "unknown api route, POST is 404 not 405", method: "POST", url: "/api/v2/nothing", body: strings.NewReader("{}"), wantStatus: 404, wantBody: notFound},
		{name: "api never falls back to the SPA", method: "GET", url: "/api/v0/nothing/deep", wantStatus: 404, wantBody: notFound},
		{name: "wrong method on a known route", method: "DELETE", url: "/healthz", wantStatus: 405,
			wantBody: errBody(405, CodeMethodNotAllowed, "Method DELETE not allowed on /healthz")},
		{name: "SPA root", method: "GET", url: "/", wantStatus: 200, wantBody: "spa index",
			wantHeaders: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}},
		{name: "SPA deep route falls back to index", method: "GET", url: "/settings/workstation", wantStatus: 200, wantBody: "spa index"},
		{name: "SPA static file", method: "GET", url: "/favicon.svg", wantStatus: 200, wantBody: "<svg/>"},
		{name: "hashed asset is cached", method: "GET", url: "/assets/app-1234.js", wantStatus: 200, wantBody: "console.log",
			wantHeaders: map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}},
		{name: "missing asset is a 404, not index.html", method: "GET", url: "/assets/gone.js", wantStatus: 404, wantBody: notFound},
		{name: "declared body over 1 MB", method: "POST", url: "/api/v0/auth", body: bytes.NewReader(make([]byte, 2<<20)), wantStatus: 413, wantBody: tooLarge},
		{name: "body over 1 MB on a non-api path", method: "PUT", url: "/whatever", body: bytes.NewReader(make([]byte, MaxBodyBytes+1)), wantStatus: 413, wantBody: tooLarge},
		{name: "request id is echoed", method: "GET", url: "/healthz", headers: map[string]string{"request-id": "pos-42"}, wantStatus: 200,
			wantHeaders: map[string]string{"Request-Id": "pos-42", "X-Request-Id": "pos-42"}},
		{name: "X-Request-ID is echoed too", method: "GET", url: "/api/x", headers: map[string]string{"X-Request-ID": "pos-43"}, wantStatus: 404,
			wantHeaders: map[string]string{"Request-Id": "pos-43"}},
		{name: "local backup without token", method: "POST", url: "/api/local/backup", wantStatus: 401,
			wantBody: errBody(401, CodeUnauthorized, "Unauthorized")},
		{name: "local backup with a wrong token", method: "POST", url: "/api/local/backup", headers: map[string]string{"Authorization": "Bearer nope"}, wantStatus: 401},
		{name: "every response names the version", method: "GET", url: "/api/x", wantStatus: 404,
			wantHeaders: map[string]string{"Fiskaldesk-Version": "1.2.3-test"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(sc.method, sc.url, sc.body)
			for k, v := range sc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != sc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, sc.wantStatus, rec.Body)
			}
			got := strings.TrimSpace(rec.Body.String())
			if strings.HasPrefix(sc.wantBody, "{") {
				if got != sc.wantBody {
					t.Fatalf("body = %s\nwant  %s", got, sc.wantBody)
				}
			} else if !strings.Contains(got, sc.wantBody) {
				t.Fatalf("body %q does not contain %q", got, sc.wantBody)
			}
			for k, v := range sc.wantHeaders {
				if rec.Header().Get(k) != v {
					t.Fatalf("header %s = %q, want %q", k, rec.Header().Get(k), v)
				}
			}
			if rec.Header().Get("Request-Id") == "" {
				t.Fatal("no request-id header")
			}
		})
	}
}

func TestRequestIDGeneratedWhenMissingOrInsane(t *testing.T) {
	h, _ := newTestRouter(t, nil)
	seen := map[string]bool{}
	for _, id := range []string{"", strings.Repeat("x", 201), "bad id with spaces", "new\nline"} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		if id != "" {
			req.Header["Request-Id"] = []string{id}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("Request-Id")
		if got == id || len(got) != 36 || seen[got] {
			t.Fatalf("for %q got request id %q, want a fresh UUID", id, got)
		}
		seen[got] = true
	}
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	h, _ := newTestRouter(t, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/healthz", nil))
	if rec.Code != 405 || !strings.Contains(rec.Header().Get("Allow"), "GET") {
		t.Fatalf("status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestHealthIs503OnceTheStoreIsClosed(t *testing.T) {
	h, st := newTestRouter(t, nil)
	_ = st.Close()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if want := errBody(503, CodeUnavailable, "Store unavailable"); rec.Code != 503 || strings.TrimSpace(rec.Body.String()) != want {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestAccessLogLine(t *testing.T) {
	var logs bytes.Buffer
	h, _ := newTestRouter(t, &logs)
	req := httptest.NewRequest("GET", "/api/x", nil)
	req.Header.Set("request-id", "log-me")
	h.ServeHTTP(httptest.NewRecorder(), req)
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log is not one JSON line: %q", logs.String())
	}
	for k, want := range map[string]any{"request_id": "log-me", "method": "GET", "path": "/api/x", "status": float64(404), "message": "request"} {
		if line[k] != want {
			t.Fatalf("log field %s = %v, want %v (line %v)", k, line[k], want, line)
		}
	}
}

// postLocalBackup asks the server at base for an online backup with the
// local token and returns the answer with its whole body read (trailers
// are set once the body is read).
func postLocalBackup(t *testing.T, base string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/local/backup", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestOnlineBackupStreamsACompleteBackup(t *testing.T) {
	h, _ := newTestRouter(t, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, body := postLocalBackup(t, srv.URL)
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"magic":"fiskaldesk-backup"`)) {
		t.Fatalf("status %d body %.80q", resp.StatusCode, body)
	}
	if resp.Trailer.Get(BackupTrailer) != "complete" {
		t.Fatalf("trailer %q", resp.Trailer.Get(BackupTrailer))
	}
}

// A server on a PostgreSQL store answers the online backup with an error
// body naming the database's tools, not with an empty 200 stream.
func TestOnlineBackupOfAPostgresStoreIsRefused(t *testing.T) {
	st, err := store.OpenPostgres(context.Background(), pgtest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newTestRouterOn(t, st, nil))
	defer srv.Close()
	resp, body := postLocalBackup(t, srv.URL)
	if resp.StatusCode != 501 || !strings.Contains(string(body), "E_UNAVAILABLE") || !strings.Contains(string(body), "pg_dump") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
}

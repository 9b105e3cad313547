package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/api"
	"github.com/fiskaldesk/fiskaldesk/backend/server"
	"github.com/rs/zerolog"
)

// The jar gives the window what a browser's cookie store would: cookies set
// by an answer come back with later requests, a deleted one does not, and
// one the request already carries is left as it is.
func TestWindowJarKeepsTheSessionCookie(t *testing.T) {
	jar := newWindowJar()
	var seen []string
	h := jar.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("fiskaldesk_session")
		if err == nil {
			seen = append(seen, c.Value)
		} else {
			seen = append(seen, "")
		}
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "fiskaldesk_session", Value: "tok-1", Path: "/", Expires: time.Now().Add(time.Hour), HttpOnly: true})
			_, _ = w.Write([]byte("{}"))
		case "/login-briefly":
			// Expires has second resolution on the wire.
			http.SetCookie(w, &http.Cookie{Name: "fiskaldesk_session", Value: "tok-short", Path: "/", Expires: time.Now().Add(2 * time.Second)})
			w.WriteHeader(http.StatusOK)
		case "/logout":
			http.SetCookie(w, &http.Cookie{Name: "fiskaldesk_session", Value: "", Path: "/", MaxAge: -1})
			w.WriteHeader(http.StatusOK)
		}
	}))
	do := func(path string, cookie string) {
		r := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	do("/me", "")
	do("/login", "")
	do("/me", "")
	do("/me", "fiskaldesk_session=own")
	do("/login-briefly", "")
	time.Sleep(3 * time.Second) // past that cookie's expiry
	do("/me", "")
	do("/login", "")
	do("/logout", "")
	do("/me", "")
	want := []string{"", "", "tok-1", "own", "tok-1", "", "", "tok-1", ""}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("request %d saw session %q, want %q (all: %q)", i, seen[i], want[i], seen)
		}
	}
}

// The desktop window's page does the first start without being told the
// setup token: the chain in front of the asset server passes it, and marks
// the window's requests, whose Host and Origin are the asset server's. The
// same requests from the network are refused.
func TestWindowPassesTheSetupTokenItself(t *testing.T) {
	cfg := server.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", LogLevel: "error"}
	s, err := server.New(cfg, zerolog.Nop(), spaFS())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SetupToken() == "" {
		t.Fatal("a new data dir has a setup token")
	}
	window := newWindowJar().wrap(windowSetup(api.WindowHandler(s.Handler), s.SetupToken))
	body := `{"email":"desk@shop.example","password":"desk password 1","organization":{"name":"Desk GmbH","address_line1":"Weg 1","zip":"12345","town":"Ort","country_code":"DEU"}}`
	req := func(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "wails://wails"+path, strings.NewReader(body))
		r.Host = "wails"
		r.Header.Set("Origin", "wails://wails")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := req(s.Handler, "POST", "/api/dashboard/setup", body); w.Code != http.StatusMisdirectedRequest {
		t.Fatalf("unwrapped: %d %s", w.Code, w.Body)
	}
	if w := req(window, "GET", "/api/dashboard/setup", ""); !strings.Contains(w.Body.String(), `"token_valid":true`) {
		t.Fatalf("window setup status: %d %s", w.Code, w.Body)
	}
	if w := req(window, "POST", "/api/dashboard/setup", body); w.Code != http.StatusOK {
		t.Fatalf("window setup: %d %s", w.Code, w.Body)
	}
	if s.SetupToken() != "" {
		t.Fatal("the token outlived the setup")
	}
	// The session the jar keeps works for the next request of the window.
	if w := req(window, "GET", "/api/dashboard/me", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"installation_admin":true`) {
		t.Fatalf("me through the window: %d %s", w.Code, w.Body)
	}
}

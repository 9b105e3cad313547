package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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

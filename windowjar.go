package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"

	"github.com/fiskaldesk/fiskaldesk/backend/api"
)

// windowJar is the desktop window's cookie store. WebKitGTK keeps no
// cookies for the asset server's custom scheme, so the dashboard session
// cookie set at login would be lost and every next request would be logged
// out. The jar sits in front of the handler the asset server calls — only
// the window's own page reaches it, never another origin — and keeps the
// cookies the answers set in a standard library jar (expiry and deletion
// as a browser handles them), sending them with the next requests.
type windowJar struct {
	jar    http.CookieJar
	origin *url.URL // the window's one origin, as the jar needs a URL
}

func newWindowJar() *windowJar {
	jar, _ := cookiejar.New(nil) // fails only for a bad public suffix list, which nil is not
	return &windowJar{jar: jar, origin: &url.URL{Scheme: "http", Host: "wails", Path: "/"}}
}

func (j *windowJar) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range j.jar.Cookies(j.origin) {
			if _, err := r.Cookie(c.Name); err != nil {
				r.AddCookie(c)
			}
		}
		jw := &jarWriter{ResponseWriter: w, jar: j}
		h.ServeHTTP(jw, r)
		if !jw.written { // an answer without body or status: its cookies count too
			jw.keep()
		}
	})
}

type jarWriter struct {
	http.ResponseWriter
	jar     *windowJar
	written bool
}

// keep hands the answer's cookies to the jar, once, before the header goes out.
func (w *jarWriter) keep() {
	w.written = true
	w.jar.jar.SetCookies(w.jar.origin, (&http.Response{Header: w.Header()}).Cookies())
}

func (w *jarWriter) WriteHeader(code int) {
	if !w.written {
		w.keep()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *jarWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flushes of
// long downloads).
func (w *jarWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// windowSetup passes the first-start setup token with the window's setup
// requests: whoever sees the window started fiskaldesk on this machine,
// as whoever reads the token from the terminal did (docs/security.md).
// Only the window's own page reaches this handler.
func windowSetup(h http.Handler, token func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/dashboard/setup" {
			if t := token(); t != "" {
				r.Header.Set(api.SetupTokenHeader, t)
			}
		}
		h.ServeHTTP(w, r)
	})
}

package main

import (
	"net/http"
	"sync"
	"time"
)

// windowJar is the desktop window's cookie jar. WebKitGTK keeps no cookies
// for the asset server's custom scheme, so the dashboard session cookie set
// at login would be lost and every next request would be logged out. The
// jar sits in front of the handler the asset server calls — only the
// window's own page reaches it, never another origin — stores the cookies
// the answers set and sends them with the next requests, as a browser does.
type windowJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
	now     func() time.Time
}

func newWindowJar() *windowJar {
	return &windowJar{cookies: map[string]*http.Cookie{}, now: time.Now}
}

func (j *windowJar) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.mu.Lock()
		now := j.now()
		for name, c := range j.cookies {
			if !c.Expires.IsZero() && now.After(c.Expires) {
				delete(j.cookies, name)
				continue
			}
			if _, err := r.Cookie(name); err != nil {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
		}
		j.mu.Unlock()
		jw := &jarWriter{ResponseWriter: w, jar: j}
		h.ServeHTTP(jw, r)
		if !jw.written { // an answer without body or status: its cookies count too
			j.keep(w.Header())
		}
	})
}

// keep takes the cookies of an answer: a cookie that expires is removed.
func (j *windowJar) keep(hdr http.Header) {
	set := (&http.Response{Header: hdr}).Cookies()
	if len(set) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range set {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && !c.Expires.After(j.now())) {
			delete(j.cookies, c.Name)
			continue
		}
		j.cookies[c.Name] = c
	}
}

type jarWriter struct {
	http.ResponseWriter
	jar     *windowJar
	written bool
}

func (w *jarWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		w.jar.keep(w.Header())
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

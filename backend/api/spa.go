package api

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

// spa serves the built dashboard. Files that exist are served as they are
// (hashed assets cached for a year); any other extension-less path is a
// client-side route and gets index.html, so deep links and reloads work.
// /api/… never reaches this handler.
type spa struct {
	files fs.FS
	index []byte
}

func newSPA(files fs.FS) *spa {
	s := &spa{files: files}
	if files != nil {
		s.index, _ = fs.ReadFile(files, "index.html")
	}
	if s.index == nil {
		s.index = notBuiltPage
	}
	return s
}

func (s *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && name != "index.html" && s.files != nil {
		if st, err := fs.Stat(s.files, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			http.ServeFileFS(w, r, s.files, name)
			return
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			writeError(w, r, err)
			return
		}
		if path.Ext(name) != "" {
			// A missing asset must not turn into an HTML page with status 200.
			writeError(w, r, errRouteNotFound)
			return
		}
	}
	// A fresh nonce per answer for the <style> elements Mantine injects
	// (providers.tsx); Vite writes the placeholder into index.html.
	nonce := secret.Token62(22)
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(dashboardCSP, nonce))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(bytes.ReplaceAll(s.index, []byte(cspNoncePlaceholder), []byte(nonce)))
}

// cspNoncePlaceholder is html.cspNonce of vite.config.ts.
const cspNoncePlaceholder = "FISKALDESK_CSP_NONCE"

// notBuiltPage is served when the binary was built without the frontend
// (plain `go build`); the APIs still work.
var notBuiltPage = []byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fiskaldesk</title></head>
<body><h1>fiskaldesk</h1><p>This binary was built without the dashboard. The APIs are served;
build the dashboard with <code>make build</code> or <code>make run</code>.</p></body></html>
`)

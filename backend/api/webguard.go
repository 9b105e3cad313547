package api

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

// The loopback server distrusts the browser it lives next to
// (docs/security.md › The browser next to a workstation): a page of any
// origin the user opens can send requests to 127.0.0.1, and with DNS
// rebinding read the answers. These are the defences at the edge; the
// authorization step (access.go) is the next.

// hostGuard answers 421 Misdirected Request to a Host that is not this
// server's: DNS rebinding makes a browser send requests for
// attacker.example to 127.0.0.1, with that name in Host. Loopback names,
// the listen address and --allowed-hosts are this server's; the desktop
// window's asset server (WindowHandler) is too.
func hostGuard(allowed []string) func(http.Handler) http.Handler {
	set := map[string]bool{"localhost": true}
	for _, h := range allowed {
		set[normHost(h)] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !fromWindow(r) && !hostOK(set, r.Host) {
				writeError(w, r, Errorf(http.StatusMisdirectedRequest, "E_MISDIRECTED_REQUEST",
					"Host %q is not served here; start fiskaldesk with --allowed-hosts to serve it", r.Host))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// normHost lower-cases a host and drops its port, brackets and final dot.
func normHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}

func hostOK(set map[string]bool, host string) bool {
	h := normHost(host)
	if set[h] {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// originGuard refuses a request that changes something when the browser
// says it comes from another origin (or from an opaque one, "null"). POS
// systems send no Origin and are not affected.
func originGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !safeMethod(r.Method) && !fromWindow(r) {
			u, err := url.Parse(o)
			if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
				writeError(w, r, Errorf(http.StatusForbidden, "E_CROSS_ORIGIN", "Requests from another origin (%s) are refused", o))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every answer carries. API answers are
// never documents to render or cache: a CSP that allows nothing and
// no-store. The dashboard's HTML replaces both (spa.go).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// dashboardCSP is the dashboard's policy; %s is the per-answer nonce that
// Mantine's injected <style> elements carry (providers.tsx reads it from
// the csp-nonce meta element Vite writes, see vite.config.ts). Scripts
// come only from this origin; nothing may frame the dashboard.
const dashboardCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-%s'; img-src 'self' data: blob:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const windowKey ctxKey = 300

// WindowHandler marks requests of the desktop window, which reach h
// through Wails' asset server rather than the network: their Host is the
// asset server's and their origin the window's own, so hostGuard and
// originGuard let them through. Nothing outside the process can set the
// mark.
func WindowHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), windowKey, true)))
	})
}

func fromWindow(r *http.Request) bool {
	v, _ := r.Context().Value(windowKey).(bool)
	return v
}

// SetupTokenHeader carries the setup token on POST /api/dashboard/setup.
const SetupTokenHeader = "X-Setup-Token"

// SetupToken is the one-time secret that first-start setup needs
// (docs/security.md): created at start while the installation has no
// administrator, printed with the URL, passed by the desktop window
// itself, void once setup succeeded. Without it a page in the browser
// could make itself the installation's administrator.
type SetupToken struct {
	mu    sync.Mutex // also serialises setups
	value string
}

// NewSetupToken returns a fresh token.
func NewSetupToken() *SetupToken { return &SetupToken{value: secret.Token62(32)} }

// Value is the token, "" once used (or never created).
func (t *SetupToken) Value() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.value
}

// valid compares in constant time; t.mu must be held.
func (t *SetupToken) valid(s string) bool {
	return t.value != "" && subtle.ConstantTimeCompare([]byte(s), []byte(t.value)) == 1
}

var errSetupToken = &Error{Status: http.StatusForbidden, Code: "E_SETUP_TOKEN",
	Message: "First-start setup needs the setup token that fiskaldesk printed with its URL (open that link, or pass it in X-Setup-Token)"}

// checkSetupToken lets a setup request through while setup is open only
// with the token; once done, the handler answers 409.
func (a *handlers) checkSetupToken(r *http.Request) error {
	needed, err := a.orgs.NeedsSetup()
	if err != nil || !needed {
		return err
	}
	t := a.setup
	if t == nil {
		return errSetupToken
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.valid(r.Header.Get(SetupTokenHeader)) {
		return errSetupToken
	}
	return nil
}

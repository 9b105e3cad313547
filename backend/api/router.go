package api

import (
	"crypto/subtle"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Deps is what the router needs from the composition root.
type Deps struct {
	Store   *store.Store
	Log     zerolog.Logger
	Version string
	// SPA holds the built dashboard (frontend/dist); it may lack index.html
	// in a binary built without the frontend.
	SPA fs.FS
	// LocalToken authorises /api/local/* calls from CLI commands on the
	// same machine (see server.RunFile); empty disables those routes.
	LocalToken string
	Orgs       *org.Service
	Auth       *auth.Service
	TSS        *tss.Service
	DSFinVK    *dsfinvk.Service
	Billing    *billing.Service
	Sync       *sync.Service
	// StageRestore keeps an uploaded backup for the next start (nil:
	// restore from the dashboard is not offered).
	StageRestore func(io.Reader) error
	// NoRateLimits switches the cloud's per-resource rate limits off.
	NoRateLimits bool
	// AllowedHosts are the names and addresses this server answers to
	// besides the loopback ones (hostGuard): its listen address and
	// --allowed-hosts.
	AllowedHosts []string
	// Setup is the first-start setup token; nil when the installation
	// already has an administrator at start.
	Setup *SetupToken
}

// NewRouter returns the one http.Handler that serves the dashboard and
// every API, used alike by the desktop window and `serve`.
func NewRouter(d Deps) http.Handler {
	r := chi.NewRouter()
	root := r
	r.Use(requestID, versionHeader(d.Version), accessLog(d.Log), recoverer, securityHeaders, hostGuard(d.AllowedHosts), originGuard, limitBody)
	r.NotFound(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return errRouteNotFound }).ServeHTTP)
	r.MethodNotAllowed(methodNotAllowed(r))

	h := &handlers{orgs: d.Orgs, auth: d.Auth, tss: d.TSS, dk: d.DSFinVK, bill: d.Billing, sync: d.Sync, st: d.Store,
		stageRestore: d.StageRestore, setup: d.Setup, localToken: d.LocalToken, version: d.Version}
	h.openapi = h.openAPIDoc(root)
	if !d.NoRateLimits {
		h.limits = newLimiters()
	}
	h.table = h.routes()
	// /healthz and /api/openapi.json; chi prefers these static routes to
	// the /api subrouter mounted below.
	h.bind(site)(r)
	// The cloud's three hosts become path prefixes; every API is also
	// served under each of them so a POS only swaps its base URL
	// (https://dashboard.fiskaly.com/api/v0 → http://127.0.0.1:8280/management/api/v0).
	// v0 is Management everywhere but under /dsfinvk, where it is the
	// DSFinV-K alias of v1, as in the cloud.
	apis := func(v0 func(chi.Router)) func(chi.Router) {
		return func(r chi.Router) {
			r.NotFound(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return errRouteNotFound }).ServeHTTP)
			r.MethodNotAllowed(methodNotAllowed(root))
			r.Route("/v0", v0)
			r.Route("/v1", h.bind(dsfinvkV1))
			r.Route("/v2", h.bind(signDE))
		}
	}
	r.Route("/api", func(r chi.Router) {
		apis(h.bind(mgmt))(r)
		r.Route("/dashboard", h.bind(dash))
		r.Route("/sync/v1", h.bind(syncAPI))
		if d.LocalToken != "" {
			r.Route("/local", h.bind(local))
		}
	})
	r.Route("/management/api", apis(h.bind(mgmt)))
	r.Route("/sign-de/api", apis(h.bind(mgmt)))
	r.Route("/dsfinvk/api", apis(h.bind(dsfinvkV1)))

	spa := newSPA(d.SPA)
	r.Method(http.MethodGet, "/*", spa)
	r.Method(http.MethodHead, "/*", spa)
	return r
}

// methodNotAllowed answers 405 with an Allow header; chi only computes
// Allow in its own default handler, so ask the root router which methods
// match the path.
func methodNotAllowed(root chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if root.Match(chi.NewRouteContext(), m, r.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, r, Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Method %s not allowed on %s", r.Method, r.URL.Path))
	}
}

type healthBody struct {
	Status      string `json:"status"`
	Version     string `json:"version"`
	StoreFormat uint32 `json:"store_format"`
}

// health answers 200 while the store can be read, 503 once it is closed
// (shutdown in progress).
func (a *handlers) health(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.st.InstanceID(); err != nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "Store unavailable")
	}
	writeJSON(w, http.StatusOK, healthBody{"ok", a.version, store.FormatVersion})
	return nil
}

// errSharedStoreBackup answers backup and restore on a store in
// PostgreSQL, which the database's own tools back up (docs/scale.md).
func errSharedStoreBackup() error {
	return Errorf(http.StatusNotImplemented, CodeUnavailable,
		"This server keeps its store in PostgreSQL: back it up with pg_dump and restore it with pg_restore.")
}

// localBackup is POST /api/local/backup: the online backup used by
// `fiskaldesk backup` while a server holds the store.
func (a *handlers) localBackup(w http.ResponseWriter, r *http.Request) error {
	if !localAuthorized(r, a.localToken) {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Unauthorized"}
	}
	if a.st.Shared() {
		return errSharedStoreBackup()
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Trailer", BackupTrailer)
	// Once the stream has started a failure can only cut it short; the
	// trailer, set only on success, lets the client tell.
	if _, err := a.st.Backup(w); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("online backup failed")
		return nil
	}
	w.Header().Set(BackupTrailer, "complete")
	return nil
}

// localStats is GET /api/local/stats: how the TSS committers grouped
// the changes they stored since the start (for benchmarks and the crash
// test; docs/BENCHMARKS.md › Group commit).
func (a *handlers) localStats(w http.ResponseWriter, r *http.Request) error {
	if !localAuthorized(r, a.localToken) {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Unauthorized"}
	}
	groups, requests := a.tss.GroupStats()
	writeJSON(w, http.StatusOK, LocalStats{Groups: groups, GroupedRequests: requests})
	return nil
}

// LocalStats is the answer of GET /api/local/stats.
type LocalStats struct {
	Groups          uint64 `json:"groups"`
	GroupedRequests uint64 `json:"grouped_requests"`
}

// localSync runs one sync round in this server for `fiskaldesk sync`
// while the server holds the store.
func (a *handlers) localSync(w http.ResponseWriter, r *http.Request) error {
	if !localAuthorized(r, a.localToken) {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Unauthorized"}
	}
	res, err := a.sync.Round(r.Context())
	if err != nil {
		return syncClientError(err)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// BackupTrailer is the HTTP trailer that marks a complete online backup.
const BackupTrailer = "Fiskaldesk-Backup"

func localAuthorized(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

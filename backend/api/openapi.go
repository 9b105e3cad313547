package api

import (
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// The OpenAPI document is generated from the router itself (chi.Walk), so
// it lists exactly what is served; summaries come from the table below,
// keyed by method and route.
var summaries = map[string]string{
	"POST /api/v0/auth": "Authenticate with api_key/api_secret or refresh_token", "POST /api/v1/auth": "Authenticate (DSFinV-K)", "POST /api/v2/auth": "Authenticate (SIGN DE)",
	"GET /api/v0/organizations": "List organizations", "POST /api/v0/organizations": "Create an organization or managed organization",
	"GET /api/v0/organizations/{organization_id}": "Retrieve an organization", "PATCH /api/v0/organizations/{organization_id}": "Update an organization",
	"DELETE /api/v0/organizations/{organization_id}": "Delete an organization", "POST /api/v0/organizations/{organization_id}/enable-env": "Enable an environment (go live)",
	"POST /api/v0/organizations/{organization_id}/hand-over": "End administration by the creating organization (extension)",
	"GET /api/v0/organizations/{organization_id}/audit-log":  "Audit trail (extension)",
	"GET /api/v2/tss": "List TSS", "PUT /api/v2/tss/{tss_id}": "Create a TSS", "GET /api/v2/tss/{tss_id}": "Retrieve a TSS", "PATCH /api/v2/tss/{tss_id}": "Change a TSS's state",
	"PATCH /api/v2/tss/{tss_id}/admin": "Change or unblock the admin PIN with the PUK", "POST /api/v2/tss/{tss_id}/admin/auth": "Authenticate as admin",
	"POST /api/v2/tss/{tss_id}/admin/logout": "Log out the admin", "PUT /api/v2/tss/{tss_id}/client/{client_id}": "Register a client",
	"PATCH /api/v2/tss/{tss_id}/client/{client_id}": "Register or deregister a client", "PUT /api/v2/tss/{tss_id}/tx/{tx_id}": "Start, update, finish or cancel a transaction",
	"GET /api/v2/tss/{tss_id}/tx/{tx_id}": "Retrieve a transaction (by id or number, optionally a revision)", "GET /api/v2/tss/{tss_id}/tx/{tx_id}/log": "Signed log of a revision (deprecated)",
	"GET /api/v2/tss/{tss_id}/tx": "List a TSS's transactions", "GET /api/v2/tx": "List all transactions", "GET /api/v2/client": "List all clients",
	"POST /api/v2/sandbox/failures": "Add a failure rule (extension)", "GET /api/v2/sandbox/failures": "List failure rules (extension)",
	"DELETE /api/v2/sandbox/failures/{rule_id}": "Delete a failure rule (extension)",
	"GET /api/sync/v1/hello":                    "Check a sync credential; names the central instance (sync, docs/sync.md)",
	"POST /api/sync/v1/push":                    "Apply a batch of a workstation's outbox entries (sync)",
	"GET /api/sync/v1/pull":                     "The central's organization changes after a sequence (sync)",
	"GET /api/dashboard/sync":                   "Sync role and status of this instance", "POST /api/dashboard/sync/connect": "Pair this instance as a workstation",
	"POST /api/dashboard/sync/run": "Run a sync round now", "GET /api/dashboard/sync/conflicts": "Conflicts found by sync",
	"GET /api/dashboard/sync/workstations": "Paired workstations (central)", "POST /api/dashboard/sync/workstations": "Issue a workstation credential (central)",
	"DELETE /api/dashboard/sync/workstations/{id}": "Revoke a workstation credential", "GET /api/dashboard/sync/workstations/{id}/tss": "Every TSS a workstation signs (central view)",
	"POST /api/dashboard/restore": "Stage a backup to restore at the next start",
	"GET /api/dashboard/rollup":   "Figures of every visible organization (or one and those it administers): totals, per day, per organization",
}

var paramRe = regexp.MustCompile(`\{([a-z_]+)\}`)

type openAPIDoc struct {
	OpenAPI    string                               `json:"openapi"`
	Info       map[string]string                    `json:"info"`
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components map[string]any                       `json:"components"`
}

func buildOpenAPI(root chi.Routes, version string) openAPIDoc {
	doc := openAPIDoc{
		OpenAPI: "3.0.3",
		Info:    map[string]string{"title": "fiskaldesk — Management v0, SIGN DE v2, DSFinV-K v1 and extensions", "version": version},
		Paths:   map[string]map[string]map[string]any{},
		Components: map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"syncCredential": map[string]string{"type": "http", "scheme": "bearer", "bearerFormat": "fdsync_<workstation>_<secret>"}},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "required": []string{"status_code", "error", "message"},
				"properties": map[string]any{"status_code": map[string]string{"type": "integer"}, "error": map[string]string{"type": "string"},
					"code": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"}}}},
		},
	}
	_ = chi.Walk(root, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.ReplaceAll(route, "/*", ""), "/")
		if !strings.HasPrefix(route, "/api/") || strings.HasPrefix(route, "/api/local") {
			return nil // host aliases repeat /api; local routes are for the CLI
		}
		op := map[string]any{
			"operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_").Replace(route),
			"responses": map[string]any{
				"200":     map[string]string{"description": "Success (fiskaly answers 200 for every success)"},
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		if s, ok := summaries[method+" "+route]; ok {
			op["summary"] = s
		}
		switch {
		case strings.HasPrefix(route, "/api/sync/"):
			op["security"] = []map[string][]string{{"syncCredential": {}}}
		case !strings.HasSuffix(route, "/auth") && !strings.HasPrefix(route, "/api/dashboard/"):
			op["security"] = []map[string][]string{{"bearer": {}}}
		}
		var params []map[string]any
		for _, m := range paramRe.FindAllStringSubmatch(route, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if doc.Paths[route] == nil {
			doc.Paths[route] = map[string]map[string]any{}
		}
		doc.Paths[route][strings.ToLower(method)] = op
		return nil
	})
	return doc
}

// openAPIHandler serves the document, built once on first request.
func openAPIHandler(root chi.Routes, version string) http.HandlerFunc {
	var once sync.Once
	var doc openAPIDoc
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { doc = buildOpenAPI(root, version) })
		writeJSON(w, http.StatusOK, doc)
	}
}

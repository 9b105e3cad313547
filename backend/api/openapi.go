package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
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

// buildOpenAPI walks the router for the routes served and attaches to each
// the schemas generated from its contract's Go types.
func buildOpenAPI(root chi.Routes, version string) (*openapi3.T, error) {
	gen := newSchemaGen()
	errSchema, err := gen.schema(errorBody{})
	if err != nil {
		return nil, err
	}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    &openapi3.Info{Title: "fiskaldesk — Management v0, SIGN DE v2, DSFinV-K v1 and extensions", Version: version},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: gen.schemas,
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer":         {Value: openapi3.NewJWTSecurityScheme()},
				"syncCredential": {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").WithBearerFormat("fdsync_<workstation>_<secret>")},
			},
		},
	}
	err = chi.Walk(root, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.ReplaceAll(route, "/*", ""), "/")
		if !strings.HasPrefix(route, "/api/") || strings.HasPrefix(route, "/api/local") {
			return nil // host aliases repeat /api; local routes are for the CLI
		}
		key := method + " " + route
		op := openapi3.NewOperation()
		op.OperationID = strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_").Replace(route)
		op.Summary = summaries[key]
		ok := openapi3.NewResponse().WithDescription("Success (fiskaly answers 200 for every success)")
		c, typed := contracts[key]
		if typed && c.resp != nil {
			ref, err := gen.schema(c.resp)
			if err != nil {
				return err
			}
			ok.WithJSONSchemaRef(ref)
		}
		if typed && len(c.file) > 0 {
			ok.Content = openapi3.Content{}
			for _, mt := range c.file {
				ok.Content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
			}
			partial := *ok
			partial.Description = ptr("Part of the file (Range request)")
			op.AddResponse(http.StatusPartialContent, &partial)
		}
		op.AddResponse(http.StatusOK, ok)
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Error").WithJSONSchemaRef(errSchema)})
		if typed && c.req != nil {
			ref, err := gen.schema(c.req)
			if err != nil {
				return err
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(ref)}
		}
		switch {
		case strings.HasPrefix(route, "/api/sync/"):
			op.Security = &openapi3.SecurityRequirements{{"syncCredential": {}}}
		case !strings.HasSuffix(route, "/auth") && !strings.HasPrefix(route, "/api/dashboard/"):
			op.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
		}
		for _, m := range paramRe.FindAllStringSubmatch(route, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		doc.AddOperation(route, method, op)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// openAPIHandler serves the document, built once on first request.
func openAPIHandler(root chi.Routes, version string) HandlerFunc {
	var once sync.Once
	var doc *openapi3.T
	var err error
	return func(w http.ResponseWriter, r *http.Request) error {
		once.Do(func() { doc, err = buildOpenAPI(root, version) })
		if err != nil {
			return fmt.Errorf("openapi document: %w", err)
		}
		writeJSON(w, http.StatusOK, doc)
		return nil
	}
}

func ptr[T any](v T) *T { return &v }

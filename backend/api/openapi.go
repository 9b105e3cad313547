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

var paramRe = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI walks the router for the routes served (chi.Walk, so the
// document lists exactly what is served) and describes each from its row
// of the route table: summary, parameters, and the schemas generated from
// the Go types the row declares (route.in, route.out) or its file media
// types. A served route without a row is an error, as is a row whose types
// cannot be turned into a schema.
func buildOpenAPI(root chi.Routes, table []route, version string) (*openapi3.T, error) {
	rows := map[string]route{}
	for _, rt := range table {
		rows[rt.method+" "+rt.api.docBase()+rt.path] = rt
	}
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
	err = chi.Walk(root, func(method, path string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path = strings.TrimSuffix(strings.ReplaceAll(path, "/*", ""), "/")
		switch {
		case method == http.MethodHead:
			return nil // GET's answer without the body
		case path != "/healthz" && !strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/api/local"):
			return nil // the SPA; host aliases repeat /api; local routes are for the CLI
		}
		rt, ok := rows[method+" "+path]
		if !ok {
			return fmt.Errorf("%s %s is served but has no row in the route table", method, path)
		}
		op, err := operation(gen, rt, path, errSchema)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		doc.AddOperation(path, method, op)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// operation describes one route of the table.
func operation(gen *schemaGen, rt route, path string, errSchema *openapi3.SchemaRef) (*openapi3.Operation, error) {
	op := openapi3.NewOperation()
	op.OperationID = strings.ToLower(rt.method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(path)
	op.Summary = rt.summary
	ok := openapi3.NewResponse().WithDescription("Success (fiskaly answers 200 for every success)")
	if rt.out != nil {
		ref, err := gen.schema(rt.out)
		if err != nil {
			return nil, err
		}
		ok.WithJSONSchemaRef(ref)
	}
	if len(rt.outTypes) > 0 {
		ok.Content = files(rt.outTypes)
		partial := *ok
		partial.Description = ptr("Part of the file (Range request)")
		op.AddResponse(http.StatusPartialContent, &partial)
	}
	if rt.untypedReason != "" {
		ok.Description = ptr("Success; " + rt.untypedReason)
	}
	op.AddResponse(http.StatusOK, ok)
	op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("Error").WithJSONSchemaRef(errSchema)})
	switch {
	case rt.in != nil:
		ref, err := gen.schema(rt.in)
		if err != nil {
			return nil, err
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(ref)}
	case len(rt.inTypes) > 0:
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithContent(files(rt.inTypes))}
	}
	switch rt.access {
	case syncCredential:
		op.Security = &openapi3.SecurityRequirements{{"syncCredential": {}}}
	case public, setupToken, localToken:
	default:
		if rt.api != dash {
			op.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
		}
	}
	for _, m := range paramRe.FindAllStringSubmatch(path, -1) {
		op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
	}
	return op, nil
}

// files is the content of a file body or answer: any bytes of mediaTypes.
func files(mediaTypes []string) openapi3.Content {
	c := openapi3.Content{}
	for _, mt := range mediaTypes {
		c[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
	}
	return c
}

// openAPIDoc serves the document of root and a's route table, built once
// on first request.
func (a *handlers) openAPIDoc(root chi.Routes) HandlerFunc {
	var once sync.Once
	var doc *openapi3.T
	var err error
	return func(w http.ResponseWriter, r *http.Request) error {
		once.Do(func() { doc, err = buildOpenAPI(root, a.table, a.version) })
		if err != nil {
			return fmt.Errorf("openapi document: %w", err)
		}
		writeJSON(w, http.StatusOK, doc)
		return nil
	}
}

func ptr[T any](v T) *T { return &v }

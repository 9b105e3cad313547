package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
)

// contractChecker validates answers of the API tests against the OpenAPI
// document the server publishes: every request a test sends through
// testApp.do is matched to its operation, and its answer checked against
// the schema generated from the route's Go types (contracts). A mismatch
// fails the test that sent the request.
type contractChecker struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	checkerOnce sync.Once
	checker     *contractChecker
	checkerErr  error
)

// contractFor builds the checker once per test binary from a router (every
// router of the tests serves the same routes).
func contractFor(h http.Handler) (*contractChecker, error) {
	checkerOnce.Do(func() {
		routes, ok := h.(chi.Routes)
		if !ok {
			checkerErr = fmt.Errorf("router %T is not a chi router", h)
			return
		}
		doc, err := buildOpenAPI(routes, "test")
		if err != nil {
			checkerErr = err
			return
		}
		// Round trip through JSON: what is checked is what clients load.
		b, err := json.Marshal(doc)
		if err != nil {
			checkerErr = err
			return
		}
		if doc, err = openapi3.NewLoader().LoadFromData(b); err != nil {
			checkerErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			checkerErr = fmt.Errorf("the OpenAPI document is invalid: %w", err)
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			checkerErr = err
			return
		}
		checker = &contractChecker{doc: doc, router: r}
	})
	return checker, checkerErr
}

// aliasPrefixes map the host-alias prefixes to the paths the document lists.
var aliasPrefixes = []struct{ from, to string }{
	{"/dsfinvk/api/v0/", "/api/v1/"}, // the DSFinV-K v0 alias
	{"/management/api/", "/api/"}, {"/sign-de/api/", "/api/"}, {"/dsfinvk/api/", "/api/"},
}

// check validates one answer; it returns nil for requests outside the
// document (the SPA, /healthz, unknown routes: their own tests check them).
func (c *contractChecker) check(req *http.Request, status int, header http.Header, body []byte) error {
	path := req.URL.Path
	for _, a := range aliasPrefixes {
		if strings.HasPrefix(path, a.from) {
			path = a.to + strings.TrimPrefix(path, a.from)
			break
		}
	}
	if !strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/api/local/") {
		return nil
	}
	path = strings.TrimSuffix(path, "/") // a group's root route, listed without its slash
	r := req.Clone(context.Background())
	r.URL.Path, r.URL.RawPath, r.URL.Host, r.URL.Scheme, r.Host = path, "", "", "", ""
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // not a route: the answer is the router's own error
		}
		return fmt.Errorf("%s %s answered %d but is not in the OpenAPI document: %w", req.Method, req.URL.Path, status, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{ExcludeRequestBody: true}},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s → %d does not match its schema: %w\nbody: %.400s", req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

func TestOpenAPIDocumentIsValidAndTyped(t *testing.T) {
	a := newTestApp(t)
	r := a.must(a.do(cred{}, "GET", "/api/openapi.json", nil), 200)
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	for key := range contracts {
		method, path, _ := strings.Cut(key, " ")
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("contract for %s, which is not served", key)
			continue
		}
		ok := item.GetOperation(method).Responses.Status(200)
		if contracts[key].resp != nil && (ok == nil || ok.Value.Content.Get("application/json") == nil) {
			t.Errorf("%s: no answer schema", key)
		}
	}
	exp := doc.Components.Schemas["TssExport"]
	if exp == nil || exp.Value.Properties["state"] == nil || !slices.Contains(exp.Value.Required, "state") || slices.Contains(exp.Value.Required, "exception") {
		t.Fatalf("TssExport schema: %+v", exp)
	}
}

// The checker that runs under every API test catches an answer that does
// not match its schema: a field of the wrong type, a required field
// missing, an error body without message.
func TestContractCheckerCatchesMismatches(t *testing.T) {
	a := newTestApp(t)
	c, err := contractFor(a.h)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v2/tss/7f1c0d8e-0000-4000-8000-000000000001/export/7f1c0d8e-0000-4000-8000-000000000002", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	good := `{"_id":"e","_type":"EXPORT","_env":"TEST","_version":"2.1.0","state":"PENDING","time_request":1,"metadata":{},"tss_id":"t","parameters":{}}`
	if err := c.check(req, 200, hdr, []byte(good)); err != nil {
		t.Fatalf("a good answer fails: %v", err)
	}
	for name, body := range map[string]string{
		"wrong type":      strings.Replace(good, `"time_request":1`, `"time_request":"1"`, 1),
		"missing state":   strings.Replace(good, `"state":"PENDING",`, ``, 1),
		"metadata as str": strings.Replace(good, `"metadata":{}`, `"metadata":"x"`, 1),
	} {
		if err := c.check(req, 200, hdr, []byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := c.check(req, 404, hdr, []byte(`{"status_code":404,"error":"Not Found"}`)); err == nil {
		t.Error("error body without message accepted")
	}
	if err := c.check(req, 404, hdr, []byte(`{"status_code":404,"error":"Not Found","code":"E_X","message":"m"}`)); err != nil {
		t.Errorf("good error body: %v", err)
	}
}

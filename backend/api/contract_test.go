package api

import (
	"bytes"
	"context"
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

// contractFor builds the checker once per test binary from the document a
// router serves (every router of the tests serves the same routes): what
// is checked is what clients load.
func contractFor(h http.Handler) (*contractChecker, error) {
	checkerOnce.Do(func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
		if rec.Code != http.StatusOK {
			checkerErr = fmt.Errorf("GET /api/openapi.json: %d %s", rec.Code, rec.Body)
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
		if err != nil {
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
// document (the SPA, /api/local, unknown routes: their own tests check
// them) and for HEAD, whose answer has no body.
func (c *contractChecker) check(req *http.Request, status int, header http.Header, body []byte) error {
	path := req.URL.Path
	for _, a := range aliasPrefixes {
		if strings.HasPrefix(path, a.from) {
			path = a.to + strings.TrimPrefix(path, a.from)
			break
		}
	}
	if req.Method == http.MethodHead || path != "/healthz" && !strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/api/local/") {
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

// Every row of the route table says what it answers: a Go type of JSON,
// the media types of a file, or (only for an answer that is not ours to
// describe) why not. The document then carries the schema of each.
func TestEveryRouteDeclaresItsAnswer(t *testing.T) {
	table := (&handlers{}).routes()
	seen := map[string]bool{}
	for _, rt := range table {
		key := rt.method + " " + rt.api.docBase() + rt.path
		if seen[key] {
			t.Errorf("%s: two rows", key)
		}
		seen[key] = true
		declared := 0
		for _, d := range []bool{rt.out != nil, len(rt.outTypes) > 0, rt.untypedReason != ""} {
			if d {
				declared++
			}
		}
		if declared != 1 {
			t.Errorf("%s: declare exactly one of answers(T{}), answersFile(types…) or untyped(reason); got %d", key, declared)
		}
		if rt.raw && rt.in != nil || !rt.raw && len(rt.inTypes) > 0 {
			t.Errorf("%s: a JSON body is declared with takes, a raw one with rawBody(types…)", key)
		}
		if rt.api != local && rt.summary == "" && rt.method != http.MethodHead {
			t.Errorf("%s: no summary (about)", key)
		}
	}
	var untyped []string
	for _, rt := range table {
		if rt.untypedReason != "" {
			untyped = append(untyped, rt.method+" "+rt.api.docBase()+rt.path)
		}
	}
	// The documented exceptions (docs/http.md › The OpenAPI document).
	if want := []string{"GET /api/openapi.json"}; !slices.Equal(untyped, want) {
		t.Errorf("routes without an answer type: %v, want %v", untyped, want)
	}

	a := newTestApp(t)
	r := a.must(a.do(cred{}, "GET", "/api/openapi.json", nil), 200)
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	listed := 0
	for _, rt := range table {
		path := rt.api.docBase() + rt.path
		item := doc.Paths.Value(path)
		if rt.api == local || rt.method == http.MethodHead {
			if item != nil && item.GetOperation(rt.method) != nil {
				t.Errorf("%s %s is listed", rt.method, path)
			}
			continue
		}
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("%s %s is not listed", rt.method, path)
			continue
		}
		listed++
		op := item.GetOperation(rt.method)
		ok := op.Responses.Status(200)
		switch {
		case rt.out != nil:
			if ok == nil || ok.Value.Content.Get("application/json") == nil || ok.Value.Content.Get("application/json").Schema == nil {
				t.Errorf("%s %s: no answer schema", rt.method, path)
			}
		case len(rt.outTypes) > 0:
			for _, mt := range rt.outTypes {
				if ok == nil || ok.Value.Content.Get(mt) == nil {
					t.Errorf("%s %s: no %s answer", rt.method, path, mt)
				}
			}
		}
		if (rt.in != nil || len(rt.inTypes) > 0) != (op.RequestBody != nil) {
			t.Errorf("%s %s: request body %v, declared %v", rt.method, path, op.RequestBody != nil, rt.in != nil)
		}
	}
	if n := len(doc.Paths.InMatchingOrder()); listed < 100 || n == 0 {
		t.Fatalf("%d operations on %d paths", listed, n)
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
	// Answers of routes whose types were declared with the route table.
	for _, tc := range []struct{ method, path, good, bad string }{
		{"POST", "/api/dashboard/login", `{"user":{"_id":"u","_type":"USER","email":"e","created_at":1},"csrf_token":"c","expires_at":1}`,
			`{"user":{"_id":"u","_type":"USER","email":"e","created_at":1},"expires_at":1}`},
		{"GET", "/healthz", `{"status":"ok","version":"v","store_format":2}`, `{"status":"ok","version":"v","store_format":"2"}`},
		{"DELETE", "/api/v0/organizations/7f1c0d8e-0000-4000-8000-000000000001", `{"_success":true}`, `{"_success":"yes"}`},
		{"GET", "/api/dashboard/sync/workstations", `{"count":0,"data":[]}`, `{"count":0,"data":{}}`},
		// A list's data is never null (nullable:"false"); a value outside an enum fails.
		{"GET", "/api/v0/organizations", `{"data":[],"count":0,"_type":"ORGANIZATION_LIST"}`, `{"data":null,"count":0,"_type":"ORGANIZATION_LIST"}`},
		{"GET", "/api/dashboard/invitations/t", `{"email":"e","organization_name":"o","role":"admin","user_exists":false,"expires_at":1}`,
			`{"email":"e","organization_name":"o","role":"root","user_exists":false,"expires_at":1}`},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if err := c.check(r, 200, hdr, []byte(tc.good)); err != nil {
			t.Errorf("%s %s: a good answer fails: %v", tc.method, tc.path, err)
		}
		if err := c.check(r, 200, hdr, []byte(tc.bad)); err == nil {
			t.Errorf("%s %s: %s accepted", tc.method, tc.path, tc.bad)
		}
	}
	// A file route answers its media types only.
	pdf := httptest.NewRequest("GET", "/api/v0/invoices/7f1c0d8e-0000-4000-8000-000000000001/pdf", nil)
	if err := c.check(pdf, 200, http.Header{"Content-Type": {"application/pdf"}}, []byte("%PDF-1.4")); err != nil {
		t.Errorf("pdf: %v", err)
	}
	if err := c.check(pdf, 200, hdr, []byte(`{}`)); err == nil {
		t.Error("a JSON answer of the PDF route accepted")
	}
	if err := c.check(req, 404, hdr, []byte(`{"status_code":404,"error":"Not Found"}`)); err == nil {
		t.Error("error body without message accepted")
	}
	if err := c.check(req, 404, hdr, []byte(`{"status_code":404,"error":"Not Found","code":"E_X","message":"m"}`)); err != nil {
		t.Errorf("good error body: %v", err)
	}
}

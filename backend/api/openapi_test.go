package api

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

func TestOpenAPIListsTheServedRoutes(t *testing.T) {
	a := newTestApp(t)
	r := a.must(a.do(cred{}, "GET", "/api/openapi.json", nil), 200)
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("%v %s", err, r.body[:min(200, len(r.body))])
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	paths := doc.Paths.InMatchingOrder()
	for _, want := range []string{"/api/v2/tss/{tss_id}/tx/{tx_id}", "/api/v2/tss/{tss_id}/admin/auth", "/api/v0/organizations/{organization_id}/api-keys", "/api/v2/auth"} {
		if !slices.Contains(paths, want) {
			t.Fatalf("%s missing from %v", want, paths)
		}
	}
	put := doc.Paths.Value("/api/v2/tss/{tss_id}/tx/{tx_id}").Put
	if put == nil || put.Summary == "" || len(put.Parameters) != 2 {
		t.Fatalf("upsert operation: %+v", put)
	}
	for _, p := range paths {
		if strings.HasPrefix(p, "/sign-") || p == "/api/local/backup" {
			t.Fatalf("%s should not be listed", p)
		}
	}
}

// openAPIFile is the document the frontend build generates its types from
// (openapi-typescript): a copy of what /api/openapi.json serves, so the
// frontend builds without a Go toolchain at hand. This test keeps it
// current; FISKALDESK_UPDATE_OPENAPI=1 rewrites it (make openapi).
const openAPIFile = "../../frontend/src/api/openapi.json"

func TestOpenAPIFileIsCurrent(t *testing.T) {
	a := newTestApp(t)
	doc, err := buildOpenAPI(a.h.(chi.Routes), (&handlers{}).routes(), "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if os.Getenv("FISKALDESK_UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(openAPIFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not the document the server serves; run `make openapi` and commit it", openAPIFile)
	}
}

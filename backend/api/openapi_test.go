package api

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"
)

func TestOpenAPIListsTheServedRoutes(t *testing.T) {
	a := newTestApp(t)
	r := a.must(a.do(cred{}, "GET", "/api/openapi.json", nil), 200)
	var doc openAPIDoc
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("%v %s", err, r.body[:min(200, len(r.body))])
	}
	paths := sortedPaths(doc)
	for _, want := range []string{"/api/v2/tss/{tss_id}/tx/{tx_id}", "/api/v2/tss/{tss_id}/admin/auth", "/api/v0/organizations/{organization_id}/api-keys", "/api/v2/auth"} {
		if !slices.Contains(paths, want) {
			t.Fatalf("%s missing from %v", want, paths)
		}
	}
	put := doc.Paths["/api/v2/tss/{tss_id}/tx/{tx_id}"]["put"]
	if put == nil || put["summary"] == nil || len(put["parameters"].([]any)) != 2 {
		t.Fatalf("upsert operation: %v", put)
	}
	for _, p := range paths {
		if len(p) > 5 && p[:6] == "/sign-" || p == "/api/local/backup" {
			t.Fatalf("%s should not be listed", p)
		}
	}
}

func sortedPaths(d openAPIDoc) []string {
	out := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

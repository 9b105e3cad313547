package api

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// fields as reference/fiskaly-api.md §3.3 documents the SIGN DE resources,
// plus the extensions docs/sign-de.md and docs/exports.md name.
var documented = map[string][]string{
	"TSS": {"_id", "_type", "_env", "_version", "state", "description", "certificate", "serial_number", "public_key", "bsi_certification_id",
		"signature_counter", "signature_algorithm", "signature_timestamp_format", "transaction_counter", "transaction_data_encoding",
		"number_registered_clients", "max_number_registered_clients", "number_active_transactions", "max_number_active_transactions",
		"supported_update_variants", "metadata", "time_creation", "time_uninit", "time_init", "time_defective", "time_disable", "admin_puk",
		"organization_id"},
	"CLIENT": {"_id", "_type", "_env", "_version", "serial_number", "state", "tss_id", "metadata", "time_creation", "time_update"},
	"TRANSACTION": {"_id", "_type", "_env", "_version", "tss_id", "tss_serial_number", "client_id", "client_serial_number", "state", "number",
		"revision", "latest_revision", "time_start", "time_end", "schema", "metadata", "qr_code_data", "log", "signature"},
	"EXPORT": {"_id", "_type", "_env", "_version", "state", "exception", "time_request", "time_start", "time_end", "time_expiration", "time_error",
		"estimated_time_of_completion", "metadata", "tss_id", "parameters", "records", "size", "sha256"},
	"TSS_LIST": {"data", "count", "_type", "_env", "_version"}, "CLIENT_LIST": {"data", "count", "_type", "_env", "_version"},
	"TRANSACTION_LIST": {"data", "count", "_type", "_env", "_version"}, "EXPORT_LIST": {"data", "count", "_type", "_env", "_version"},
}

// checkShape fails on any field of an answer (and of list items) that
// the documented shape of its _type lacks: nothing internal leaks.
func checkShape(t *testing.T, what string, o map[string]any) {
	t.Helper()
	typ, _ := o["_type"].(string)
	allowed, ok := documented[typ]
	if !ok {
		t.Fatalf("%s: no documented shape for _type %q: %v", what, typ, o)
	}
	for k := range o {
		if !contains(allowed, k) {
			t.Errorf("%s: field %q is not in the documented %s shape", what, k, typ)
		}
	}
	if items, ok := o["data"].([]any); ok {
		for _, it := range items {
			checkShape(t, what+" item", it.(map[string]any))
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Every SIGN DE answer has only documented fields: the export object no
// longer carries the record version "v".
func TestAnswersMatchTheDocumentedShape(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	id := uuid.NewString()
	checkShape(t, "create TSS", a.must(a.do(v, "PUT", "/api/v2/tss/"+id, "{}"), 200).obj())
	tssID, clients := posSetup(t, a, v, 1)
	base := "/api/v2/tss/" + tssID
	tx := base + "/tx/" + uuid.NewString()
	checkShape(t, "start", a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200).obj())
	checkShape(t, "finish", a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200).obj())
	exp := base + "/export/" + uuid.NewString()
	checkShape(t, "trigger export", a.must(a.do(v, "PUT", exp, nil), 200).obj())
	waitExport(t, a, v, exp)
	for _, path := range []string{base, "/api/v2/tss", base + "/client/" + clients[0], base + "/client", "/api/v2/client", tx, base + "/tx", "/api/v2/tx",
		exp, base + "/export", "/api/v2/export"} {
		checkShape(t, "GET "+path, a.must(a.do(v, "GET", path, nil), 200).obj())
	}
}

// The lenient forms real clients send (issue 15, items 10 and 11).
func TestLenientWireForms(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	base := "/api/v2/tss/" + tssID
	// PHP's json_encode([]) as the body of an export trigger and of
	// metadata updates (bare and wrapped).
	exp := base + "/export/" + uuid.NewString()
	if e := a.must(a.do(v, "PUT", exp+"?start_signature_counter=1", "[]"), 200).obj(); e["state"] != "PENDING" {
		t.Fatalf("export with [] body: %v", e)
	}
	waitExport(t, a, v, exp)
	a.must(a.do(v, "PATCH", exp+"/metadata", "[]"), 200)
	a.must(a.do(v, "PATCH", base+"/metadata", "[ ]"), 200)
	a.must(a.do(v, "PATCH", base+"/client/"+clients[0]+"/metadata", `{"metadata":[]}`), 200)
	// A malformed id: middleware routes parse it as the cloud's middleware
	// does, the others validate the schema.
	exact := func(r resp, status int, want string) {
		t.Helper()
		if r.status != status || strings.TrimSpace(string(r.body)) != want {
			t.Fatalf("%d %s\nwant %d %s", r.status, r.body, status, want)
		}
	}
	exact(a.do(v, "PATCH", "/api/v2/tss/some_tss_id", map[string]string{"state": "UNINITIALIZED"}), 400,
		`{"status_code":400,"error":"Bad Request","code":"E_PARSER","message":"can't parse TSS ID: invalid UUID length: 11 (some_tss_id)"}`)
	exact(a.do(v, "POST", "/api/v2/tss/some_tss_id/admin/auth", map[string]string{"admin_pin": "123456"}), 400,
		`{"status_code":400,"error":"Bad Request","code":"E_PARSER","message":"can't parse TSS ID: invalid UUID length: 11 (some_tss_id)"}`)
	exact(a.do(v, "PUT", base+"/tx/not-a-uuid", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 400,
		`{"status_code":400,"error":"Bad Request","code":"E_PARSER","message":"can't parse transaction ID: invalid UUID length: 10 (not-a-uuid)"}`)
	exact(a.do(v, "GET", "/api/v2/tss/some_tss_id", nil), 400,
		`{"status_code":400,"error":"Bad Request","code":"E_FAILED_SCHEMA_VALIDATION","message":"params.tss_id should match format \"uuid\""}`)
}

// A German organization with a tax number of another form is created, as
// in the cloud's recorded data; going live asks for the German form or a
// VAT id (item 13).
func TestTaxNumberOfAnyFormOnCreate(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	body := orgBody("Pizzeria Roma", "")
	body["tax_number"] = "IT123456789"
	id := a.must(a.do(v, "POST", "/api/v0/organizations", body), 200).str("_id")
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+id, map[string]any{"billing_options": map[string]any{"bill_to_organization": id}}), 200)
	r := a.do(v, "POST", "/api/v0/organizations/"+id+"/enable-env", map[string]string{"env": "LIVE"})
	if r.status == 200 || r.str("code") != "E_LIVE_REQUIREMENTS_NOT_MET" || !strings.Contains(r.str("message"), "IT123456789") {
		t.Fatalf("going live with a foreign tax number: %d %s", r.status, r.body)
	}
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+id, map[string]any{"vat_id": "DE123456789"}), 200)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+id+"/enable-env", map[string]string{"env": "LIVE"}), 200)
}

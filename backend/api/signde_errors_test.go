package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func wantCode(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status || r.str("code") != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
	}
}

func TestSignDEErrors(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	client := clients[0]
	tssPath := "/api/v2/tss/" + tssID

	// Ids must be UUIDs (any version); upper case is accepted.
	wantCode(t, a.do(v, "GET", "/api/v2/tss/some_tss_id", nil), 400, "E_FAILED_SCHEMA_VALIDATION")
	if r := a.do(v, "GET", "/api/v2/tss/some_tss_id", nil); r.str("message") != `params.tss_id should match format "uuid"` {
		t.Fatalf("%s", r.body)
	}
	a.must(a.do(v, "GET", "/api/v2/tss/"+strings.ToUpper(tssID), nil), 200)
	wantCode(t, a.do(v, "GET", "/api/v2/tss/"+uuid.NewString(), nil), 404, "E_TSS_NOT_FOUND")

	// Illegal state changes; the same state again is fine.
	a.must(a.do(v, "PATCH", tssPath, map[string]any{"state": "INITIALIZED", "metadata": map[string]string{"k": "v"}}), 200)
	wantCode(t, a.do(v, "PATCH", tssPath, map[string]string{"state": "UNINITIALIZED"}), 400, "E_ILLEGAL_TSS_STATE_CHANGE")
	fresh := uuid.NewString()
	puk := a.must(a.do(v, "PUT", "/api/v2/tss/"+fresh, `{"metadata":{"a":"b"}}`), 200).str("admin_puk")
	if again := a.must(a.do(v, "PUT", "/api/v2/tss/"+fresh, "{}"), 200).str("admin_puk"); again != puk {
		t.Fatal("a repeated create while CREATED must return the same PUK")
	}
	wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+fresh, map[string]string{"state": "INITIALIZED"}), 400, "E_ILLEGAL_TSS_STATE_CHANGE")
	wantCode(t, a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "123456"}), 423, "E_ADMIN_PIN_BLOCKED")
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+fresh, map[string]string{"state": "UNINITIALIZED"}), 200)
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+fresh, "{}"), 409, "E_TSS_CONFLICT")
	if r := a.must(a.do(v, "GET", "/api/v2/tss/"+fresh, nil), 200).obj(); r["admin_puk"] != nil || r["metadata"].(map[string]any)["a"] != "b" {
		t.Fatalf("after CREATED: %v", r)
	}

	// PUK and PIN.
	wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+fresh+"/admin", map[string]string{"admin_puk": "0000000000", "new_admin_pin": "654321"}), 401, "E_ADMIN_LOGIN_FAILED")
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+fresh+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": "654321"}), 200)
	wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+fresh, map[string]string{"state": "INITIALIZED"}), 401, "E_UNAUTHORIZED") // not logged in
	for i := range 4 {
		r := a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "wrong1"})
		wantCode(t, r, 401, "E_UNAUTHORIZED")
		if !strings.Contains(r.str("message"), fmt.Sprintf("%d tries left", 4-i)) {
			t.Fatalf("%s", r.body)
		}
	}
	wantCode(t, a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "wrong1"}), 423, "E_ADMIN_PIN_BLOCKED")
	wantCode(t, a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "654321"}), 423, "E_ADMIN_PIN_BLOCKED")
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+fresh+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": "777777"}), 200)
	a.must(a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "777777"}), 200)
	a.must(a.do(v, "POST", "/api/v2/tss/"+fresh+"/admin/auth", map[string]string{"admin_pin": "777777"}), 200) // repeated logins succeed
	a.must(a.do(v, "PATCH", "/api/v2/tss/"+fresh, map[string]string{"state": "INITIALIZED", "description": "Kasse (Theke) 1"}), 200)
	wantCode(t, a.do(v, "PATCH", "/api/v2/tss/"+fresh, map[string]string{"state": "INITIALIZED", "description": "no_underscores"}), 400, "E_FAILED_SCHEMA_VALIDATION")

	// Clients.
	a.must(a.do(v, "POST", tssPath+"/admin/auth", map[string]string{"admin_pin": "123456"}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/client/"+uuid.NewString(), map[string]string{"serial_number": "bad_serial"}), 400, "E_ILLEGAL_CLIENT_SERIAL")
	wantCode(t, a.do(v, "PUT", tssPath+"/client/"+uuid.NewString(), map[string]string{"serial_number": " lead"}), 400, "E_ILLEGAL_CLIENT_SERIAL")
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+fresh+"/client/"+client, map[string]string{"serial_number": "POS 0"}), 409, "E_CLIENT_CONFLICT") // ids are unique system-wide
	a.must(a.do(v, "PUT", tssPath+"/client/"+client, map[string]string{"serial_number": "POS 0"}), 200)                                        // identical repeat
	wantCode(t, a.do(v, "PUT", tssPath+"/client/"+uuid.NewString(), map[string]string{"serial_number": "POS 0"}), 409, "E_CLIENT_CONFLICT")
	a.must(a.do(v, "PATCH", tssPath+"/client/"+client, map[string]string{"state": "DEREGISTERED"}), 200)

	// Transactions.
	tx := uuid.NewString()
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client}), 400, "E_CLIENT_DEREGISTERED")
	a.must(a.do(v, "PATCH", tssPath+"/client/"+client, map[string]string{"state": "REGISTERED"}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": uuid.NewString()}), 400, "E_CLIENT_NOT_FOUND")
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=2", map[string]any{"state": "ACTIVE", "client_id": client}), 400, "E_TX_UPSERT")
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "FINISHED", "client_id": client}), 400, "E_TX_UPSERT")
	a.must(a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client, "metadata": map[string]string{"x": "y"}}), 409, "E_PENDING_TX_CONFLICT")
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=3", map[string]any{"state": "ACTIVE", "client_id": client}), 400, "E_TX_UPSERT")
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": client}), 409, "E_TX_NO_TYPE_DEFINED")
	order := map[string]any{"standard_v1": map[string]any{"order": map[string]any{"line_items": []map[string]string{{"quantity": "2", "text": "Kaffee", "price_per_unit": "2.50"}}}}}
	a.must(a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=2", map[string]any{"state": "ACTIVE", "client_id": client, "schema": order}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=3", map[string]any{"state": "FINISHED", "client_id": client, "schema": receipt("5.00")}), 409, "E_TX_ILLEGAL_TYPE_CHANGE")
	bad := map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT", "amounts_per_vat_rate": []map[string]string{{"vat_rate": "NORMAL", "amount": "5"}}}}}
	if r := a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=3", map[string]any{"state": "FINISHED", "client_id": client, "schema": bad}); r.status != 400 || !strings.Contains(r.str("message"), "amounts_per_vat_rate[0].amount") {
		t.Fatalf("%s", r.body)
	}
	a.must(a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=3", map[string]any{"state": "FINISHED", "client_id": client}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+tx+"?tx_revision=4", map[string]any{"state": "ACTIVE", "client_id": client}), 400, "E_TX_UPSERT")
	wantCode(t, a.do(v, "GET", tssPath+"/tx/"+tx+"?tx_revision=9", nil), 400, "E_TX_REVISION_NOT_FOUND")
	wantCode(t, a.do(v, "GET", tssPath+"/tx/"+uuid.NewString(), nil), 404, "E_TX_NOT_FOUND")
	wantCode(t, a.do(v, "GET", tssPath+"/tx/999", nil), 404, "E_TX_NOT_FOUND")

	// Metadata endpoints take and return the bare map, merged, within the limits.
	a.must(a.do(v, "PATCH", tssPath+"/tx/"+tx+"/metadata", map[string]string{"table": "7"}), 200)
	if m := a.must(a.do(v, "GET", tssPath+"/tx/"+tx+"/metadata", nil), 200).obj(); m["table"] != "7" {
		t.Fatalf("%v", m)
	}
	a.must(a.do(v, "PATCH", tssPath+"/metadata", map[string]string{"b": "2"}), 200)
	if m := a.must(a.do(v, "GET", tssPath+"/metadata", nil), 200).obj(); m["k"] != "v" || m["b"] != "2" {
		t.Fatalf("merge: %v", m)
	}
	wantCode(t, a.do(v, "PATCH", tssPath+"/metadata", manyKeys(41)), 400, "E_FAILED_SCHEMA_VALIDATION")

	// Disabled TSS: no signing, still readable.
	a.must(a.do(v, "PATCH", tssPath, map[string]string{"state": "DISABLED"}), 200)
	wantCode(t, a.do(v, "PUT", tssPath+"/tx/"+uuid.NewString()+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client}), 400, "E_TSS_DISABLED")
	a.must(a.do(v, "GET", tssPath+"/tx?states[]=FINISHED", nil), 200)

	// Another tenant's TSS and another env are invisible.
	otherOrg, other := a.tenant(owner, "Other Tenant", "x@other.example")
	ok, os, _ := a.newKey(other, otherOrg, nil)
	stranger := cred{bearer: a.token(ok, os)}
	wantCode(t, a.do(stranger, "GET", tssPath, nil), 404, "E_TSS_NOT_FOUND")
	wantCode(t, a.do(stranger, "PUT", tssPath+"/tx/"+uuid.NewString(), map[string]any{"state": "ACTIVE", "client_id": client}), 404, "E_TSS_NOT_FOUND")
	if got := ids(a.must(a.do(stranger, "GET", "/api/v2/tx", nil), 200)); len(got) != 0 {
		t.Fatalf("stranger lists %v", got)
	}
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"vat_id": "DE123456789", "billing_address_id": billingAddress(t, a, v, vendor)}), 200)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/enable-env", map[string]string{"env": "LIVE"}), 200)
	lk, ls, _ := a.newKey(owner, vendor, map[string]any{"name": "live-one", "env": "LIVE"})
	live := cred{bearer: a.token(lk, ls)}
	wantCode(t, a.do(live, "GET", tssPath, nil), 404, "E_TSS_NOT_FOUND")
}

func TestTestTSSLimitAndClientLimit(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	for range 5 {
		a.must(a.do(v, "PUT", "/api/v2/tss/"+uuid.NewString(), "{}"), 200)
	}
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+uuid.NewString(), "{}"), 403, "E_TSS_LIMIT_REACHED")
	a.tss.TestTSSLimit = 0 // lifted, as FISKALDESK_TEST_TSS_LIMIT=0 does
	tssID, _ := posSetup(t, a, v, 0)
	a.must(a.do(v, "POST", "/api/v2/tss/"+tssID+"/admin/auth", map[string]string{"admin_pin": "123456"}), 200)
	for i := range 199 {
		a.must(a.do(v, "PUT", "/api/v2/tss/"+tssID+"/client/"+uuid.NewString(), map[string]string{"serial_number": fmt.Sprint("C", i)}), 200)
	}
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+tssID+"/client/"+uuid.NewString(), map[string]string{"serial_number": "C199"}), 403, "E_CLIENT_LIMIT_REACHED")
	r := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID+"/client?limit=100&offset=150&order_by=serial_number", nil), 200).obj()
	if r["count"].(float64) != 199 || len(r["data"].([]any)) != 49 || r["_type"] != "CLIENT_LIST" {
		t.Fatalf("client list: count %v len %d", r["count"], len(r["data"].([]any)))
	}
	wantCode(t, a.do(v, "GET", "/api/v2/tss/"+tssID+"/client?limit=101", nil), 400, "E_FAILED_SCHEMA_VALIDATION")
}

func TestActiveTransactionLimit(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	for range 2000 {
		a.must(a.do(v, "PUT", "/api/v2/tss/"+tssID+"/tx/"+uuid.NewString()+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
	}
	wantCode(t, a.do(v, "PUT", "/api/v2/tss/"+tssID+"/tx/"+uuid.NewString()+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 400, "E_TX_LIMIT_REACHED")
	// states[] in its spellings.
	for _, q := range []string{"states[]=ACTIVE", "states[0]=ACTIVE", "states=ACTIVE", "states=ACTIVE,FINISHED"} {
		if n := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx?limit=1&"+q, nil), 200).obj()["count"].(float64); n != 2000 {
			t.Fatalf("%s: count %v", q, n)
		}
	}
	if n := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx?states[]=FINISHED", nil), 200).obj()["count"].(float64); n != 0 {
		t.Fatalf("finished: %v", n)
	}
}

func TestFailureInjection(t *testing.T) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	start := func() resp {
		return a.do(v, "PUT", "/api/v2/tss/"+tssID+"/tx/"+uuid.NewString()+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]})
	}
	rule := a.must(a.do(v, "POST", "/api/v2/sandbox/failures", map[string]any{"tss_id": tssID, "kind": "error", "remaining": 2}), 200).obj()
	wantCode(t, start(), 503, "E_TSS_LOCKED")
	wantCode(t, start(), 503, "E_TSS_LOCKED")
	a.must(start(), 200)                                                                          // the rule is used up
	a.must(a.do(v, "POST", "/api/v2/sandbox/failures", map[string]any{"kind": "defective"}), 200) // the whole org
	wantCode(t, start(), 423, "E_TSS_DEFECTIVE")
	list := a.must(a.do(v, "GET", "/api/v2/sandbox/failures", nil), 200).obj()
	if list["count"].(float64) != 1 || rule["_id"] == "" {
		t.Fatalf("%v", list)
	}
	id := list["data"].([]any)[0].(map[string]any)["_id"].(string)
	a.must(a.do(v, "DELETE", "/api/v2/sandbox/failures/"+id, nil), 200)
	a.must(start(), 200)
	a.must(a.do(v, "POST", "/api/v2/sandbox/failures", map[string]any{"kind": "error", "status": 500, "code": "E_INTERNAL", "duration_s": 30}), 200)
	if r := start(); r.status != 500 || r.hdr.Get("Retry-After") == "" {
		t.Fatalf("%d %v", r.status, r.hdr)
	}
	wantCode(t, a.do(v, "POST", "/api/v2/sandbox/failures", map[string]any{"kind": "explode"}), 400, "E_FAILED_SCHEMA_VALIDATION")
}

// A parent's key acts for its managed org's TSS by naming the org; the
// managed org's own key sees the same TSS, a sibling's does not.
func TestParentActsForManagedOrg(t *testing.T) {
	a, _, vendor, v, _ := vendorApp(t)
	cafe := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Café", vendor)), 200).str("_id")
	sib := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Sibling", vendor)), 200).str("_id")
	ck, cs, _ := a.newKey(v, cafe, nil)
	sk, ss, _ := a.newKey(v, sib, nil)
	cafeKey, sibKey := cred{bearer: a.token(ck, cs)}, cred{bearer: a.token(sk, ss)}
	id := uuid.NewString()
	r := a.doH(v, "PUT", "/api/v2/tss/"+id, "{}", map[string]string{"X-Organization-ID": cafe})
	if a.must(r, 200).obj()["organization_id"] != cafe {
		t.Fatalf("%s", r.body)
	}
	if got := ids(a.must(a.do(cafeKey, "GET", "/api/v2/tss", nil), 200)); len(got) != 1 || got[0] != id {
		t.Fatalf("managed org sees %v", got)
	}
	if got := ids(a.must(a.do(v, "GET", "/api/v2/tss", nil), 200)); len(got) != 0 {
		t.Fatalf("the parent's own list holds %v", got)
	}
	if got := ids(a.must(a.doH(v, "GET", "/api/v2/tss", nil, map[string]string{"X-Organization-ID": cafe}), 200)); len(got) != 1 {
		t.Fatalf("named list %v", got)
	}
	a.must(a.do(v, "GET", "/api/v2/tss/"+id, nil), 200)
	wantCode(t, a.do(sibKey, "GET", "/api/v2/tss/"+id, nil), 404, "E_TSS_NOT_FOUND")
	wantCode(t, a.doH(sibKey, "GET", "/api/v2/tss", nil, map[string]string{"X-Organization-ID": cafe}), 404, "E_ORGANIZATION_NOT_FOUND")
	// A UUID of another version is an id like any other.
	a.must(a.doH(v, "PUT", "/api/v2/tss/"+uuid.Must(uuid.NewV7()).String(), "{}", map[string]string{"X-Organization-ID": cafe}), 200)
}

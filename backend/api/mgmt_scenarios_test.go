package api

import (
	"slices"
	"strings"
	"testing"
)

// The three reseller scenarios of fiskaly's documentation, end to end
// through HTTP, going live included.

const pw = "correct horse battery"

func TestScenarioIndividualCustomers(t *testing.T) {
	a := newTestApp(t)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	vKey, vSecret, _ := a.newKey(owner, vendor, nil)
	vendorTok := a.token(vKey, vSecret)
	v := cred{bearer: vendorTok}

	// The vendor creates a customer as a managed org and the customer's key.
	cafe := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Café Anna", vendor)), 200).obj()
	cafeID := cafe["_id"].(string)
	if cafe["_type"] != "MANAGED_ORGANIZATION" || cafe["managed_by_organization_id"] != vendor {
		t.Fatalf("managed org: %v", cafe)
	}
	r := a.must(a.do(v, "POST", "/api/v0/organizations/"+cafeID+"/api-keys",
		map[string]any{"name": "cafe-pos", "status": "enabled", "managed_by_organization_id": vendor, "metadata": map[string]string{}}), 200)
	k := r.obj()
	if k["_type"] != "MANAGED_API_KEY" || k["managed_by_organization_id"] != vendor || !strings.HasPrefix(k["key"].(string), "test_") || len(k["secret"].(string)) < 32 {
		t.Fatalf("managed key: %s", r.body)
	}
	cafeTok := a.token(k["key"].(string), k["secret"].(string))

	// The key is shown without its secret from now on.
	got := a.must(a.do(v, "GET", "/api/v0/organizations/"+cafeID+"/api-keys/"+k["_id"].(string), nil), 200)
	if strings.Contains(string(got.body), k["secret"].(string)) || got.obj()["secret"] != nil {
		t.Fatal("secret shown after create")
	}

	// The customer sees only itself and cannot nest or create main orgs.
	c := cred{bearer: cafeTok}
	if got := ids(a.must(a.do(c, "GET", "/api/v0/organizations", nil), 200)); !slices.Equal(got, []string{cafeID}) {
		t.Fatalf("customer sees %v", got)
	}
	a.must(a.do(c, "GET", "/api/v0/organizations/"+vendor, nil), 404)
	if r := a.must(a.do(c, "POST", "/api/v0/organizations", orgBody("Nested", cafeID)), 400); r.str("code") != "E_MANAGED_ORGANIZATION_NESTING" {
		t.Fatalf("nesting: %s", r.body)
	}
	if r := a.must(a.do(c, "POST", "/api/v0/organizations", orgBody("Escape", "")), 403); r.str("code") != "E_ACCESS_DENIED" {
		t.Fatalf("main org from managed key: %s", r.body)
	}

	// The vendor sees its customers through the type filter.
	if got := ids(a.must(a.do(v, "GET", "/api/v0/organizations?type=MANAGED_ORGANIZATION", nil), 200)); !slices.Equal(got, []string{cafeID}) {
		t.Fatalf("vendor's managed orgs %v", got)
	}
}

func TestScenarioEnterpriseHoldingAndHandOver(t *testing.T) {
	a := newTestApp(t)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	vKey, vSecret, _ := a.newKey(owner, vendor, nil)
	v := cred{bearer: a.token(vKey, vSecret)}

	holding := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Holding AG", "")), 200).obj()
	holdingID := holding["_id"].(string)
	if holding["_type"] != "ORGANIZATION" || holding["administered_by_organization_id"] != vendor {
		t.Fatalf("holding: %v", holding)
	}
	var branches []string
	for _, name := range []string{"Filiale Nord", "Filiale Süd"} {
		branches = append(branches, a.must(a.do(v, "POST", "/api/v0/organizations", orgBody(name, holdingID)), 200).str("_id"))
	}
	hKey, hSecret, _ := a.newKey(v, holdingID, nil)
	h := cred{bearer: a.token(hKey, hSecret)}

	want := append([]string{holdingID}, branches...)
	slices.Sort(want)
	got := ids(a.must(a.do(h, "GET", "/api/v0/organizations?order_by=id", nil), 200))
	if !slices.Equal(got, want) {
		t.Fatalf("holding sees %v, want %v", got, want)
	}
	if all := ids(a.must(a.do(v, "GET", "/api/v0/organizations", nil), 200)); len(all) != 4 {
		t.Fatalf("vendor sees %d orgs, want itself, the holding and two branches", len(all))
	}

	// Only the administrator hands over; afterwards the vendor sees nothing of the holding.
	a.must(a.do(h, "POST", "/api/v0/organizations/"+holdingID+"/hand-over", nil), 403)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+holdingID+"/hand-over", nil), 200)
	a.must(a.do(v, "GET", "/api/v0/organizations/"+holdingID, nil), 404)
	a.must(a.do(v, "GET", "/api/v0/organizations/"+branches[0], nil), 404)
	if got := ids(a.must(a.do(h, "GET", "/api/v0/organizations?order_by=id", nil), 200)); !slices.Equal(got, want) {
		t.Fatalf("after hand-over the holding sees %v", got)
	}
	log := string(a.must(a.do(h, "GET", "/api/v0/organizations/"+holdingID+"/audit-log", nil), 200).body)
	for _, action := range []string{"organization.create", "organization.hand_over", "api_key.create"} {
		if !strings.Contains(log, action) {
			t.Fatalf("audit log lacks %s: %s", action, log)
		}
	}
}

func TestScenarioWhiteLabelPartner(t *testing.T) {
	a := newTestApp(t)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	vKey, vSecret, _ := a.newKey(owner, vendor, nil)
	v := cred{bearer: a.token(vKey, vSecret)}

	body := orgBody("Partner Kassen", "")
	body["billing_options"] = map[string]any{"bill_to_organization": vendor, "withhold_billing": true}
	partner := a.must(a.do(v, "POST", "/api/v0/organizations", body), 200).obj()
	partnerID := partner["_id"].(string)
	if bo := partner["billing_options"].(map[string]any); bo["bill_to_organization"] != vendor || bo["withhold_billing"] != true {
		t.Fatalf("billing options: %v", bo)
	}
	pKey, pSecret, _ := a.newKey(v, partnerID, nil)
	p := cred{bearer: a.token(pKey, pSecret)}

	// The partner onboards its own customer, key included, in one call.
	cb := orgBody("Kiosk Ede", partnerID)
	cb["generate_api_key"] = true
	r := a.must(a.do(p, "POST", "/api/v0/organizations", cb), 200)
	kiosk := r.obj()
	key := kiosk["api_key"].(map[string]any)
	kioskTok := a.token(key["key"].(string), key["secret"].(string))
	k := cred{bearer: kioskTok}
	if got := ids(a.must(a.do(k, "GET", "/api/v0/organizations", nil), 200)); !slices.Equal(got, []string{kiosk["_id"].(string)}) {
		t.Fatalf("kiosk sees %v", got)
	}
	a.must(a.do(k, "GET", "/api/v0/organizations/"+partnerID, nil), 404)
	// The vendor still reaches the partner's customers.
	a.must(a.do(v, "GET", "/api/v0/organizations/"+kiosk["_id"].(string), nil), 200)
}

func TestGoingLive(t *testing.T) {
	a := newTestApp(t)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	vKey, vSecret, _ := a.newKey(owner, vendor, nil)
	v := cred{bearer: a.token(vKey, vSecret)}
	cafe := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Café", vendor)), 200).str("_id")

	// No LIVE key before LIVE, and a TEST token never makes LIVE keys.
	if r := a.must(a.do(owner, "POST", "/api/v0/organizations/"+vendor+"/api-keys", map[string]any{"name": "live-pos", "env": "LIVE"}), 400); r.str("code") != "E_ENV_NOT_ENABLED" {
		t.Fatalf("live key before live: %s", r.body)
	}
	r := a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/enable-env", map[string]string{"env": "LIVE"}), 400)
	if r.str("code") != "E_LIVE_REQUIREMENTS_NOT_MET" || !strings.Contains(r.str("message"), "vat_id or tax_number") || !strings.Contains(r.str("message"), "billing_address_id") {
		t.Fatalf("live preconditions: %s", r.body)
	}
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"vat_id": "DE123456789", "billing_address_id": billingAddress(t, a, v, vendor)}), 200)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/enable-env", map[string]string{"env": "LIVE"}), 200)
	if envs := a.must(a.do(v, "GET", "/api/v0/organizations/"+vendor, nil), 200).obj()["_envs"].([]any); len(envs) != 2 || envs[1] != "LIVE" {
		t.Fatalf("_envs %v", envs)
	}
	a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/api-keys", map[string]any{"name": "live-pos", "env": "LIVE"}), 400)

	liveKey, liveSecret, _ := a.newKey(owner, vendor, map[string]any{"name": "live-pos", "env": "LIVE"})
	if !strings.HasPrefix(liveKey, "live_") {
		t.Fatalf("live key %q", liveKey)
	}
	lr := a.must(a.do(cred{}, "POST", "/api/v0/auth", map[string]string{"api_key": liveKey, "api_secret": liveSecret}), 200).obj()
	if lr["access_token_claims"].(map[string]any)["env"] != "LIVE" {
		t.Fatalf("claims %v", lr["access_token_claims"])
	}
	live := cred{bearer: lr["access_token"].(string)}

	// A live parent's LIVE key creates live managed orgs and their LIVE keys.
	shop := a.must(a.do(live, "POST", "/api/v0/organizations", orgBody("Shop", vendor)), 200).obj()
	if envs := shop["_envs"].([]any); len(envs) != 2 {
		t.Fatalf("managed org created with a LIVE key: _envs %v", envs)
	}
	lk := a.must(a.do(live, "POST", "/api/v0/organizations/"+cafe+"/api-keys", map[string]any{"name": "cafe-live"}), 200).obj()
	if lk["_envs"].([]any)[0] != "LIVE" {
		t.Fatalf("managed org of a live parent gets LIVE keys: %v", lk)
	}
	// The managed org itself still needs a tax identity to go live on its own.
	if r := a.must(a.do(v, "POST", "/api/v0/organizations/"+cafe+"/enable-env", map[string]string{"env": "LIVE"}), 400); strings.Contains(r.str("message"), "billing") {
		t.Fatalf("a managed org is billed to its parent: %s", r.body)
	}
}

package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

type rollupRow struct {
	ID           string   `json:"_id"`
	Name         string   `json:"name"`
	Envs         []string `json:"_envs"`
	ParentName   string   `json:"parent_name"`
	TSS          int      `json:"tss"`
	Clients      int      `json:"clients"`
	Transactions int      `json:"transactions"`
	Today        int      `json:"today"`
	LastActivity int64    `json:"last_activity"`
	Billing      *struct {
		Withhold   bool   `json:"withhold_billing"`
		BillTo     string `json:"bill_to_organization"`
		BillToName string `json:"bill_to_name"`
	} `json:"billing"`
}

type rollupBody struct {
	Env    string `json:"env"`
	Totals struct {
		Organizations     int            `json:"organizations"`
		LiveOrganizations int            `json:"live_organizations"`
		TSS               int            `json:"tss"`
		Clients           int            `json:"clients"`
		Transactions      int            `json:"transactions"`
		Today             int            `json:"today"`
		TSSByState        map[string]int `json:"tss_by_state"`
		LastActivity      int64          `json:"last_activity"`
	} `json:"totals"`
	PerDay []struct {
		Day          string `json:"day"`
		Transactions int    `json:"transactions"`
	} `json:"transactions_per_day"`
	Data  []rollupRow `json:"data"`
	Count int         `json:"count"`
}

func (b rollupBody) names() []string {
	var out []string
	for _, r := range b.Data {
		out = append(out, r.Name)
	}
	return out
}

// The reseller's rollup through the real router: three customers and an
// administered holding with a branch, each signing receipts; what the
// vendor's owner, a filtered and a paged view, and a customer's own user
// see.
func TestRollup(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	get := func(c cred, q string) rollupBody {
		t.Helper()
		r := a.must(a.do(c, "GET", "/api/dashboard/rollup"+q, nil), 200)
		var b rollupBody
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	sign := func(c cred, receipts int) {
		t.Helper()
		tssID, clients := posSetup(t, a, c, 1)
		for range receipts {
			tx := "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
			a.must(a.do(c, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
			a.must(a.do(c, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("1.00")}), 200)
		}
	}
	customers := map[string]string{}
	for i, n := range []int{1, 2, 3} {
		name := fmt.Sprintf("Kunde %d", i+1)
		body := orgBody(name, vendor)
		body["generate_api_key"] = true
		if i == 2 {
			body["billing_options"] = map[string]any{"withhold_billing": true, "bill_to_organization": vendor}
		}
		r := a.must(a.do(owner, "POST", "/api/v0/organizations", body), 200)
		customers[name] = r.str("_id")
		key := r.obj()["api_key"].(map[string]any)
		sign(cred{bearer: a.token(key["key"].(string), key["secret"].(string))}, n)
	}
	// A holding created with the vendor's key (administered by it), and its branch.
	holding := a.must(a.do(v, "POST", "/api/v0/organizations", orgBody("Holding AG", "")), 200).str("_id")
	branch := orgBody("Filiale Nord", holding)
	branch["generate_api_key"] = true
	br := a.must(a.do(v, "POST", "/api/v0/organizations", branch), 200)
	bk := br.obj()["api_key"].(map[string]any)
	sign(cred{bearer: a.token(bk["key"].(string), bk["secret"].(string))}, 1)
	// The vendor's own TSS, without receipts.
	posSetup(t, a, v, 0)

	all := get(owner, "")
	if all.Env != "TEST" || all.Totals.Organizations != 6 || all.Totals.TSS != 5 || all.Totals.Transactions != 7 || all.Totals.Today != 7 || all.Totals.Clients != 4 {
		t.Fatalf("totals %+v", all.Totals)
	}
	if all.Totals.TSSByState["INITIALIZED"] != 5 || all.Totals.LastActivity < time.Now().Add(-time.Minute).Unix() {
		t.Fatalf("states %v, last activity %d", all.Totals.TSSByState, all.Totals.LastActivity)
	}
	if len(all.PerDay) != 14 || all.PerDay[13].Day != time.Now().UTC().Format(time.DateOnly) || all.PerDay[13].Transactions != 7 || all.PerDay[12].Transactions != 0 {
		t.Fatalf("per day %+v", all.PerDay)
	}
	if all.Count != 6 || strings.Join(all.names(), ",") != "Filiale Nord,Holding AG,Kunde 1,Kunde 2,Kunde 3,POS Vendor GmbH" {
		t.Fatalf("rows %v", all.names())
	}
	// Each row's figures, parent and billing, as the vendor's owner sees them.
	for _, r := range all.Data {
		want := map[string]int{"Kunde 1": 1, "Kunde 2": 2, "Kunde 3": 3, "Filiale Nord": 1}[r.Name]
		if r.Transactions != want || r.Today != want {
			t.Errorf("%s: %d transactions, %d today; want %d", r.Name, r.Transactions, r.Today, want)
		}
		if r.Billing == nil {
			t.Fatalf("%s: no billing for the vendor's owner", r.Name)
		}
	}
	k3 := rowNamed(t, all, "Kunde 3")
	if k3.ParentName != "POS Vendor GmbH" || !k3.Billing.Withhold || k3.Billing.BillToName != "POS Vendor GmbH" || k3.TSS != 1 || k3.Clients != 1 {
		t.Fatalf("Kunde 3: %+v %+v", k3, k3.Billing)
	}

	// Sorted, searched and paged on the server; totals stay those of all.
	byTx := get(owner, "?sort=transactions&order=desc&limit=2")
	if strings.Join(byTx.names(), ",") != "Kunde 3,Kunde 2" || byTx.Count != 6 || byTx.Totals.Transactions != 7 {
		t.Fatalf("sorted: %v (%d)", byTx.names(), byTx.Count)
	}
	page2 := get(owner, "?sort=transactions&order=desc&limit=2&offset=2")
	if len(page2.Data) != 2 || page2.Data[0].Transactions != 1 {
		t.Fatalf("page 2: %+v", page2.Data)
	}
	found := get(owner, "?search=kunde%202")
	if found.Count != 1 || found.Data[0].Name != "Kunde 2" || found.Totals.Organizations != 6 {
		t.Fatalf("search: %v", found.names())
	}
	if byID := get(owner, "?search="+customers["Kunde 1"][:8]); byID.Count != 1 || byID.Data[0].Name != "Kunde 1" {
		t.Fatalf("search by id: %v", byID.names())
	}

	// The holding and what it administers; one organization alone.
	h := get(owner, "?organization_id="+holding)
	if h.Totals.Organizations != 2 || h.Totals.Transactions != 1 || strings.Join(h.names(), ",") != "Filiale Nord,Holding AG" {
		t.Fatalf("holding: %+v %v", h.Totals, h.names())
	}
	if v := get(owner, "?organization_id="+vendor); v.Totals.Organizations != 6 {
		t.Fatalf("vendor scope: %d organizations", v.Totals.Organizations)
	}
	one := get(owner, "?organization_id="+customers["Kunde 2"]+"&administered=false")
	if one.Count != 1 || one.Totals.Transactions != 2 || one.Data[0].Name != "Kunde 2" {
		t.Fatalf("one: %+v", one)
	}
	if live := get(owner, "?env=LIVE"); live.Totals.TSS != 0 || live.Totals.Transactions != 0 || live.Totals.Organizations != 6 {
		t.Fatalf("LIVE: %+v", live.Totals)
	}

	// The withheld customer's own user: only itself, no billing, the vendor hidden.
	inv := a.must(a.do(owner, "POST", "/api/v0/organizations/"+customers["Kunde 3"]+"/users", map[string]any{"email": "kim@kunde3.example", "role": "member"}), 200)
	token := strings.TrimPrefix(inv.str("accept_url"), "/invite/")
	kim := sessionFrom(t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+token+"/accept", map[string]any{"password": "kim-password-123"}), 200))
	mine := get(kim, "")
	if mine.Count != 1 || mine.Data[0].Name != "Kunde 3" || mine.Data[0].Billing != nil || mine.Totals.Transactions != 3 {
		t.Fatalf("customer's user: %+v", mine)
	}
	if r := a.do(kim, "GET", "/api/dashboard/rollup", nil); strings.Contains(string(r.body), "POS Vendor") || strings.Contains(string(r.body), "withhold") {
		t.Fatalf("the customer sees the vendor or billing: %s", r.body)
	}
	wantCode(t, a.do(kim, "GET", "/api/dashboard/rollup?organization_id="+vendor, nil), 404, "E_ORGANIZATION_NOT_FOUND")

	// An API key reads the figures of what it sees, in its own env only.
	if byKey := get(v, ""); byKey.Env != "TEST" || byKey.Count != all.Count || byKey.Totals.Transactions != all.Totals.Transactions {
		t.Fatalf("the vendor's key: %s, %d organizations, %d transactions", byKey.Env, byKey.Count, byKey.Totals.Transactions)
	}
	wantCode(t, a.do(v, "GET", "/api/dashboard/rollup?env=LIVE", nil), 400, "E_FAILED_SCHEMA_VALIDATION")

	for _, q := range []string{"?env=PROD", "?days=0", "?days=93", "?sort=revenue", "?order=up", "?limit=101", "?organization_id=nope", "?administered=maybe"} {
		wantCode(t, a.do(owner, "GET", "/api/dashboard/rollup"+q, nil), 400, "E_FAILED_SCHEMA_VALIDATION")
	}
	if r := a.do(cred{}, "GET", "/api/dashboard/rollup", nil); r.status != 401 {
		t.Fatalf("without session: %d", r.status)
	}
}

func rowNamed(t *testing.T, b rollupBody, name string) rollupRow {
	t.Helper()
	for _, r := range b.Data {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no row %s in %v", name, b.names())
	return rollupRow{}
}

package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The start page's counts: TSS by state, clients, and transactions per UTC
// day, found by binary search over transaction numbers, for the org and env
// the dashboard names; other tenants and envs count nothing.
func TestOverviewCountsPerDay(t *testing.T) {
	a, owner, vendor, v, _ := vendorApp(t)
	tssA, clientsA := posSetup(t, a, v, 1)
	tssB, clientsB := posSetup(t, a, v, 1)
	a.must(a.do(v, "PUT", "/api/v2/tss/"+uuid.NewString(), "{}"), 200) // a CREATED one

	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC)
	sign := func(tssID, client string, at time.Time, n int) {
		a.tss.SetClock(func() time.Time { return at })
		defer a.tss.SetClock(time.Now)
		for range n {
			tx := "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
			a.must(a.do(v, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": client}), 200)
			a.must(a.do(v, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": client, "schema": receipt("1.00")}), 200)
		}
	}
	sign(tssA, clientsA[0], today.AddDate(0, 0, -9), 1) // before the window
	sign(tssA, clientsA[0], today.AddDate(0, 0, -3), 2)
	sign(tssA, clientsA[0], today.AddDate(0, 0, -1), 1)
	sign(tssB, clientsB[0], today.AddDate(0, 0, -1), 3)
	sign(tssB, clientsB[0], today, 1)

	type overview struct {
		TSSByState   map[string]int `json:"tss_by_state"`
		Clients      int            `json:"registered_clients"`
		Transactions uint64         `json:"transactions"`
		PerDay       []struct {
			Day          string `json:"day"`
			Transactions uint64 `json:"transactions"`
		} `json:"transactions_per_day"`
	}
	get := func(hdr map[string]string, q string) overview {
		var o overview
		if err := json.Unmarshal(a.must(a.doH(owner, "GET", "/api/dashboard/overview"+q, nil, hdr), 200).body, &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := get(map[string]string{"X-Organization-ID": vendor}, "?days=4")
	if o.TSSByState["INITIALIZED"] != 2 || o.TSSByState["CREATED"] != 1 || o.Clients != 2 || o.Transactions != 8 {
		t.Fatalf("overview %+v", o)
	}
	want := []uint64{2, 0, 4, 1}
	if len(o.PerDay) != 4 {
		t.Fatalf("%d days", len(o.PerDay))
	}
	for i, d := range o.PerDay {
		if day := today.AddDate(0, 0, i-3).Format(time.DateOnly); d.Day != day || d.Transactions != want[i] {
			t.Errorf("day %d: %+v, want %s %d", i, d, day, want[i])
		}
	}
	// LIVE needs a live organization, for a session as for a key.
	wantCode(t, a.doH(owner, "GET", "/api/dashboard/overview", nil, map[string]string{"X-Organization-ID": vendor, "X-Env": "LIVE"}), 400, "E_ENV_NOT_ENABLED")
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"vat_id": "DE123456789", "billing_address_id": billingAddress(t, a, v, vendor)}), 200)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/enable-env", map[string]string{"env": "LIVE"}), 200)
	if l := get(map[string]string{"X-Organization-ID": vendor, "X-Env": "LIVE"}, ""); l.Transactions != 0 || l.TSSByState["INITIALIZED"] != 0 || len(l.PerDay) != 14 {
		t.Fatalf("LIVE overview %+v", l)
	}
	wantCode(t, a.doH(owner, "GET", "/api/dashboard/overview?days=0", nil, map[string]string{"X-Organization-ID": vendor}), 400, "E_FAILED_SCHEMA_VALIDATION")
	wantCode(t, a.doH(owner, "GET", "/api/dashboard/overview", nil, map[string]string{"X-Organization-ID": uuid.NewString()}), 404, "E_ORGANIZATION_NOT_FOUND")
}
